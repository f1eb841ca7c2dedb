"""Benchmark: time to `loadbanks` the real content from empty, unchanged, and a synthetic 10x bank.

Targets (issue 7): < 5 s from empty, < 1 s unchanged, and linear in the content's size.
Runs against PostgreSQL (a scratch database, dropped at the end) and SQLite; each figure is the
median of several runs of the command inside one process, plus one full CLI run (Django start-up
included). Usage: .venv/bin/python bench/content_load.py [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/kubeprep_content_bench"


def suffix_ids(text: str, suffix: str) -> str:
    """Give every bank slug, question id, snippet id and snippet reference of a bank a suffix."""

    def references(match: re.Match) -> str:
        ids = [item.strip() for item in match.group(2).split(",") if item.strip()]
        return match.group(1) + ", ".join(f"{item}{suffix}" for item in ids) + "]"

    def listed(match: re.Match) -> str:
        return match.group(1) + re.sub(r"(- [a-z0-9-]+)", rf"\1{suffix}", match.group(2))

    text = re.sub(r"^(bank: )(\S+)", rf"\1\2{suffix}", text, flags=re.M)
    text = re.sub(r"^(\s+- id: |\s*id: )([a-z0-9-]+)", rf"\1\2{suffix}", text, flags=re.M)
    text = re.sub(r"(file: snippets/)([a-z0-9-]+)\.yaml", rf"\1\2{suffix}.yaml", text)
    text = re.sub(r"^(\s+snippets: \[)([^\]]*)\]", references, text, flags=re.M)
    return re.sub(r"^(\s+snippets:\n)((?:\s+- [a-z0-9-]+\n)+)", listed, text, flags=re.M)


def multiply(content: Path, out: Path, factor: int) -> Path:
    """Write `factor` copies of every bank and snippet under new ids: a content folder factor x."""
    shutil.copytree(content, out)
    for copy in range(2, factor + 1):
        suffix = f"-x{copy}"
        for bank in sorted((content / "banks").glob("*.yaml")):
            text = suffix_ids(bank.read_text(), suffix)
            (out / "banks" / f"{bank.stem}{suffix}.yaml").write_text(text)
        for snippet in (content / "snippets").glob("*.yaml"):
            shutil.copy(snippet, out / "snippets" / f"{snippet.stem}{suffix}.yaml")
    return out


def database(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def timed_load(path: Path) -> tuple[float, str]:
    from django.core.management import call_command

    out = StringIO()
    start = time.perf_counter()
    call_command("loadbanks", str(path), stdout=out)
    return time.perf_counter() - start, out.getvalue().strip()


def reset() -> None:
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)


def measure(label: str, url: str, content: Path, big: Path, runs: int) -> list[tuple]:
    rows = []
    from django.db import connection

    connection.close()
    empty, unchanged, tenfold = [], [], []
    for _ in range(runs):
        reset()
        seconds, _ = timed_load(content)
        empty.append(seconds)
        seconds, summary = timed_load(content)
        assert summary.endswith("nothing changed."), summary
        unchanged.append(seconds)
    for _ in range(max(1, runs - 1)):
        reset()
        seconds, summary = timed_load(big)
        tenfold.append(seconds)
    questions = int(re.search(r"(\d+) questions", summary).group(1))
    command = [sys.executable, "manage.py", "loadbanks", "content"]
    environment = {**os.environ, "DATABASE_URL": url}
    subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, check=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, check=True)
    cli_unchanged = time.perf_counter() - start
    rows.append((label, "real content, empty database", statistics.median(empty), "< 5 s"))
    rows.append((label, "real content, unchanged", statistics.median(unchanged), "< 1 s"))
    rows.append((label, "real content, unchanged (CLI, with start-up)", cli_unchanged, "-"))
    rows.append((label, f"10x content ({questions} questions), empty", statistics.median(tenfold),
                 f"linear: ~{10 * statistics.median(empty):.1f} s"))  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        big = multiply(ROOT / "content", Path(folder) / "content-10x", 10)
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        for label, url in (("PostgreSQL", PG_URL), ("SQLite", sqlite_url)):
            database(url)
            import django

            django.setup()
            from django.conf import settings
            from django.core.management import call_command
            from django.db import connections

            settings.DATABASES["default"].update(__import__("dj_database_url").parse(url))
            connections.close_all()
            del connections["default"]
            call_command("migrate", verbosity=0)
            print(f"{label}: measuring ...", file=sys.stderr)
            rows += measure(label, url, ROOT / "content", big, args.runs)
            connections.close_all()
    if not args.keep:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists",
                        PG_URL.rsplit("/", 1)[1]], check=False)  # fmt: skip
    lines = [
        "# Loading the banks",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; cores: {os.cpu_count()}; "
        f"memory: {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB",
        f"- median of {args.runs} runs inside one process (start-up excluded), except the CLI row",
        "",
        "| database | load | seconds | target |",
        "|---|---|---:|---|",
        *[f"| {db} | {what} | {seconds:.2f} | {target} |" for db, what, seconds, target in rows],
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (ROOT / "bench" / "CONTENT_LOAD.md").write_text(report)


if __name__ == "__main__":
    main()

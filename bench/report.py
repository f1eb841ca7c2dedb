"""Gather the benchmarks' summaries into bench/REPORT.md, with the machine and the date."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PARTS = [
    ("Study at scale (next card, answer POST)", "STUDY_SCALE.md"),
    ("Loading the banks", "CONTENT_LOAD.md"),
    ("Load and faults (gunicorn, PostgreSQL)", "LOAD.md"),
]


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
    return (
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {os.cpu_count()} cores, {memory:.1f} GiB memory, {platform.machine()}, "
        f"Python {platform.python_version()}, {postgres.stdout.strip() or 'psql not found'}\n"
    )


def main() -> None:
    sections = ["# Benchmark report", "", machine()]
    for title, name in PARTS:
        path = BENCH / name
        body = path.read_text().strip() if path.exists() else "_Not run yet._"
        sections += [
            f"## {title}",
            "",
            f"From `bench/{name}`:",
            "",
            body.replace("\n# ", "\n### "),
            "",
        ]
    (BENCH / "REPORT.md").write_text("\n".join(sections))
    print(f"Wrote {BENCH / 'REPORT.md'}")


if __name__ == "__main__":
    main()

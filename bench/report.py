"""Gather the benchmarks' summaries into bench/REPORT.md, with the machine and the date."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PARTS = [
    ("Study at scale (next card, answer POST, progress page)", "STUDY_SCALE.md"),
    ("Loading the banks", "CONTENT_LOAD.md"),
    ("Readiness (a 50-question assessment over 100 members)", "READINESS.md"),
    ("Load (gunicorn, PostgreSQL): the latest runs", "LOAD.md"),
    ("Faults under load", "results/faults.md"),
    ("The review loop beside Anki's backend (services, no HTTP)", "REVIEW_LOOP.md"),
    ("Hostile requests under load", "HOSTILE.md"),
    ("Markdown at its worst", "MARKDOWN.md"),
]
LOAD_RUNS = 2  # make bench runs bench/load.py twice: at reading pace, then flat out


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
    return (
        f"- gathered: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (each section below is the latest "
        "run of its benchmark, with that run's own date and code: they may differ)\n"
        f"- machine: {os.cpu_count()} cores, {memory:.1f} GiB memory, {platform.machine()}, "
        f"Python {platform.python_version()}, {postgres.stdout.strip() or 'psql not found'}\n"
    )


HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")  # an ATX heading: "## Title"
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")  # a code fence: ``` or ~~~, then an info string


def demote(markdown: str, levels: int = 2) -> str:
    """Return the markdown with every heading `levels` deeper (level 6 at most: a seventh `#`
    would make it a paragraph), code blocks left as they are, so an included file's headings
    sit under the report's own."""
    lines = []
    fence = ""  # the fence that opened the code block we are in, if any
    for line in markdown.splitlines():
        found = FENCE.match(line)
        if fence:
            # Closed by a fence of the same character, at least as long, with nothing after it.
            marks = found.group(1) if found else ""
            if marks[:1] == fence[0] and len(marks) >= len(fence) and not found.group(2).strip():
                fence = ""
        elif found:
            fence = found.group(1)
        elif heading := HEADING.match(line):
            depth = min(6, len(heading.group(2)) + levels)
            line = heading.group(1) + "#" * depth + line[heading.end() :]
        lines.append(line)
    return "\n".join(lines)


def latest_runs(load_md: str, count: int = LOAD_RUNS) -> str:
    """Return the newest `count` run summaries of bench/LOAD.md (each starts with "### ")."""
    runs = load_md.split("\n### ")[1:]
    return "\n\n".join("# " + run.strip() for run in runs[-count:])  # demoted to ###


def main() -> None:
    sections = ["# Benchmark report", "", machine()]
    for title, name in PARTS:
        path = BENCH / name
        body = path.read_text().strip() if path.exists() else "_Not run yet._"
        if name == "LOAD.md" and path.exists():
            body = latest_runs(body) + "\n\nHow they are measured: bench/LOAD.md."
        sections += [
            f"## {title}",
            "",
            f"From `bench/{name}`:",
            "",
            demote(body),
            "",
        ]
    (BENCH / "REPORT.md").write_text("\n".join(sections))
    print(f"Wrote {BENCH / 'REPORT.md'}")


if __name__ == "__main__":
    main()

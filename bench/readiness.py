#!/usr/bin/env python
"""Benchmark readiness: a 50-question assessment over 10 and 100 members, and one member's page.

    .venv/bin/python bench/readiness.py [--database-url URL] [--members 10,100] [--runs 15]

Builds a throwaway test database (Django's test database of URL: in memory for SQLite, test_<name>
on PostgreSQL, dropped at the end), a catalog of 640 questions, and per size a team whose members
each studied 60% of it (6 reviews a card), with an open assessment of 20 fixed questions and three
draws of 10 from 40-question topics (bench/readiness_data.py). Then measures, the median of
--runs runs after a warm-up:

- `team_readiness(team, now)`: every member's expected score and pass chance (the lead's team
  page): its queries, its time, and how much of it is SQL;
- `GET /assessments/teams/<id>/readiness/` with HX-Request, through the Django test client;
- `member_readiness(member, assessment, now)`: one member's page figure with the topic advice.

Writes this database's section of bench/READINESS.md (the other database's stays) and prints it.
Never imported by the app; no timing is asserted anywhere (tests assert the query counts).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = ROOT / "bench" / "READINESS.md"
DEFAULT_URL = "sqlite:///bench-readiness.sqlite3"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()


def measure(function, runs: int) -> tuple[float, float, int]:  # noqa: ANN001
    """Return (median seconds, median seconds in SQL, queries) of `function()` over `runs` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm-up: caches, imports, the database's buffers
    totals, sql, counts = [], [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            function()
            totals.append(time.perf_counter() - started)
        sql.append(sum(float(q["time"]) for q in queries.captured_queries))
        counts.add(len(queries.captured_queries))
    if len(counts) != 1:
        raise RuntimeError(f"the number of queries changed between runs: {sorted(counts)}")
    return statistics.median(totals), statistics.median(sql), counts.pop()


def run(members: list[int], runs: int) -> tuple[list[tuple[str, int, float, float, int]], dict]:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from readiness_data import catalog, team_with_members

    from studyapp.assessments.readiness import member_readiness, team_readiness

    now = timezone.now()
    rng = random.Random(19)
    by_topic = catalog()
    rows, facts = [], {"database": connection.vendor, "review_logs": {}, "cards": {}}
    for size in members:
        started = time.perf_counter()
        bench = team_with_members(f"t{size}", size, by_topic, now, rng)
        took = time.perf_counter() - started
        print(f"{size} members: generated in {took:.1f} s ({bench.cards} cards, "
              f"{bench.review_logs} review logs)", file=sys.stderr)  # fmt: skip
        facts["review_logs"][size] = bench.review_logs
        facts["cards"][size] = bench.cards
        tables = team_readiness(bench.team, now)
        assert len(tables[0].rows) == size
        assert all(row.readiness.question_count == 50 for row in tables[0].rows)
        assert all(row.readiness.method == "exact" for row in tables[0].rows)
        seconds, sql, queries = measure(lambda b=bench: team_readiness(b.team, now), runs)
        rows.append(("team_readiness (selector)", size, seconds, sql, queries))
        client = Client()
        lead = bench.team.memberships.get(role="lead").user
        client.force_login(lead)
        url = f"/assessments/teams/{bench.team.pk}/readiness/"

        def get(client=client, url=url) -> None:
            response = client.get(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 200, response.status_code

        seconds, sql, queries = measure(get, runs)
        rows.append(
            (f"GET {url.replace(str(bench.team.pk), '<id>')} (htmx)", size, seconds, sql, queries)
        )
        member = bench.members[0]
        seconds, sql, queries = measure(
            lambda b=bench, m=member: member_readiness(m, b.assessment, now), runs
        )
        rows.append(("member_readiness (one member)", size, seconds, sql, queries))
    return rows, facts


HEADER = """# Readiness benchmark

Written by `bench/readiness.py` (see its docstring and bench/README.md): each run rewrites the
section of its database. No timing is asserted in the tests; they assert the query counts
(tests/assessments/test_readiness.py).
"""


def section(rows, facts, runs: int, url: str) -> str:  # noqa: ANN001
    """Return this run's section of the summary."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False, cwd=ROOT).stdout.strip()  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"## {facts['database']}",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code {commit}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, load average at the end {load} (other jobs were running: "
        "the times are those of a shared machine)",
        f"- database: {facts['database']}, a fresh test database "
        f"({'in memory' if facts['database'] == 'sqlite' else 'test_' + url.rsplit('/', 1)[-1]})",
        "- data: a 640-question catalog; each member studied 60% of it (384 cards, 6 reviews "
        "each); the assessment has 20 fixed questions and 3 draws of 10 from 40-question topics "
        "(50 questions an attempt, 140 it may hold), pass mark 70%",
        f"- figures: the median of {runs} runs after a warm-up; SQL is the time the queries took "
        "(the rest is Python: reading rows, FSRS recall, the exact pass chances, rendering)",
        "",
        "| measured | members | review logs | queries | median | of which SQL |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, size, seconds, sql, queries in rows:
        lines.append(f"| {name} | {size} | {facts['review_logs'][size]:,} | {queries} | "
                     f"{seconds * 1000:.0f} ms | {sql * 1000:.0f} ms |")  # fmt: skip
    by_size: dict[str, dict[int, int]] = {}
    for name, size, _, _, queries in rows:
        by_size.setdefault(name, {})[size] = queries
    lines.append("")
    for name, sizes in by_size.items():
        same = len(set(sizes.values())) == 1
        each = ", ".join(f"{s} members: {q}" for s, q in sizes.items())
        verdict = "the same number of queries" if same else "the number of queries varies"
        lines.append(f"- {name}: {verdict} ({each})")
    return "\n".join(lines) + "\n"


def rewrite(path: Path, database: str, text: str) -> str:
    """Return the summary with this database's section replaced (or added)."""
    current = path.read_text(encoding="utf-8") if path.exists() else HEADER
    sections = current.split("\n## ")
    kept = [part for part in sections[1:] if not part.startswith(f"{database}\n")]
    parts = [sections[0].rstrip("\n") + "\n", *("## " + part.rstrip("\n") + "\n" for part in kept)]
    parts.append(text)
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--members", default="10,100")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--summary", default=str(SUMMARY))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows, facts = run([int(n) for n in args.members.split(",")], args.runs)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    text = section(rows, facts, args.runs, args.database_url)
    path = Path(args.summary)
    path.write_text(rewrite(path, facts["database"], text), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

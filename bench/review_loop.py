#!/usr/bin/env python
"""Benchmark one review through the app's services against Anki's own backend, in one run.

    .venv/bin/python bench/review_loop.py [--reviews 200] [--rounds 3] [--warmup 20]
        [--database-url postgres://postgres@127.0.0.1:5432/kubeprep_review_loop_bench]

A review of the app, without HTTP (bench/review_loop_app.py): read the learner's settings, count
today, pick the next card, fetch the question, grade and store the answer, rate it Good, through
the selectors and services the study views call, over the real content (content/ loaded with
`loadbanks` into a fresh database). It runs on SQLite (a temporary file with the app's SQLite
options: WAL, synchronous=NORMAL, foreign keys, busy timeout) and on PostgreSQL (a database whose
name contains "bench", created again and dropped at the end), one process each.

Anki's review (bench/review_loop_anki.py): `col.sched.get_queued_cards()` then
`col.sched.answer_card(...)` rated Good, on a temporary collection of 2,000 Basic notes, twice:
as Anki ships (`synchronous=FULL`: an fsync per answer) and with `synchronous=NORMAL` as the
app's SQLite runs (like for like: no fsync at a commit).

Each round, they take turns (Anki twice, SQLite, PostgreSQL), each with a new learner or
collection: --warmup reviews, then --reviews timed ones; the figures are the median over the
rounds of each round's median (and mean). Then the queries of each step are counted, and
each backend is profiled with cProfile. Prints the figures and the ratio to Anki, and rewrites
bench/REVIEW_LOOP.md with them, the targets, and the top cumulative functions per backend.
Never imported by the app; no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SUMMARY = BENCH / "REVIEW_LOOP.md"
RAW = BENCH / "results" / "review_loop.md"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/kubeprep_review_loop_bench"
TARGETS = {"sqlite": 3.0, "postgresql": 5.0}  # ms per review
ANKI_RATIO_TARGET = 8.0  # SQLite at most 8 times Anki's backend
LABELS = {
    "anki": "Anki's backend (as shipped: synchronous=FULL)",
    "anki-normal": "Anki's backend (synchronous=NORMAL, as the app's SQLite)",
    "sqlite": "SQLite",
    "postgresql": "PostgreSQL",
    "postgresql-async": "PostgreSQL, synchronous_commit=off (not a target: the disk left out)",
}

sys.path.insert(0, str(BENCH))

from profile_summary import markdown_table  # noqa: E402


class AppWorker:
    """bench/review_loop_app.py on one database, driven line by line."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH / "review_loop_app.py"), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.info = self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name}: the worker stopped (see its error above)")
        return json.loads(line)

    def ask(self, *command: object) -> dict:
        self.process.stdin.write(" ".join(str(part) for part in command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.poll() is None:
            self.ask("drop")
            self.process.stdin.close()
            self.process.wait(timeout=60)


def summarize(rounds: list[list[float]]) -> dict:
    """Return the median over rounds of each round's median and mean (ms), and the best round."""
    medians = [statistics.median(times) * 1000 for times in rounds]
    means = [statistics.fmean(times) * 1000 for times in rounds]
    return {
        "median_ms": statistics.median(medians),
        "mean_ms": statistics.median(means),
        "best_median_ms": min(medians),
        "round_medians_ms": medians,
    }


def machine() -> dict[str, str]:
    """Return what the figures depend on: cores, CPU, memory, versions, the code measured."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = len(git("status", "--porcelain", "--", "studyapp").splitlines())
    return {
        "commit": (git("rev-parse", "--short", "HEAD") or "?")
        + (f" with {changed} uncommitted files in studyapp/" if changed else ""),
        "machine": f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GiB of memory",
        "python": f"Python {platform.python_version()}, anki {version('anki')}, "
        f"Django {version('django')}",
    }


def fsync_ms(folder: Path, count: int = 50) -> float:
    """Return the median milliseconds of an fsync after a 4 KiB write in `folder` (the disk the
    databases commit to: a commit that waits for the disk waits about this long)."""
    path = folder / "fsync-probe"
    times = []
    with path.open("wb") as handle:
        for _ in range(count):
            handle.write(b"x" * 4096)
            handle.flush()
            started = time.perf_counter()
            os.fsync(handle.fileno())
            times.append(time.perf_counter() - started)
    path.unlink()
    return statistics.median(times) * 1000


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "missed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=200, help="timed reviews per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=20, help="untimed reviews before each round")
    parser.add_argument("--count-reviews", type=int, default=20, help="reviews whose queries count")
    parser.add_argument("--profile-reviews", type=int, default=200)
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, help="PostgreSQL, for 'bench'")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite and Anki only")
    parser.add_argument("--summary", type=Path, default=SUMMARY)
    options = parser.parse_args()

    from review_loop_anki import AnkiLoop

    started = datetime.now(UTC)
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="review-loop-"))
    workers: dict[str, AppWorker] = {}
    ankis = {"anki": AnkiLoop(), "anki-normal": AnkiLoop(synchronous="normal")}
    fsyncs = [fsync_ms(folder)]
    warm: dict[str, dict] = {}
    try:
        workers["sqlite"] = AppWorker("sqlite", f"sqlite:///{folder / 'review_loop.sqlite3'}")
        print(f"sqlite ready: {workers['sqlite'].info}", flush=True)
        if not options.no_postgres:
            workers["postgresql"] = AppWorker("postgresql", options.database_url)
            print(f"postgresql ready: {workers['postgresql'].info}", flush=True)
        for name, worker in workers.items():  # as a worker that has shown every question once
            warm[name] = worker.ask("warm")
        runs = {name: (worker, "round") for name, worker in workers.items()}
        if "postgresql" in workers:
            runs["postgresql-async"] = (workers["postgresql"], "round-async")
        times: dict[str, list[list[float]]] = {name: [] for name in [*ankis, *runs]}
        cpu: dict[str, list[list[float]]] = {name: [] for name in [*ankis, *runs]}
        steps: dict[str, list[dict]] = {name: [] for name in runs}
        loads = []
        for number in range(options.rounds):
            for name, anki in ankis.items():
                clock, cpu_time = anki.timed_round(options.reviews, options.warmup)
                times[name].append(clock)
                cpu[name].append(cpu_time)
            for name, (worker, command) in runs.items():
                result = worker.ask(command, options.reviews, options.warmup)
                times[name].append(result["times"])
                cpu[name].append(result["cpu"])
                steps[name].append(result["steps"])
            loads.append(os.getloadavg()[0])
            line = ", ".join(
                f"{name} {statistics.median(rounds[-1]) * 1000:.3f} ms"
                for name, rounds in times.items()
            )
            print(f"round {number + 1}: median per review: {line}", flush=True)
        counts = {
            name: worker.ask("count", options.count_reviews) for name, worker in workers.items()
        }
        profiles = {
            name: worker.ask("profile", options.profile_reviews, options.warmup)
            for name, worker in workers.items()
        }
        for name, anki in ankis.items():
            profiles[name] = {"cumulative": anki.profile(options.profile_reviews), "own": []}
        anki_pragmas = {name: anki.pragmas() for name, anki in ankis.items()}
        fsyncs.append(fsync_ms(folder))
    finally:
        for worker in workers.values():
            worker.close()
        for anki in ankis.values():
            anki.close()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    finished = datetime.now(UTC)

    figures = {name: summarize(rounds) for name, rounds in times.items()}
    for name, rounds in cpu.items():
        figures[name]["cpu_median_ms"] = summarize(rounds)["median_ms"]
    step_medians = {
        name: {step: statistics.median(r[step] for r in rounds) for step in rounds[0]}
        for name, rounds in steps.items()
    }
    report = write_summary(
        options=options,
        started=started,
        finished=finished,
        load=(load_before[0], *loads),
        workers={name: worker.info for name, worker in workers.items()},
        anki_pragmas=anki_pragmas,
        warm=warm,
        fsyncs=fsyncs,
        figures=figures,
        step_medians=step_medians,
        counts=counts,
        profiles=profiles,
    )
    print(report)
    write_raw(counts, profiles)
    print(f"Wrote {options.summary} and {RAW}")


def write_summary(
    *,
    options: argparse.Namespace,
    started: datetime,
    finished: datetime,
    load: tuple[float, ...],
    workers: dict[str, dict],
    anki_pragmas: dict[str, str],
    warm: dict[str, dict],
    fsyncs: list[float],
    figures: dict[str, dict],
    step_medians: dict[str, dict],
    counts: dict[str, dict],
    profiles: dict[str, dict],
) -> str:
    """Write bench/REVIEW_LOOP.md and return its text."""
    about = machine()
    lines = [
        "# The review loop: the app's services beside Anki's backend",
        "",
        "Written by `bench/review_loop.py` (what it measures and how: [README.md](README.md)).",
        "",
        f"- **Date**: {started:%Y-%m-%d %H:%M} to {finished:%H:%M} UTC. "
        f"**Code measured**: {about['commit']}.",
        f"- **Machine**: {about['machine']}; {about['python']}; "
        + "; ".join(f"{name}: {info['database']}" for name, info in workers.items())
        + " (on the same machine).",
        "- **Anki's collections**: "
        + "; ".join(f"{LABELS[name]}: {text}" for name, text in anki_pragmas.items())
        + ". An fsync costs what the disk makes it cost: like for like is the second. An "
        "fsync after a 4 KiB write took "
        + " then ".join(f"{value:.2f}" for value in fsyncs)
        + " ms here (median, at the start and the end of the run): a commit that waits for the "
        "disk (Anki as shipped, PostgreSQL) waits about that long.",
        "- **Content cache**: each worker first reads every question into its cache, as a "
        "process that has shown each once: "
        + "; ".join(
            f"{name} {info['questions']} questions, {info['median_ms']:.2f} ms a question (median)"
            for name, info in warm.items()
        )
        + ". A read costs that once per question, process and content version. A `SELECT 1` "
        "through Django took "
        + "; ".join(f"{name} {info['select_1_ms']:.3f} ms" for name, info in warm.items())
        + " (median): the price of a query before any work, PostgreSQL's a round trip to "
        "a server shared with the rest of the machine's work.",
        f"- **Runs**: {options.rounds} rounds of {options.reviews} reviews after "
        f"{options.warmup} warm-up reviews, the four taking turns; each round a new learner (a "
        f"new collection for Anki) starting new cards of the real content "
        f"({next(iter(workers.values()))['questions']} questions) and rating them Good. "
        "Figures: the median over rounds of each round's median and mean.",
        "- **Load**: the 1-minute load average was "
        + ", ".join(f"{value:.1f}" for value in load)
        + " (before, then after each round) on a machine shared with other work: the ratios "
        "within one run hold better than the absolute figures.",
        "",
        "## Per review",
        "",
        "| backend | median ms | mean ms | best round's median ms | CPU ms (median, this "
        "process) | queries | × Anki (as shipped / like for like) | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    shipped, alike = figures["anki"]["median_ms"], figures["anki-normal"]["median_ms"]
    for name in LABELS:
        if name not in figures:
            continue
        figure = figures[name]
        ratios = f"{figure['median_ms'] / shipped:.1f} / {figure['median_ms'] / alike:.1f}"
        if name.startswith("anki"):
            target, queries, ratios = "", "–", "–"
        elif name == "postgresql-async":
            target, queries = "", f"{counts['postgresql']['per_review']:.1f}"
        else:
            target = f"≤ {TARGETS[name]:g} ms: {verdict(figure['median_ms'], TARGETS[name])}"
            if name == "sqlite":
                target += (
                    f"; ≤ {ANKI_RATIO_TARGET:g}× Anki: "
                    f"{verdict(figure['median_ms'] / shipped, ANKI_RATIO_TARGET)} as shipped, "
                    f"{verdict(figure['median_ms'] / alike, ANKI_RATIO_TARGET)} like for like"
                )
            queries = f"{counts[name]['per_review']:.1f}"
        lines.append(
            f"| {LABELS[name]} | {figure['median_ms']:.3f} | {figure['mean_ms']:.3f} | "
            f"{figure['best_median_ms']:.3f} | {figure['cpu_median_ms']:.3f} | {queries} | "
            f"{ratios} | {target} |"
        )
    lines += [
        "",
        "The clock is the figure the targets are about. CPU time counts what this process "
        "itself computed (every thread; not a database server's work, nor time spent waiting "
        "for the disk or for a core): on a busy machine, the clock is CPU time plus the waits.",
        "",
        "Each round's median (ms): "
        + "; ".join(
            f"{name} " + ", ".join(f"{value:.3f}" for value in figure["round_medians_ms"])
            for name, figure in figures.items()
        )
        + ".",
        "",
        "## Per step (median ms, and queries)",
        "",
        "| step | " + " | ".join(step_medians) + " |",
        "|---|" + "---:|" * len(step_medians),
    ]
    steps = next(iter(step_medians.values()))
    for step in steps:
        cells = [
            f"{step_medians[name][step]:.3f} "
            f"({counts[name.removesuffix('-async')]['steps'][step]:.1f} q)"
            for name in step_medians
        ]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## The profile: what is left",
        "",
        f"cProfile over {options.profile_reviews} reviews (a new learner, after the warm-up), "
        "per review: the functions with the most cumulative time (their own code and their "
        "callees); profiling itself slows Python code down, so these add up to more than the "
        "timings above. The raw output, with the SQL of one review, is "
        "`bench/results/review_loop.md`.",
    ]
    for name in ("sqlite", "postgresql", "anki", "anki-normal"):
        if name not in profiles:
            continue
        rows = profiles[name]["cumulative"][: 20 if name in workers else 6]
        lines += ["", f"### {LABELS[name]}", "", markdown_table(rows)]
    text = "\n".join(lines) + "\n"
    options.summary.write_text(text)
    return text


def write_raw(counts: dict[str, dict], profiles: dict[str, dict]) -> None:
    """Write the SQL of one review and the longer profiles to bench/results/review_loop.md."""
    RAW.parent.mkdir(exist_ok=True)
    lines = [f"# Review loop, raw output ({time.strftime('%Y-%m-%d %H:%M')})", ""]
    for name, count in counts.items():
        lines += [f"## {name}: the SQL of one review", ""]
        for query in count["last_review_sql"]:
            lines.append(f"- **{query['step']}**: `{query['sql']}`")
        lines.append("")
    for name, profile in profiles.items():
        lines += [f"## {name}: cumulative", "", markdown_table(profile["cumulative"]), ""]
        if profile["own"]:
            lines += [f"## {name}: own time", "", markdown_table(profile["own"]), ""]
    RAW.write_text("\n".join(lines))


if __name__ == "__main__":
    main()

"""Run mutmut over the core modules one at a time and record how long each took.

`make mutate` runs this, then `bench/mutation_report.py`. The modules and the tests mutmut may
use are configured in pyproject.toml (`[tool.mutmut]`); mutmut keeps its copy of the project,
its mutants and their results in `mutants/` (git-ignored). Each module's wall time goes to
`bench/results/mutation_times.json`, which the report reads.

    .venv/bin/python bench/mutation_run.py                      # every module, from scratch
    .venv/bin/python bench/mutation_run.py --module banks/grading --keep
    .venv/bin/python bench/mutation_run.py --module banks/grading --keep --survivors
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT / "bench" / "results" / "mutation_times.json"
MUTANTS = ROOT / "mutants"
# mutmut's exit codes that mean a mutant was caught (killed by a test, or it timed out).
CAUGHT = {1, 3, 24, -24, 36, 152, 255}


def sqlite_environment() -> dict[str, str]:
    """Return this environment without DATABASE_URL: mutants always run on SQLite (in memory)."""
    return {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}


def core_modules() -> list[str]:
    """Return the mutated files of pyproject.toml's [tool.mutmut] only_mutate, in its order."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["mutmut"]["only_mutate"])


def short_name(path: str) -> str:
    """Return `banks/grading` for `studyapp/banks/grading.py`."""
    return path.removeprefix("studyapp/").removesuffix(".py")


def dotted(path: str) -> str:
    """Return `studyapp.banks.grading` for `studyapp/banks/grading.py`."""
    return path.removesuffix(".py").replace("/", ".")


def not_caught(path: str) -> list[str]:
    """Return the mutants of a module that no test has caught yet (or that were never run)."""
    meta = MUTANTS / f"{path}.meta"
    if not meta.exists():
        return [f"{dotted(path)}.*"]
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return sorted(name for name, code in codes.items() if code not in CAUGHT)


def prepare(max_children: int) -> None:
    """Copy the project into mutants/, write the mutants, and run the test suite once, traced, to
    learn which tests reach which function: what `mutmut run` does before its first mutant
    (mutmut's own steps, in its order; mutmut is pinned in pyproject.toml), so that this shared
    cost is timed apart from the modules'."""
    import mutmut.__main__ as mutmut_main

    mutmut_main.set_mutant_under_test("mutant_generation")
    MUTANTS.mkdir(exist_ok=True)
    mutmut_main.copy_src_dir()
    mutmut_main.copy_also_copy_files()
    mutmut_main.setup_source_paths()
    mutmut_main.store_lines_covered_by_tests()
    mutmut_main.create_mutants(max_children)
    runner = mutmut_main.get_mutant_runner(max_children)
    mutmut_main.collect_or_load_stats(runner, apply_config_invalidation=True)


def run_prepare(*, max_children: int, niceness: int) -> float:
    """Run `prepare` under nice in a process of its own; return the wall seconds."""
    log = ROOT / "bench" / "results" / "mutation_setup.log"
    print(f"setup: mutants and the traced test run, log in {log.relative_to(ROOT)}", flush=True)
    command = ["nice", "-n", str(niceness), sys.executable, __file__, "--prepare-only"]
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        result = subprocess.run(
            [*command, "--max-children", str(max_children)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=sqlite_environment(),
            check=False,
        )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"mutmut's setup failed (exit {result.returncode}):\n{tail}")
    print(f"setup: {seconds / 60:.1f} min", flush=True)
    return seconds


def run_module(path: str, *, max_children: int, niceness: int, survivors: bool) -> float:
    """Run mutmut on one module's mutants (or only its uncaught ones); return the wall seconds."""
    names = not_caught(path) if survivors else [f"{dotted(path)}.*"]
    if not names:
        print(f"{short_name(path)}: every mutant already caught", flush=True)
        return 0.0
    mutmut = Path(sys.executable).parent / "mutmut"
    command = ["nice", "-n", str(niceness), str(mutmut), "run", "--max-children", str(max_children)]
    log = ROOT / "bench" / "results" / f"mutation_{short_name(path).replace('/', '_')}.log"
    print(f"{short_name(path)}: {len(names)} name(s), log in {log.relative_to(ROOT)}", flush=True)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as output:
        result = subprocess.run(
            command + names,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=sqlite_environment(),
            check=False,
        )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        sys.exit(f"mutmut failed on {path} (exit {result.returncode}):\n{tail}")
    print(f"{short_name(path)}: {seconds / 60:.1f} min", flush=True)
    codes = json.loads((MUTANTS / f"{path}.meta").read_text(encoding="utf-8"))["exit_code_by_key"]
    timeouts = sum(1 for code in codes.values() if code in CAUGHT - {1, 3})
    if timeouts > len(codes) / 10:
        # mutmut counts a worker that crashed (exit -1) as a timeout: a burst of them is a run
        # that broke (a package removed under it, a full disk), not mutants that hang.
        print(
            f"{short_name(path)}: {timeouts} of {len(codes)} mutants timed out: the run probably "
            "broke; check the log and run the module again",
            flush=True,
        )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--module",
        action="append",
        help="a module to run, e.g. banks/grading (repeatable; default: every core module)",
    )
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutant runs (2)")
    parser.add_argument("--nice", type=int, default=10, help="niceness of the run (10)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep mutants/ from an earlier run (default: start from scratch, so no stale copy "
        "of templates or content is tested)",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="with --keep: run only the mutants not caught last time (after adding tests)",
    )
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_only:
        prepare(args.max_children)
        return
    modules = core_modules()
    if args.module:
        unknown = [m for m in args.module if m not in {short_name(p) for p in modules}]
        if unknown:
            parser.error(f"not a core module: {', '.join(unknown)}")
        modules = [p for p in modules if short_name(p) in args.module]
    if args.survivors and not args.keep:
        parser.error("--survivors needs --keep (the results of an earlier run)")
    if not args.keep and MUTANTS.exists():
        shutil.rmtree(MUTANTS)
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    times = json.loads(TIMES.read_text(encoding="utf-8")) if TIMES.exists() and args.keep else {}
    if not args.keep:
        seconds = run_prepare(max_children=args.max_children, niceness=args.nice)
        times["setup"] = {
            "seconds": round(seconds, 1),
            "max_children": args.max_children,
            "seconds_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        TIMES.write_text(json.dumps(times, indent=2) + "\n", encoding="utf-8")
    for path in modules:
        seconds = run_module(
            path, max_children=args.max_children, niceness=args.nice, survivors=args.survivors
        )
        entry = times.setdefault(short_name(path), {})
        key = "rerun_seconds" if args.survivors else "seconds"
        entry[key] = round(seconds, 1)
        entry[f"{key}_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        entry["max_children"] = args.max_children
        TIMES.write_text(json.dumps(times, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

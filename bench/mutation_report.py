"""Write bench/MUTATION.md from mutmut's results in mutants/ (after bench/mutation_run.py).

For each core module: how many mutants the tests caught, the score, the time the run took, and
every mutant that survived with the reason it is left (bench/mutation_notes.toml, matched by
function and changed line, so a note outlives the renumbering of mutants).

    .venv/bin/python bench/mutation_report.py [--output bench/MUTATION.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from mutation_run import MUTANTS, TIMES, core_modules, short_name  # noqa: E402

NOTES = ROOT / "bench" / "mutation_notes.toml"
TARGET = 0.85
# mutmut's exit codes (mutmut.stats.status_by_exit_code), gathered into what the report counts.
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not run",
}


@dataclass(frozen=True)
class Mutant:
    """A surviving mutant: its name, the function it lives in, and the line it changed."""

    name: str
    status: str
    function: str
    removed: str
    added: str


def function_of(name: str) -> str:
    """Return `grade_short` or `Memory.to_json` for a mutant key of mutmut."""
    mangled = name.rpartition(".")[2].rpartition("__mutmut_")[0]
    if mangled.startswith("x\u01c1"):
        _, klass, method = mangled.split("\u01c1")
        return f"{klass}.{method}"
    return mangled.removeprefix("x_")


def changed_lines(name: str, path: str) -> tuple[str, str]:
    """Return the lines a mutant removed and added (stripped, joined by ' / ')."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(name, path=path).splitlines()
    removed = [line[1:].strip() for line in diff if line.startswith("-") and line[:3] != "---"]
    added = [line[1:].strip() for line in diff if line.startswith("+") and line[:3] != "+++"]
    return " / ".join(removed), " / ".join(added)


def load_notes() -> list[dict[str, str]]:
    """Return the explanations of surviving mutants written by hand."""
    if not NOTES.exists():
        return []
    return tomllib.loads(NOTES.read_text(encoding="utf-8")).get("survivor", [])


def note_for(module: str, mutant: Mutant, notes: list[dict[str, str]]) -> str | None:
    """Return the explanation of a survivor, or None when nobody has written one."""
    for note in notes:
        if (
            note["module"] == module
            and note["function"] == mutant.function
            and note["mutated"] == mutant.added
            and note.get("original", mutant.removed) == mutant.removed
        ):
            return note["why"]
    return None


def module_results(path: str) -> tuple[Counter, list[Mutant]]:
    """Return the count of mutants per status and the surviving ones of one module."""
    meta = MUTANTS / f"{path}.meta"
    if not meta.exists():
        return Counter(), []
    codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    counts: Counter = Counter()
    left: list[Mutant] = []
    for name, code in sorted(codes.items(), key=lambda item: mutant_order(item[0])):
        status = STATUS.get(code, "suspicious")
        counts[status] += 1
        if status in ("survived", "no tests", "suspicious", "timeout"):
            removed, added = changed_lines(name, path)
            left.append(Mutant(name, status, function_of(name), removed, added))
    return counts, left


def mutant_order(name: str) -> tuple[str, int]:
    """Sort mutants by function, then by their number (2 before 10)."""
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def score(counts: Counter) -> float | None:
    """Caught (killed or timed out) over every mutant but the skipped ones; None if none ran."""
    counted = sum(counts.values()) - counts["skipped"]
    if not counted or counts["not run"] == counted:
        return None
    return (counts["killed"] + counts["timeout"]) / counted


def commit() -> str:
    """Return the commit the mutants were made from, marked when the tree had changes."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "studyapp", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{head} (with uncommitted changes)" if dirty else head


def minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f} min"


def render() -> str:
    """Return the text of bench/MUTATION.md."""
    os.chdir(ROOT)  # mutmut reads its configuration and mutants/ from the project folder
    times = json.loads(TIMES.read_text(encoding="utf-8")) if TIMES.exists() else {}
    notes = load_notes()
    rows, sections, timeouts, notes_on_runs = [], [], [], []
    unexplained = 0
    for path in core_modules():
        module = short_name(path)
        counts, left = module_results(path)
        value = score(counts)
        timing = times.get(module, {})
        if value is None:
            met = "not run"
        elif counts["not run"]:
            met = "incomplete"
        else:
            met = "met" if value >= TARGET else "**missed**"
        rows.append(
            f"| `{module}.py` | {sum(counts.values()) or '–'} | {counts['killed']} | "
            f"{counts['timeout']} | {counts['survived']} | {counts['no tests']} | "
            f"{counts['not run']} | {'–' if value is None else f'{value:.1%}'} | {met} | "
            f"{minutes(timing.get('seconds'))} |"
        )
        timed_out = [mutant for mutant in left if mutant.status == "timeout"]
        left = [mutant for mutant in left if mutant.status != "timeout"]
        if timing.get("note"):
            notes_on_runs.append(f"- `{module}.py`: {timing['note']}")
        if timed_out:
            listed = ", ".join(f"`{m.function}` (`{m.added}`)" for m in timed_out)
            timeouts.append(f"- `{module}.py`: {listed}")
        if not left:
            continue
        lines = [f"### `{module}.py`: {len(left)} left", ""]
        for mutant in left:
            why = note_for(module, mutant, notes)
            if why is None:
                unexplained += 1
                why = "**not explained yet**"
            status = "" if mutant.status == "survived" else f" ({mutant.status})"
            lines.append(
                f"- `{mutant.function}`{status}: `{mutant.removed}` → `{mutant.added}`: {why}"
            )
        sections.append("\n".join(lines))
    setup = times.get("setup", {}).get("seconds")
    children = {t.get("max_children") for t in times.values() if t.get("max_children")}
    header = f"""# Mutation testing of the core modules

Written by `make mutate` (`bench/mutation_run.py`, then `bench/mutation_report.py`); how it runs
is in [README.md](README.md#mutation-testing-make-mutate).

- run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code {commit()}, mutmut {version("mutmut")},
  Python {platform.python_version()}, SQLite, {os.cpu_count()} cores shared with other work,
  {", ".join(str(c) for c in sorted(children)) or "?"} mutants at a time
- each module ran in full once (the time below), then, after the tests it asked for, its
  mutants left were run again (`--keep --survivors`): the counts are those of the last run of
  each mutant, on the code named above (the mutated modules did not change between the runs)
- setup (copying the project, writing the mutants, one traced run of the suite to learn which
  tests reach which function): {minutes(setup)}
- each mutant is then run against the tests that reach its function only, fastest first,
  stopping at the first failure; left out: the browser tests of `tests/e2e` and the tests marked
  `slow` (a second or more each: scale, browser, simulation and subprocess tests), which
  `make test` runs; the mutants of `banks/format.py` run only the tests of `tests/banks` and
  `tests/interop` (its score is what those tests earn)

**Score** = mutants caught (a test failed, or the run timed out) ÷ every mutant of the module
but the skipped ones (none are skipped today). A mutant that no selected test reaches ("no
tests") or that was not run counts as *not* caught. Target: at least {TARGET:.0%} per module.
Not mutated at all, so not counted: module-level constants, default values that are not plain
literals, type annotations, and functions under a decorator other than `@staticmethod` /
`@classmethod` (properties included).

"""
    header += (
        f"| module | mutants | killed | timed out | survived | no tests | not run | score | "
        f"≥ {TARGET:.0%} | time |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n"
    )
    body = "\n".join(rows) + "\n"
    explained = (
        "\n## Mutants left\n\nEach with the line it changed (before → after) and why it has no "
        f"test that catches it. Not explained yet: {unexplained}.\n\n"
        + "\n\n".join(sections)
        + "\n"
        if sections
        else "\n## Mutants left\n\nNone.\n"
    )
    if notes_on_runs:
        body += "\nAbout these runs:\n\n" + "\n".join(notes_on_runs) + "\n"
    if timeouts:
        body += (
            "\nTimed out (counted as caught: the mutant made its tests run past their time "
            "limit; many at once would rather mean the run broke, and should be run again):\n\n"
            + "\n".join(timeouts)
            + "\n"
        )
    return header + body + explained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "MUTATION.md")
    args = parser.parse_args()
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

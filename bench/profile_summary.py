"""The top cumulative functions of a cProfile run, per iteration, as rows a report can print."""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _where(filename: str, line: int, name: str) -> str:
    """Return a function's place, short: a path inside the repository or a package, and its name."""
    if filename == "~":  # a built-in
        return name
    path = Path(filename)
    for prefix in (ROOT, *(Path(p) for p in sys.path if p.endswith("site-packages"))):
        try:
            path = path.relative_to(prefix)
            break
        except ValueError:
            continue
    return f"{path}:{line} {name}"


def top_cumulative(
    profile: cProfile.Profile, iterations: int, *, limit: int = 25, skip: tuple[str, ...] = ()
) -> list[dict]:
    """Return the `limit` functions with the most cumulative time, per iteration: milliseconds
    inside them and their callees (`cumulative_ms`), in their own code (`own_ms`), and calls.

    Functions whose place contains a string of `skip` (the measuring loop itself) are left out.
    """
    stats = pstats.Stats(profile)
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
        where = _where(filename, line, name)
        if any(text in where for text in skip):
            continue
        rows.append(
            {
                "function": where,
                "cumulative_ms": cumulative * 1000 / iterations,
                "own_ms": own * 1000 / iterations,
                "calls": calls / iterations,
            }
        )
    rows.sort(key=lambda row: row["cumulative_ms"], reverse=True)
    return rows[:limit]


def top_own(profile: cProfile.Profile, iterations: int, *, limit: int = 15) -> list[dict]:
    """Return the `limit` functions with the most time in their own code, per iteration."""
    stats = pstats.Stats(profile)
    rows = [
        {
            "function": _where(filename, line, name),
            "cumulative_ms": cumulative * 1000 / iterations,
            "own_ms": own * 1000 / iterations,
            "calls": calls / iterations,
        }
        for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items()
    ]
    rows.sort(key=lambda row: row["own_ms"], reverse=True)
    return rows[:limit]


def markdown_table(rows: list[dict]) -> str:
    """Return profile rows as a markdown table."""
    lines = [
        "| cumulative ms | own ms | calls | function |",
        "|---:|---:|---:|---|",
    ]
    for row in rows:
        function = row["function"].replace("|", "\\|")
        lines.append(
            f"| {row['cumulative_ms']:.3f} | {row['own_ms']:.3f} | {row['calls']:.1f} | "
            f"`{function}` |"
        )
    return "\n".join(lines)

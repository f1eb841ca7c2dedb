"""Worst-case markdown texts for bench/markdown_worst.py: each case fills a length cap with one
costly construct, as many of it as studyapp/core/markdown.py lets through to the parser (its
limits are read from there, so the cases follow them when they change), plus a few texts
beyond the bounds, which must come out as plain text. Never imported by the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from studyapp.core.markdown import CONSTRUCT_LIMITS, MAX_FENCES, MAX_LINKS, MAX_NESTING


def limit(characters: str) -> int:
    """Return how many of a costly construct one text may hold and still be parsed."""
    return CONSTRUCT_LIMITS[characters]


def repeat(unit: str, cap: int, count: int | None = None, tail: str = "a") -> str:
    """Return `unit` repeated `count` times (as often as fits when None), then `tail` repeated
    up to `cap` characters; never longer than `cap`."""
    times = cap // len(unit) if count is None else min(count, cap // len(unit))
    head = unit * times
    return (head + tail * ((cap - len(head)) // len(tail) + 1))[:cap]


def lines(line: str, cap: int) -> str:
    """Return as many copies of a line (with its newline) as fit in `cap` characters."""
    return (line + "\n") * (cap // (len(line) + 1))


def table(cap: int) -> str:
    """A table with as many rows as the `|` limit allows, its cells padded to fill the cap."""
    columns = 4
    rows = max(1, limit("|") // (columns + 1) - 2)  # header, separator, rows: each 5 pipes
    cell = max(1, (cap // (rows + 2) - (columns + 1)) // columns - 1)
    header = "|" + "|".join(" h" * ((cell + 1) // 2) for _ in range(columns)) + "|"
    separator = "|" + "|".join("-" * cell for _ in range(columns)) + "|"
    row = "|" + "|".join("a" * cell for _ in range(columns)) + "|"
    return "\n".join([header, separator, *[row] * rows])[:cap]


def link_references(cap: int) -> str:
    """Half the `[` budget defines references, the other half uses them, then a long paragraph
    (fewer of each when the cap is short)."""
    count = limit("[") // 2
    while count > 1:
        definitions = "".join(f"[r{i}]: https://kubernetes.io/docs/{i}\n" for i in range(count))
        uses = "\n" + " ".join(f"[r{i}] and" for i in range(count)) + " "
        if len(definitions + uses) <= cap:
            break
        count -= 1
    return repeat(definitions + uses, cap, 1, tail="a ")


def everything(cap: int) -> str:
    """Every costly construct at its limit in one paragraph, the open links first so that
    their scan for a closing parenthesis runs over all the rest (at a short cap, a share of
    each, filling half the text)."""
    counts = {
        "[a](": min(limit("["), MAX_LINKS),
        "[": limit("[") - min(limit("["), MAX_LINKS),
        "<a ": limit("<"),
        "`a": limit("`"),
        "*a ": limit("*_~"),
        "\\a": limit("\\"),
        "|": limit("|"),
    }
    full = sum(len(unit) * count for unit, count in counts.items())
    share = min(1.0, cap / 2 / full)
    head = "".join(unit * int(count * share) for unit, count in counts.items())
    return repeat(head, cap, 1, tail='"')


@dataclass(frozen=True)
class Case:
    """One worst-case text: its name, what it exercises, and how to build it at a cap."""

    name: str
    exercises: str
    build: Callable[[int], str]


CASES: list[Case] = [
    Case(
        "`[` run", "the issue's input, at the `[` limit", lambda cap: repeat("[", cap, limit("["))
    ),
    Case(
        'open links, `"` tail',
        "each `[a](` scans the rest for its `)`; quotes keep the scan going",
        lambda cap: repeat("[a](", cap, MAX_LINKS, tail='"'),
    ),
    Case(
        "open images, space tail",
        "`![a](`: the image pattern's scan",
        lambda cap: repeat("![a](", cap, MAX_LINKS, tail=" "),
    ),
    Case(
        "open links, `(` tail",
        "nested parentheses in a link's target",
        lambda cap: repeat("[a](", cap, MAX_LINKS, tail="("),
    ),
    Case(
        "`[` then `]` run",
        "bracket matching over a long run",
        lambda cap: repeat("[", cap, limit("["), tail="]"),
    ),
    Case("link reference flood", "definitions and uses of references", link_references),
    Case(
        "nested emphasis",
        "`*_` alternating: nested emphasis openers",
        lambda cap: repeat("*_", cap, limit("*_~") // 2),
    ),
    Case(
        "emphasis openers",
        "`*a ` spread over the text, never closed",
        lambda cap: repeat("*a ", cap, limit("*_~")),
    ),
    Case(
        "strong openers",
        "`**a` spread, never closed",
        lambda cap: repeat("**a", cap, limit("*_~") // 2),
    ),
    Case("backtick run", "one run of backticks", lambda cap: repeat("`", cap, limit("`"))),
    Case(
        "backticks spread",
        "code-span openers, never closed",
        lambda cap: repeat("`a", cap, limit("`")),
    ),
    Case("`<` run", "one run of `<`", lambda cap: repeat("<", cap, limit("<"))),
    Case("tag openers", "`<a ` never closed", lambda cap: repeat("<a ", cap, limit("<"))),
    Case("comment openers", "`<!--` never closed", lambda cap: repeat("<!--", cap, limit("<"))),
    Case(
        "HTML block lines",
        "`<div>` lines: raw HTML blocks",
        lambda cap: repeat("<div>\n", cap, limit("<")),
    ),
    Case("backslash run", "escapes", lambda cap: repeat("\\", cap, limit("\\"))),
    Case("`|` run", "one line of pipes", lambda cap: repeat("|", cap, limit("|"))),
    Case("table", "a 4-column table, as many rows as `|` allows", table),
    Case(
        "deep block quotes",
        f"every line {MAX_NESTING} `>` deep",
        lambda cap: lines("> " * MAX_NESTING + "a", cap),
    ),
    Case(
        "deep lists",
        f"every line {MAX_NESTING} list markers deep",
        lambda cap: lines("- " * MAX_NESTING + "a", cap),
    ),
    Case(
        "deep numbered lists",
        f"every line {MAX_NESTING} `1.` deep",
        lambda cap: lines("1. " * MAX_NESTING + "a", cap),
    ),
    Case(
        "indented nested lists",
        f"lists nested by indentation, {MAX_NESTING} levels, again and again",
        lambda cap: repeat(
            "".join("    " * level + "- a\n" for level in range(MAX_NESTING)), cap, tail="\n"
        ),
    ),
    Case("list item flood", "`- a` lines", lambda cap: lines("- a", cap)),
    Case("loose list flood", "list items apart", lambda cap: lines("- a\n", cap)),
    Case("heading flood", "`# a` lines", lambda cap: lines("# a", cap)),
    Case("setext headings", "`a` over `-`", lambda cap: lines("a\n-", cap)),
    Case("paragraph flood", "one-letter paragraphs", lambda cap: lines("a\n", cap)),
    Case("hard line breaks", "`a` and two spaces, each line", lambda cap: lines("a  ", cap)),
    Case("long line without spaces", "one word", lambda cap: "a" * cap),
    Case("long URL", "a URL as one word", lambda cap: repeat("https://", cap, 1, tail="k8s/")),
    Case("entities", "`&#` runs", lambda cap: repeat("&#", cap)),
    Case(
        "fenced code full of links",
        "costly prose inside closed fences: not counted, not parsed inline",
        lambda cap: "```\n" + repeat('[a]("', cap - 9) + "\n```\n",
    ),
    Case(
        "fence lines",
        f"{MAX_FENCES} fence lines: code blocks one after another",
        lambda cap: repeat("```\na\n```\n", cap, MAX_FENCES // 2, tail="\n"),
    ),
    Case("everything at its limit", "all the constructs above, in one paragraph", everything),
    Case(
        "`[` over the limit",
        "one more `[` than the limit: shown as plain text",
        lambda cap: repeat("[", cap, limit("[") + 1),
    ),
    Case(
        "links over the limit",
        "one more open link than the limit: plain text",
        lambda cap: repeat("[a](", cap, MAX_LINKS + 1, tail='"'),
    ),
    Case(
        "deep lists over the limit",
        "one level more than the limit: plain text",
        lambda cap: lines("- " * (MAX_NESTING + 1) + "a", cap),
    ),
]


@dataclass(frozen=True)
class Oversized:
    """A text longer than any cap: the forms, loader and importer refuse it; rendered, it is
    plain text."""

    name: str
    text: str


OVERSIZED = [
    Oversized("issue 15: 20,000 `[`", "[" * 20_000),
    Oversized("issue 15: 30,000 `[`", "[" * 30_000),
    Oversized('30,000 characters of open links, `"` tail', repeat("[a](", 30_000, 100, tail='"')),
    Oversized("30,000 characters of nested lists", lines("- " * 8 + "a", 30_000)),
]

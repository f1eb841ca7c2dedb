"""Limits on YAML from people: a few hundred bytes of nested aliases must not become gigabytes.

PyYAML builds an alias as the very object it points at, so parsing a "billion laughs" document is
cheap; the cost comes later, when validation, checks or serialization walk the expanded tree.
`check_yaml` reads the parser's events once (time linear in the text) and measures the size the
documents would have with every alias expanded, before anything is built or walked.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlLimits:
    """How much YAML one text may hold."""

    max_chars: int
    max_values: int  # scalars, mappings and sequences, once aliases are expanded
    max_aliases: int  # uses of an anchor (0: aliases refused)
    max_depth: int = 64  # mappings and sequences inside each other


# A learner's manifest: real answers are a few kilobytes and never need an alias.
ANSWER_LIMITS = YamlLimits(max_chars=20_000, max_values=5_000, max_aliases=0)
# An author's snippet or bank file: the largest real bank is about 100 kB, with no alias.
CONTENT_LIMITS = YamlLimits(max_chars=1_000_000, max_values=200_000, max_aliases=50)


class YamlTooLarge(Exception):
    """A YAML text beyond its limits: the line to point at (or None) and what is wrong."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def check_yaml(text: str, limits: YamlLimits) -> None:
    """Raise YamlTooLarge when a text is too long, uses too many aliases, nests too deeply, or
    would expand to too many values. Syntax errors are left to the parser that follows."""
    if len(text) > limits.max_chars:
        raise YamlTooLarge(None, f"the text is longer than {limits.max_chars:,} characters")
    sizes: dict[str, int] = {}  # anchor -> size of what it names, expanded
    frames: list[list] = []  # open collections: [anchor, size so far]
    aliases = total = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > limits.max_aliases:
                    raise YamlTooLarge(
                        line,
                        "aliases (*name) are not allowed here"
                        if limits.max_aliases == 0
                        else f"more than {limits.max_aliases} aliases (*name)",
                    )
                if event.anchor not in sizes:
                    inside = any(frame[0] == event.anchor for frame in frames)
                    raise YamlTooLarge(
                        line,
                        f"the alias *{event.anchor} refers to itself"
                        if inside
                        else f"the alias *{event.anchor} names no anchor before it",
                    )
                size = sizes[event.anchor]
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(frames) >= limits.max_depth:
                    raise YamlTooLarge(line, f"nested more than {limits.max_depth} levels deep")
                frames.append([event.anchor, 1])
                continue
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, size = frames.pop()
                if anchor:
                    sizes[anchor] = size
            else:
                continue
            if frames:
                frames[-1][1] += size
            else:
                total += size
            if total + sum(frame[1] for frame in frames) > limits.max_values:
                raise YamlTooLarge(
                    line, f"the text expands to more than {limits.max_values:,} values"
                )
    except yaml.YAMLError:
        return  # the parser that reads the text next reports it, with its line

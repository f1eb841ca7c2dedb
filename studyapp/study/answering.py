"""From a submitted form to an answer the graders read, and the display order of items. Pure."""

from __future__ import annotations

import random
from collections.abc import Mapping

from studyapp.banks.format import cloze_deletions
from studyapp.banks.grading import MAX_ANSWER_CHARS

MAX_VALUES = 50


def item_order(seed: str, size: int) -> list[int]:
    """Return a stable shuffled display order of `size` items that is never the right order."""
    order = list(range(size))
    if size < 2:
        return order
    random.Random(seed).shuffle(order)
    if order == sorted(order):
        order = order[1:] + order[:1]
    return order


def _values(data: Mapping, name: str) -> list[str]:
    getlist = getattr(data, "getlist", None)
    values = getlist(name) if getlist else ([data[name]] if name in data else [])
    return [str(value)[:MAX_ANSWER_CHARS] for value in values[:MAX_VALUES]]


def _value(data: Mapping, name: str) -> str:
    values = _values(data, name)
    return values[0] if values else ""


def parse_response(
    question_type: str, prompt: str, items_seed: str, item_count: int, data: Mapping
) -> list:
    """Return the learner's answer from form data, in the shape the grader of the type reads."""
    if question_type == "single":
        return _values(data, "choice")[:1]
    if question_type == "multi":
        return _values(data, "choice")
    if question_type == "truefalse":
        return [_value(data, "truth")]
    if question_type == "short":
        return [_value(data, "text")]
    if question_type == "yaml":
        return [_value(data, "manifest")]
    if question_type == "cloze":
        return [_value(data, f"cloze-{i}") for i in range(len(cloze_deletions(prompt)))]
    if question_type == "order":
        shown = item_order(items_seed, item_count)
        ranked = []
        for display_index, original in enumerate(shown):
            raw = _value(data, f"position-{display_index}")
            try:
                position = int(raw)
            except ValueError:
                position = display_index + 1
            ranked.append((position, display_index, original))
        return [original for _, _, original in sorted(ranked)]
    return []

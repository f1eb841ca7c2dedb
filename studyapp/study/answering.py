"""From a submitted form to an answer the graders read, and the display order of items and
choices. Pure (the choice order is keyed with the app's secret key)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

from django.utils.crypto import salted_hmac

from studyapp.banks.format import cloze_deletions
from studyapp.banks.grading import MAX_ANSWER_CHARS

MAX_VALUES = 50
CHOICE_ORDER_SALT = "study.choice_order"


def choice_order(seed: str, size: int) -> list[int]:
    """Return the order `size` choices are shown in (their indexes in the bank) for a seed.

    The same seed always gives the same order; the order is keyed with the secret key, so nobody
    can work it out from the seed. Forms send displayed positions, never bank indexes.
    """
    order = list(range(size))
    random.Random(salted_hmac(CHOICE_ORDER_SALT, seed).digest()).shuffle(order)
    return order


def study_choice_seed(user_id: int, question_slug: str, card_version: int) -> str:
    """Return the seed of a card's choice order: one order per learner, question and version,
    so a reload shows the same order and each review a new one."""
    return f"{user_id}:{question_slug}:{card_version}"


def chosen_indexes(positions: Sequence[str], order: Sequence[int]) -> list[str]:
    """Return the bank indexes of the choices at the submitted display positions (positions that
    were not shown are dropped, each choice counted once)."""
    chosen: list[str] = []
    for value in positions:
        if re.fullmatch(r"[0-9]{1,4}", str(value).strip()) and int(value) < len(order):
            index = str(order[int(value)])
            if index not in chosen:
                chosen.append(index)
    return chosen


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
    question_type: str,
    prompt: str,
    items_seed: str,
    item_count: int,
    data: Mapping,
    *,
    choice_order: Sequence[int] = (),
) -> list:
    """Return the learner's answer from form data, in the shape the grader of the type reads.

    Choices are sent as the positions they were shown at in `choice_order`; the answer holds
    their indexes in the bank.
    """
    if question_type == "single":
        return chosen_indexes(_values(data, "choice")[:1], choice_order)
    if question_type == "multi":
        return chosen_indexes(_values(data, "choice"), choice_order)
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

"""Which questions an attempt gets, in which order: fixed once, when the attempt starts. Pure."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.study.answering import item_order


@dataclass(frozen=True)
class Candidate:
    """A question that may be put in an assessment: in study, and not a flashcard."""

    question_id: int
    topic_id: int
    difficulty: int


@dataclass(frozen=True)
class ItemPlan:
    """An assessment item: a fixed question, or `count` questions drawn from a topic."""

    question_id: int | None = None
    topic_id: int | None = None
    count: int = 1
    difficulty: int | None = None


def draw_pool(item: ItemPlan, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Return the candidates a draw item picks from."""
    return [
        candidate
        for candidate in candidates
        if candidate.topic_id == item.topic_id
        and (item.difficulty is None or candidate.difficulty == item.difficulty)
    ]


def draw_questions(
    items: Sequence[ItemPlan],
    candidates: Sequence[Candidate],
    rng: random.Random,
    *,
    shuffle: bool,
) -> list[int]:
    """Return the question ids of one attempt, in the order shown.

    Fixed questions are kept (unless they left the candidates, e.g. retired); draws never repeat a
    question already in the attempt and take what there is when a topic has too few. Without
    `shuffle` the questions come in item order, drawn ones in the order drawn.
    """
    allowed = {candidate.question_id for candidate in candidates}
    taken = {item.question_id for item in items if item.question_id in allowed}
    picks: list[list[int]] = []
    for item in items:
        if item.question_id is not None:
            picks.append([item.question_id] if item.question_id in allowed else [])
            continue
        pool = sorted(
            (c.question_id for c in draw_pool(item, candidates) if c.question_id not in taken),
        )
        chosen = rng.sample(pool, min(item.count, len(pool)))
        taken.update(chosen)
        picks.append(chosen)
    order = [question_id for group in picks for question_id in group]
    if shuffle:
        rng.shuffle(order)
    return order


def choice_order(size: int, rng: random.Random, *, shuffle: bool) -> list[int]:
    """Return the order the choices of a question are shown in (their original indexes)."""
    order = list(range(size))
    if shuffle:
        rng.shuffle(order)
    return order


def order_item_order(size: int, rng: random.Random) -> list[int]:
    """Return how an ordering question's items are shown: shuffled, never already in order."""
    return item_order(str(rng.getrandbits(64)), size)

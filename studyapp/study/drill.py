"""Interview drill: questions to explain aloud, self-checked against key points. Pure functions."""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import scheduling

SECONDS_PER_POINT = 20  # a fluent answer covers a key point in about this long
MINIMUM_FAST_SECONDS = 30


@dataclass(frozen=True)
class DrillResult:
    question_id: int
    topic: str
    covered: int
    points: int
    elapsed_ms: int
    rating: int

    @property
    def share(self) -> float:
        return self.covered / self.points if self.points else 0.0


def fast_limit_ms(points: int) -> int:
    """Return how quick (ms) an answer covering every point must be to count as fast."""
    return max(MINIMUM_FAST_SECONDS, SECONDS_PER_POINT * points) * 1000


def rating_for(covered: int, points: int, elapsed_ms: int) -> int:
    """Turn key points covered into an FSRS rating.

    Fewer than half: Again; half or more: Hard; all: Good; all and fast: Easy.
    """
    if points <= 0:
        return scheduling.AGAIN
    covered = max(0, min(covered, points))
    if covered * 2 < points:
        return scheduling.AGAIN
    if covered < points:
        return scheduling.HARD
    return scheduling.EASY if elapsed_ms <= fast_limit_ms(points) else scheduling.GOOD


def pick(question_ids: list[int], count: int, seed: str) -> list[int]:
    """Return `count` of the questions in a random order fixed by `seed`."""
    chosen = list(question_ids)
    random.Random(seed).shuffle(chosen)
    return chosen[:count]


def weak_topics(results: list[DrillResult], threshold: float = 0.75) -> list[tuple[str, float]]:
    """Return the topics whose average share of key points is below the threshold, weakest first."""
    by_topic: dict[str, list[float]] = {}
    for result in results:
        by_topic.setdefault(result.topic, []).append(result.share)
    averages = [(topic, sum(shares) / len(shares)) for topic, shares in by_topic.items()]
    return sorted([row for row in averages if row[1] < threshold], key=lambda row: row[1])

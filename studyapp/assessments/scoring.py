"""How much each answer counts toward an attempt's score, and the score. Pure.

A question is worth one point. A multi question earns Moodle's partial credit (each right pick
+1/k, each wrong pick -1/k for its k right choices, never below zero); every other question is
right or wrong. A lead's manual regrade gives the whole point or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable


def question_credit(question_type: str, is_correct: bool, score: float) -> float:
    """Return the points (0 to 1) an answer earns: the grader's score for a multi question,
    else 1 when right and 0 when wrong."""
    if is_correct:
        return 1.0
    if question_type == "multi":
        return round(min(1.0, max(0.0, score)), 4)
    return 0.0


def attempt_percent(credits: Iterable[float]) -> float:
    """Return the attempt's score: the points earned as a percentage of the questions asked."""
    values = list(credits)
    return round(100.0 * sum(values) / len(values), 2) if values else 0.0

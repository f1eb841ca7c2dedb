"""Study histories for readiness tests: card states with their answers and review logs."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from studyapp.study import scheduling, summaries
from studyapp.study.models import Answer, CardState, ReviewLog

VERSIONS = itertools.count(1000)


def studied_card(
    user, question, *, stability: float, last_review: datetime, state=2, difficulty=5.0
):
    """A card in review with this memory (no review log: add some with `log_reviews`)."""
    card, _ = CardState.objects.update_or_create(
        user=user,
        question=question,
        defaults={"state": state, "stability": stability, "difficulty": difficulty,
                  "last_review": last_review, "due": last_review + timedelta(days=stability),
                  "reps": 3},
    )  # fmt: skip
    return card


def log_reviews(user, card, times, *, rating=scheduling.GOOD, state_before=scheduling.REVIEW,
                duration_ms=20_000):  # fmt: skip
    """Add one rated review of the card at each of `times`."""
    answers = Answer.objects.bulk_create(
        Answer(user=user, card=card, card_version=next(VERSIONS), created_at=t,
               duration_ms=duration_ms)
        for t in times
    )  # fmt: skip
    ReviewLog.objects.bulk_create(
        ReviewLog(user=user, card=card, answer=answer, rating=rating, state_before=state_before,
                  reviewed_at=t, duration_ms=duration_ms, card_before={})
        for answer, t in zip(answers, times, strict=True)
    )  # fmt: skip
    summaries.rebuild([user.pk])  # written in bulk, as an import does: its days counted again


def first_try(user, question, *, right: bool, at: datetime, stability: float = 3.0):
    """The learner saw a new question at `at` and got it right or not (their first review)."""
    card = studied_card(user, question, stability=stability, last_review=at)
    log_reviews(user, card, [at], rating=scheduling.GOOD if right else scheduling.AGAIN,
                state_before=scheduling.NEW)  # fmt: skip
    return card


def many_reviews(user, card, count: int, *, before: datetime):
    """`count` past reviews of one card (only their number matters)."""
    log_reviews(user, card, [before - timedelta(days=i + 1) for i in range(count)])

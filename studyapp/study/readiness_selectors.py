"""Reads for readiness: what it needs of learners and questions, in a fixed number of queries.

`learners` reads any number of learners for any number of questions in four queries; the pure
computation is studyapp/study/readiness.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum

from studyapp.banks.models import Question

from . import readiness, scheduling
from .models import CardState, DailyReviewSummary, ReviewLog, StudySettings
from .readiness import Learner, QuestionInfo, QuestionSet, Readiness
from .scheduling import Memory

TIMED_REVIEWS = 200  # the learner's latest timed reviews that set the minutes per review


def learners(
    user_ids: Collection[int], question_ids: Iterable[int] | QuerySet
) -> dict[int, Learner]:
    """Return what readiness knows of each user for these questions. Four queries, whatever the
    numbers of users and questions: settings, studied cards, first tries, review counts."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    if not isinstance(question_ids, QuerySet):
        question_ids = list(question_ids)
    settings = {
        user_id: (parameters, retention)
        for user_id, parameters, retention in StudySettings.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "parameters", "desired_retention")
    }
    memories: dict[int, dict[int, Memory]] = {user_id: {} for user_id in user_ids}
    cards = (
        CardState.objects.filter(user_id__in=user_ids, question_id__in=question_ids)
        .exclude(state=scheduling.NEW)
        .filter(stability__isnull=False, last_review__isnull=False)
        .values_list(
            "user_id",
            "question_id",
            "state",
            "step",
            "stability",
            "difficulty",
            "due",
            "last_review",
            "reps",
            "lapses",
        )  # fmt: skip
    )
    for user_id, question_id, state, step, stability, difficulty, due, last, reps, lapses in cards:
        memories[user_id][question_id] = Memory(state, step, stability, difficulty, due, last,
                                                reps, lapses)  # fmt: skip
    first_tries: dict[int, dict[tuple[int, int], tuple[int, int]]] = {u: {} for u in user_ids}
    rows = (
        # First reviews of new cards (the partial index review_user_first_tries holds just them).
        ReviewLog.objects.filter(user_id__in=user_ids, state_before=scheduling.NEW)
        .values_list("user_id", "card__question__topic_id", "card__question__difficulty")
        .annotate(tries=Count("pk"), right=Count("pk", filter=Q(rating__gt=scheduling.AGAIN)))
        .order_by()
    )
    for user_id, topic_id, difficulty, tries, right in rows:
        first_tries[user_id][(topic_id, difficulty)] = (tries, right)
    counts = dict(
        # From their days, not their logs: a row per day studied, whatever the reviews.
        DailyReviewSummary.objects.filter(user_id__in=user_ids)
        .values_list("user_id")
        .annotate(n=Sum("reviews"))
        .order_by()
    )
    return {
        user_id: Learner(
            memories=memories[user_id],
            first_tries=first_tries[user_id],
            review_count=counts.get(user_id, 0),
            parameters=settings.get(user_id, (None, 0.9))[0],
            desired_retention=settings.get(user_id, (None, 0.9))[1],
        )
        for user_id in user_ids
    }


def question_infos(questions: QuerySet[Question]) -> list[QuestionInfo]:
    """Return the topic and difficulty of each question. One query."""
    rows = questions.order_by().values_list("pk", "topic_id", "difficulty")
    return [QuestionInfo(pk, topic_id, difficulty) for pk, topic_id, difficulty in rows]


def timed_reviews(user: object) -> list[tuple[str, int]]:
    """Return (question type, duration in ms) of the learner's latest timed reviews. One query."""
    return list(
        ReviewLog.objects.for_user(user)
        .filter(duration_ms__gt=0)
        .order_by("-reviewed_at")
        .values_list("card__question__type", "duration_ms")[:TIMED_REVIEWS]
    )


@dataclass(frozen=True)
class Prediction:
    """The readiness of one learner for the questions of an attempt, when it started."""

    readiness: Readiness
    chances: dict[int, float]  # question id -> chance of a right answer


def prediction(
    user_id: int, questions: list[QuestionInfo], pass_mark: float, now: datetime
) -> Prediction | None:
    """Return the prediction for these exact questions now; None below the minimum of reviews
    (the figure is not shown then, so it is not kept either). Four queries."""
    learner = learners([user_id], [q.question_id for q in questions])[user_id]
    if not learner.has_enough_reviews or not questions:
        return None
    chances = readiness.chances_at(learner, questions, now)
    question_set = QuestionSet(fixed=tuple(q.question_id for q in questions))
    return Prediction(readiness.readiness(question_set, chances, pass_mark), chances)

"""Reads for studying: the queue, its counts and the question to show. A fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import BooleanField, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from studyapp.banks.models import Question, Snippet

from .models import CardState, ReviewLog, StudySettings
from .scheduling import LEARNING, NEW, RELEARNING, REVIEW, day_start

COUNT_CAP = 1000  # learning cards shown as "1000" at most: nobody needs the exact backlog


class TodayCounts(NamedTuple):
    """What the learner did since their day began: reviews of review cards, new cards started,
    and every answer rated (learning steps included)."""

    reviews: int
    new: int
    answers: int


@dataclass(frozen=True)
class QueueCounts:
    learning: int
    review: int
    new: int
    reviewed_today: int
    new_today: int
    answered_today: int = 0

    @property
    def total(self) -> int:
        return self.learning + self.review + self.new


def study_settings(user: object) -> StudySettings:
    """Return the learner's settings, created with the defaults on first use, with
    `limits_topics`, `limits_banks` and `has_added_topics`: whether they limited study to some
    topics or banks, and added topics to their reviews (read with the settings: after changing
    those, read the settings again)."""
    settings = (
        StudySettings.objects.annotate(
            limits_topics=_has_rows(StudySettings.topics.through),
            limits_banks=_has_rows(StudySettings.banks.through),
            has_added_topics=_has_rows(StudySettings.added_topics.through),
        )
        .filter(user=user)
        .first()
    )
    if settings is None:
        settings, _ = StudySettings.objects.get_or_create(user=user)
        settings.limits_topics = settings.limits_banks = settings.has_added_topics = False
    return settings


def _has_rows(through: type) -> RawSQL:
    # Plain SQL: an Exists(OuterRef) subquery costs more to build than this whole query takes.
    table, settings_table = through._meta.db_table, StudySettings._meta.db_table
    return RawSQL(
        f'EXISTS (SELECT 1 FROM "{table}" WHERE "{table}"."studysettings_id" = '  # noqa: S608
        f'"{settings_table}"."id")',
        [],
        output_field=BooleanField(),
    )


def _added_topic_ids(settings: StudySettings) -> QuerySet:
    return StudySettings.added_topics.through.objects.filter(studysettings_id=settings.pk).values(
        "topic_id"
    )


def _scoped(queryset: QuerySet, settings: StudySettings, prefix: str = "") -> QuerySet:
    """Keep the rows whose question is in the topics and banks the learner chose, if they chose
    any, or in a topic they added to their reviews (`settings` as `study_settings` returns it).
    No query yet."""
    if settings.limits_topics:
        topics = StudySettings.topics.through.objects.filter(studysettings_id=settings.pk)
        in_topics = Q(**{f"{prefix}topic_id__in": topics.values("topic_id")})
        if settings.has_added_topics:
            in_topics |= Q(**{f"{prefix}topic_id__in": _added_topic_ids(settings)})
        queryset = queryset.filter(in_topics)
    if settings.limits_banks:
        banks = StudySettings.banks.through.objects.filter(studysettings_id=settings.pk)
        queryset = queryset.filter(**{f"{prefix}bank_id__in": banks.values("bank_id")})
    return queryset


def questions_in_scope(settings: StudySettings) -> QuerySet[Question]:
    """Public questions in study that the learner's topic and bank choices allow (no query yet).

    Restricted (assessment) banks never give new cards: a member reviews one of their questions
    only once an assessment has queued it.
    """
    return _scoped(Question.objects.public(), settings)


def _available_cards(user: object, settings: StudySettings, now: datetime) -> QuerySet[CardState]:
    cards = CardState.objects.filter(user=user, is_suspended=False, question__is_retired=False)
    return _scoped(cards, settings, "question__").exclude(buried_until__gt=now)


def _new_questions(
    user: object, settings: StudySettings, now: datetime, *, added_only: bool = False
) -> QuerySet[Question]:
    """Questions the learner has not started (a card that was only shown counts as not started),
    in the order the learner chose; with `added_only`, those of the topics they added."""
    started = CardState.objects.filter(user=user, question=OuterRef("pk")).filter(
        Q(state__gt=NEW) | Q(is_suspended=True) | Q(buried_until__gt=now)
    )
    questions = questions_in_scope(settings).filter(~Exists(started))
    if added_only:
        questions = questions.filter(topic_id__in=_added_topic_ids(settings))
    # Each order is kept in one indexed column: (topic, bank, position), or mixed across topics.
    if settings.new_card_order == StudySettings.NewCardOrder.TOPIC:
        return questions.order_by("study_order", "pk")
    return questions.order_by("interleaved_order", "pk")


def today_counts(user: object, settings: StudySettings, now: datetime) -> TodayCounts:
    """Return what the learner did since their 4 a.m.: reviews of review cards, new cards
    introduced, and every answer rated."""
    counts = (
        ReviewLog.objects.for_user(user)
        .filter(reviewed_at__gte=day_start(now, settings.time_zone))
        .aggregate(
            reviews=Count("pk", filter=Q(state_before=REVIEW)),
            new=Count("pk", filter=Q(state_before=NEW)),
            answers=Count("pk"),
        )
    )
    return TodayCounts(counts["reviews"], counts["new"], counts["answers"])


def queue_counts(
    user: object, settings: StudySettings, now: datetime, today: TodayCounts | None = None
) -> QueueCounts:
    """Return how many cards are due now, split as the queue takes them."""
    today = today or today_counts(user, settings, now)
    reviewed_today, new_today = today.reviews, today.new
    due = _available_cards(user, settings, now).filter(due__lte=now)
    # Each count stops at what today can show (a LIMITed subquery): the work does not grow with
    # a backlog of thousands of due cards.
    review_left = max(0, settings.reviews_per_day - reviewed_today)
    learning = due.filter(state__in=[LEARNING, RELEARNING])[:COUNT_CAP].count()
    review = due.filter(state=REVIEW)[:review_left].count() if review_left else 0
    return QueueCounts(
        learning=learning,
        review=review,
        new=new_available(user, settings, now, new_today),
        reviewed_today=reviewed_today,
        new_today=new_today,
        answered_today=today.answers,
    )


def new_available(user: object, settings: StudySettings, now: datetime, new_today: int) -> int:
    """Return how many new questions today can still introduce (counting stops at the limit)."""
    new_left = max(0, settings.new_per_day - new_today)
    if not new_left:
        return 0
    # Unordered: which questions are counted does not change how many there are.
    return _new_questions(user, settings, now).order_by()[:new_left].count()


def new_in_topic(user: object, settings: StudySettings, topic: object, now: datetime) -> int:
    """Return how many of a topic's questions the learner has not started."""
    return _new_questions(user, settings, now).filter(topic=topic).order_by().count()


def next_card(
    user: object, settings: StudySettings, now: datetime, today: TodayCounts | None = None
) -> tuple[Question | None, CardState | None]:
    """Return the next question to study and its card (None for a question never started).

    Order: due learning and relearning cards, then due review cards (up to the daily review
    limit), then new questions (up to the daily new limit): those of the topics the learner
    added to their reviews first, mixed across topics or topic by topic as they chose.
    """
    today = today or today_counts(user, settings, now)
    reviewed_today, new_today = today.reviews, today.new
    due = (
        _available_cards(user, settings, now)
        .filter(due__lte=now)
        .select_related("question__topic", "question__bank")
    )
    # Two LIMIT 1 queries, each walking the (user, state, due) index in due order.
    card = due.filter(state__in=[LEARNING, RELEARNING]).order_by("due", "pk").first()
    if card is None and reviewed_today < settings.reviews_per_day:
        card = due.filter(state=REVIEW).order_by("due", "pk").first()
    if card is not None:
        return card.question, card
    if new_today >= settings.new_per_day:
        return None, None
    question = None
    if settings.has_added_topics:
        added = _new_questions(user, settings, now, added_only=True)
        question = added.select_related("topic", "bank").first()
    if question is None:
        question = _new_questions(user, settings, now).select_related("topic", "bank").first()
    if question is None:
        return None, None
    card = CardState.objects.filter(user=user, question=question).first()
    return question, card


def question_for_study(question_pk: int, *, with_snippets: bool = True) -> Question:
    """Return a question with what grading and display need (choices, topic, and the snippets'
    links for the result page)."""
    related: list = ["choices"]
    if with_snippets:
        related.append(Prefetch("snippets", Snippet.objects.only("slug", "title")))
    return (
        Question.objects.select_related("topic", "bank")
        .prefetch_related(*related)
        .get(pk=question_pk)
    )


def next_learning_due(user: object, settings: StudySettings, now: datetime) -> datetime | None:
    """Return when the next learning card comes due later today, if any."""
    card = (
        _available_cards(user, settings, now)
        .filter(state__in=[LEARNING, RELEARNING], due__gt=now)
        .order_by("due")
        .only("due")
        .first()
    )
    return card.due if card else None

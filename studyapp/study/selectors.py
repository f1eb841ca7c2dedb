"""Reads for studying: the queue, its counts and the question to show. A fixed number of queries.

The reads of every review (settings with today's counts, the next card) are plain SQL: the ORM
takes longer to build them than the database to run them (bench/review_loop.py). The question
comes from the content cache (`banks.catalog`), keyed by the content version the settings query
reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet

from studyapp.banks import catalog
from studyapp.banks.models import Bank, Question
from studyapp.core import sql

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


def study_settings(user: object, now: datetime | None = None) -> StudySettings:
    """Return the learner's settings, created with the defaults on first use, with
    `limits_topics`, `limits_banks` and `has_added_topics`: whether they limited study to some
    topics or banks, and added topics to their reviews (read with the settings: after changing
    those, read the settings again), and `content_version`: the content's version, read in the
    same query (for `question_for_study`).

    With `now`, the same query counts what the learner did today: `today_counts` for that same
    `now` then needs no query.
    """
    time_zone = _time_zones.get(user.pk, "UTC")
    since = day_start(now, time_zone) if now is not None else None
    row = sql.fetchone(_settings_sql(with_today=since is not None), _settings_params(user, since))
    if row is None:
        settings, _ = StudySettings.objects.get_or_create(user=user)
        settings.limits_topics = settings.limits_banks = settings.has_added_topics = False
        settings.content_version = catalog.content_version()
        return settings
    width = len(StudySettings._meta.concrete_fields)
    settings = sql.instance(StudySettings, row[:width])
    settings.limits_topics, settings.limits_banks, settings.has_added_topics = (
        bool(flag) for flag in row[width : width + 3]
    )
    settings.content_version = row[width + 3]
    if len(_time_zones) > 100_000:
        _time_zones.clear()
    _time_zones[user.pk] = settings.time_zone
    if since is not None and settings.time_zone == time_zone:  # the day counted was theirs
        settings.today = (now, TodayCounts(*row[width + 4 :]))
    return settings


# Each learner's time zone as last read in this process: the settings query counts the day that
# began at 4 a.m. there. A learner read for the first time, or who changed it, costs a second
# query (in today_counts).
_time_zones: dict[object, str] = {}


@cache
def _settings_sql(*, with_today: bool) -> str:
    # The settings row; whether each of its three many-to-many tables has rows for it; the
    # content version; with_today, the learner's reviews counted since a moment (one index
    # range), joined as a one-row table.
    flags = ", ".join(
        f'EXISTS (SELECT 1 FROM "{through._meta.db_table}" AS m '  # noqa: S608 - no input
        'WHERE m."studysettings_id" = s."id")'
        for through in (
            StudySettings.topics.through,
            StudySettings.banks.through,
            StudySettings.added_topics.through,
        )
    )
    select = f"SELECT {sql.columns(StudySettings, 's')}, {flags}, {catalog.version_sql()}"
    table = f'"{StudySettings._meta.db_table}" AS s'
    if with_today:
        select += ", t.reviews, t.new, t.answers"
        table = f"({_TODAY_SQL}) AS t CROSS JOIN {table}"
    return f'{select} FROM {table} WHERE s."user_id" = %s'


def _settings_params(user: object, since: datetime | None) -> list:
    return [user.pk] if since is None else [user.pk, sql.param(since), user.pk]


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
    introduced, and every answer rated (no query when `study_settings(user, now)` counted them
    for this very `now`)."""
    counted = getattr(settings, "today", None)
    if counted is not None and counted[0] is now:
        return counted[1]
    since = sql.param(day_start(now, settings.time_zone))
    return TodayCounts(*sql.fetchone(_TODAY_SQL, [user.pk, since]))


_TODAY_SQL = (
    f'SELECT COUNT(*) FILTER (WHERE r."state_before" = {REVIEW}) AS reviews, '
    f'COUNT(*) FILTER (WHERE r."state_before" = {NEW}) AS new, COUNT(*) AS answers '
    f'FROM "{ReviewLog._meta.db_table}" AS r WHERE r."user_id" = %s AND r."reviewed_at" >= %s'
)


def queue_counts(
    user: object, settings: StudySettings, now: datetime, today: TodayCounts | None = None
) -> QueueCounts:
    """Return how many cards are due now, split as the queue takes them."""
    today = today or today_counts(user, settings, now)
    review_left = max(0, settings.reviews_per_day - today.reviews)
    new_left = max(0, settings.new_per_day - today.new)
    scope, scope_params = _scope_sql(settings)
    moment = sql.param(now)
    due = [user.pk, moment, moment, *scope_params]
    new = [user.pk, moment, *scope_params]
    learning, review, new_count = sql.fetchone(
        _queue_counts_sql(scope), [*due, COUNT_CAP, *due, review_left, *new, new_left]
    )
    return QueueCounts(
        learning=learning,
        review=review,
        new=new_count,
        reviewed_today=today.reviews,
        new_today=today.new,
        answered_today=today.answers,
    )


@cache
def _queue_counts_sql(scope: str) -> str:
    # One query, three counts, each stopping at what today can show (a LIMITed subquery): the
    # work does not grow with a backlog of thousands of due cards. Plain SQL, as next_card.
    learning = f"{LEARNING}, {RELEARNING}"
    return (
        f"SELECT (SELECT COUNT(*) FROM (SELECT 1 AS one {_due_cards_sql(learning, scope)} "
        "LIMIT %s) AS l), "
        f"(SELECT COUNT(*) FROM (SELECT 1 AS one {_due_cards_sql(str(REVIEW), scope)} "
        "LIMIT %s) AS r), "
        f"(SELECT COUNT(*) FROM (SELECT 1 AS one {_new_questions_sql(scope)} LIMIT %s) AS n)"
    )


def new_available(user: object, settings: StudySettings, now: datetime, new_today: int) -> int:
    """Return how many new questions today can still introduce (counting stops at the limit)."""
    new_left = max(0, settings.new_per_day - new_today)
    if not new_left:
        return 0
    # Unordered: which questions are counted does not change how many there are.
    return _new_questions(user, settings, now).order_by()[:new_left].count()


def cards_due_before(
    user: object, settings: StudySettings, now: datetime, before: datetime, limit: int
) -> int:
    """Return how many of the learner's started cards in scope come due before `before`, not
    suspended nor buried now, counting `limit` at most. One query: the (user, due) index in
    order from the first due card, stopping at the limit however many cards they hold."""
    scope, scope_params = _scope_sql(settings)
    cards, questions = CardState._meta.db_table, Question._meta.db_table
    query = (
        f'SELECT COUNT(*) FROM (SELECT 1 AS one FROM "{cards}" AS c '
        f'INNER JOIN "{questions}" AS q ON q."id" = c."question_id" '
        f'INNER JOIN "{Bank._meta.db_table}" AS b ON b."id" = q."bank_id" '
        f'WHERE c."user_id" = %s AND c."due" < %s AND c."state" <> {NEW} '
        'AND NOT c."is_suspended" AND NOT q."is_retired" AND NOT b."is_restricted" '
        f'AND (c."buried_until" IS NULL OR c."buried_until" <= %s){scope} '
        'ORDER BY c."due" LIMIT %s) AS d'
    )
    params = [user.pk, sql.param(before), sql.param(now), *scope_params, limit]
    return sql.fetchone(query, params)[0]


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

    One query (the question comes from the content cache, see `question_for_study`).
    """
    today = today or today_counts(user, settings, now)
    kinds = ["learning"]
    if today.reviews < settings.reviews_per_day:
        kinds.append("review")
    if today.new < settings.new_per_day:
        kinds += ["added", "new"] if settings.has_added_topics else ["new"]
    scope, scope_params = _scope_sql(settings)
    order = (
        "study_order"
        if settings.new_card_order == StudySettings.NewCardOrder.TOPIC
        else ("interleaved_order")
    )
    moment = sql.param(now)
    params: list = []
    for kind in kinds:
        if kind in ("learning", "review"):
            params += [user.pk, moment, moment, *scope_params]
        else:  # the learner's card of the question (if only shown), then the question's terms
            params += [user.pk, user.pk, moment, *scope_params]
            params += [settings.pk] if kind == "added" else []
    row = sql.fetchone(_next_card_sql(tuple(kinds), scope, order), params)
    if row is None:
        return None, None
    card = sql.instance(CardState, row[2:]) if row[2] is not None else None
    content_version = getattr(settings, "content_version", None)
    return question_for_study(row[1], content_version=content_version), card


@cache
def _next_card_sql(kinds: tuple[str, ...], scope: str, order: str) -> str:
    # One branch per kind of card today may still show, each an index-ordered LIMIT 1: due cards
    # walk the (user, state, due) index, new questions the index of the learner's study order.
    # Every branch runs (a handful of index reads each), the first kind with a row wins.
    columns = sql.columns(CardState, "c")
    branches = []
    for rank, kind in enumerate(kinds):
        if kind in ("learning", "review"):
            states = f"{LEARNING}, {RELEARNING}" if kind == "learning" else str(REVIEW)
            branches.append(
                f'SELECT {rank} AS "rank", c."question_id" AS pick, {columns} '
                f'{_due_cards_sql(states, scope)} ORDER BY c."due", c."id" LIMIT 1'
            )
        else:  # a question not started, with the card it may have (only shown)
            branches.append(
                f'SELECT {rank} AS "rank", q."id" AS pick, {columns} '
                f"{_new_questions_sql(scope, added_only=kind == 'added', with_card=True)} "
                f'ORDER BY q."{order}", q."id" LIMIT 1'
            )
    union = " UNION ALL ".join(
        f"SELECT * FROM ({branch}) AS k{rank}" for rank, branch in enumerate(branches)
    )
    return f'{union} ORDER BY "rank" LIMIT 1'


def _due_cards_sql(states: str, scope: str) -> str:
    """Return FROM and WHERE of the learner's due cards in these states, as `_available_cards`
    keeps them (not suspended or buried, question in study and in scope), over `c` and `q`.
    Parameters: user, now, now, then the scope's."""
    cards, questions = CardState._meta.db_table, Question._meta.db_table
    return (
        f'FROM "{cards}" AS c INNER JOIN "{questions}" AS q ON q."id" = c."question_id" '
        f'WHERE c."user_id" = %s AND c."state" IN ({states}) AND c."due" <= %s '
        'AND NOT c."is_suspended" AND NOT q."is_retired" '
        f'AND (c."buried_until" IS NULL OR c."buried_until" <= %s){scope}'
    )


def _new_questions_sql(scope: str, *, added_only: bool = False, with_card: bool = False) -> str:
    """Return FROM and WHERE of the questions the learner has not started, as `_new_questions`
    keeps them, over `q` (and their card `c`, `with_card`). Parameters: user (`with_card`),
    user, now, the scope's, then the settings (`added_only`).

    NOT EXISTS, as the ORM says it: an anti-join the planner walks in the study order's index,
    stopping at the first question not started."""
    cards, questions = CardState._meta.db_table, Question._meta.db_table
    card = ""
    if with_card:
        card = f'LEFT OUTER JOIN "{cards}" AS c ON c."question_id" = q."id" AND c."user_id" = %s '
    added = ""
    if added_only:
        through = _through_sql(StudySettings.added_topics.through, "topic_id")
        added = f' AND q."topic_id" IN ({through})'
    return (
        f'FROM "{questions}" AS q INNER JOIN "{Bank._meta.db_table}" AS b '
        f'ON b."id" = q."bank_id" {card}'
        'WHERE NOT q."is_retired" AND NOT b."is_restricted" '
        f'AND NOT EXISTS (SELECT 1 FROM "{cards}" AS s WHERE s."question_id" = q."id" '
        f'AND s."user_id" = %s AND (s."state" > {NEW} OR s."is_suspended" '
        f'OR s."buried_until" > %s)){scope}{added}'
    )


def _scope_sql(settings: StudySettings) -> tuple[str, list]:
    """Return the conditions `_scoped` adds, in plain SQL over the question `q`, and their
    parameters."""
    conditions, params = "", []
    if settings.limits_topics:
        topics = _through_sql(StudySettings.topics.through, "topic_id")
        if settings.has_added_topics:
            added = _through_sql(StudySettings.added_topics.through, "topic_id")
            conditions += f' AND (q."topic_id" IN ({topics}) OR q."topic_id" IN ({added}))'
            params += [settings.pk, settings.pk]
        else:
            conditions += f' AND q."topic_id" IN ({topics})'
            params.append(settings.pk)
    if settings.limits_banks:
        banks = _through_sql(StudySettings.banks.through, "bank_id")
        conditions += f' AND q."bank_id" IN ({banks})'
        params.append(settings.pk)
    return conditions, params


def _through_sql(through: type, column: str) -> str:
    table = through._meta.db_table
    return f'SELECT "{column}" FROM "{table}" WHERE "studysettings_id" = %s'  # noqa: S608


def card_of(user: object, question_pk: int) -> CardState | None:
    """Return the learner's card of a question, if they have one. One query."""
    row = sql.fetchone(_CARD_OF_SQL, [user.pk, question_pk])
    return sql.instance(CardState, row) if row is not None else None


_CARD_OF_SQL = (
    f'SELECT {sql.columns(CardState, "c")} FROM "{CardState._meta.db_table}" AS c '
    'WHERE c."user_id" = %s AND c."question_id" = %s'
)


def question_for_study(
    question_pk: int, *, with_snippets: bool = True, content_version: str | None = None
) -> Question:
    """Return a question with what grading and display need (choices, topic, bank, and the
    snippets' links for the result page) from the content cache: no query when it was read at
    `content_version` (the settings' `content_version`), one for the version when none is given.
    The question may be shared with other requests: never change it. `with_snippets` is kept
    for callers (the snippets always come). Raises Question.DoesNotExist."""
    if content_version is None:
        content_version = catalog.content_version()
    return catalog.study_question(question_pk, content_version)


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

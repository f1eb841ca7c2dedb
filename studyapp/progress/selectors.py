"""Progress figures, each aggregated in SQL: a constant number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from studyapp.banks.models import Topic
from studyapp.study import scheduling
from studyapp.study.models import CardState, ReviewLog, StudySettings
from studyapp.study.selectors import new_available, questions_in_scope

DAY_OFFSET = timedelta(hours=scheduling.DAY_STARTS_AT.hour)


class DaysSince(Func):
    """Whole days from a datetime column to `now` (FSRS counts elapsed time in whole days)."""

    output_field = IntegerField()

    def __init__(self, expression: str, now: datetime) -> None:
        super().__init__(Value(now), F(expression))

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        return self.as_sql(
            compiler, connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(", **extra,
        )  # fmt: skip

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN003, ANN201
        now, field = self.source_expressions
        template = "FLOOR(EXTRACT(EPOCH FROM (%(now)s - %(field)s)) / 86400)::integer"
        field_sql, field_params = compiler.compile(field)
        now_sql, now_params = compiler.compile(now)
        return template % {"now": now_sql, "field": field_sql}, (*now_params, *field_params)


@dataclass(frozen=True)
class TopicMastery:
    topic: Topic
    total: int
    mastered: int

    @property
    def share(self) -> float:
        return self.mastered / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def mastery_days_factor(settings: StudySettings) -> float:
    """Return C such that retrievability >= desired retention exactly when days <= stability * C.

    FSRS-6: R(t) = (1 + factor * t / S) ** -decay, so R(t) >= r  <=>  t <= S * (r ** (-1 / decay)
    - 1) / factor. With r = 0.9, C = 1: stability is the interval at 90% recall.
    """
    parameters = settings.parameters or scheduling.DEFAULT_PARAMETERS
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    return (settings.desired_retention ** (-1 / decay) - 1) / factor


def topic_mastery(user: object, settings: StudySettings, now: datetime) -> list[TopicMastery]:
    """Per topic: questions in study, and those recalled now at or above desired retention.

    Two grouped queries (topics with their question counts, mastered cards per topic), each
    reading its rows once: a subquery per topic would read the learner's cards once per topic."""
    factor = mastery_days_factor(settings)
    mastered = dict(
        CardState.objects.filter(user=user, question__is_retired=False)
        .exclude(state=scheduling.NEW)
        .filter(last_review__isnull=False, stability__isnull=False)
        .annotate(days=DaysSince("last_review", now))
        .filter(days__lte=ExpressionWrapper(F("stability") * factor, output_field=FloatField()))
        .order_by()
        .values("question__topic")
        .annotate(n=Count("pk"))
        .values_list("question__topic", "n")
    )
    rows = [
        TopicMastery(topic, topic.question_count, mastered.get(topic.pk, 0))
        for topic in Topic.objects.with_question_counts()
        if topic.question_count
    ]
    return sorted(rows, key=lambda row: (row.share, row.topic.position))


@dataclass(frozen=True)
class Summary:
    due_today: int
    new_available: int
    reviewed_today: int
    streak: int
    studied_today_ms: int
    studied_total_ms: int
    true_retention: float | None
    retention_reviews: int


def _shifted(field: str) -> ExpressionWrapper:
    """A datetime column moved back 4 hours, so its date is the learner's study day."""
    return ExpressionWrapper(F(field) - DAY_OFFSET, output_field=DateTimeField())


def study_day(moment: datetime, time_zone: str) -> date:
    """Return the learner's study day of a moment (the local date, days starting at 4 a.m.)."""
    return (moment.astimezone(ZoneInfo(time_zone)) - DAY_OFFSET).date()


def review_days(
    user: object, settings: StudySettings, now: datetime, days: int = 365
) -> dict[date, int]:
    """Return the number of reviews per study day over the last `days` days."""
    since = scheduling.day_start(now, settings.time_zone) - timedelta(days=days - 1)
    rows = (
        ReviewLog.objects.for_user(user)
        .filter(reviewed_at__gte=since)
        .annotate(
            shifted=ExpressionWrapper(F("reviewed_at") - DAY_OFFSET, output_field=DateTimeField())
        )
        .annotate(day=TruncDate("shifted", tzinfo=ZoneInfo(settings.time_zone)))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


def forecast(
    user: object, settings: StudySettings, now: datetime, days: int = 30
) -> list[tuple[date, int]]:
    """Return the cards coming due on each of the next `days` study days (overdue count today)."""
    today = study_day(now, settings.time_zone)
    end = scheduling.day_start(now, settings.time_zone) + timedelta(days=days, hours=2)
    rows = (
        CardState.objects.for_user(user)
        .in_study()
        .filter(is_suspended=False, due__lt=end)
        .exclude(state=scheduling.NEW)
        .annotate(shifted=_shifted("due"))
        .annotate(day=TruncDate("shifted", tzinfo=ZoneInfo(settings.time_zone)))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for row in rows:
        day = max(row["day"], today)
        if day in counts:
            counts[day] += row["n"]
    return sorted(counts.items())


def streak(days_with_reviews: dict[date, int], today: date) -> int:
    """Return consecutive study days with reviews, ending today (or yesterday if none yet today)."""
    day = today if days_with_reviews.get(today) else today - timedelta(days=1)
    count = 0
    while days_with_reviews.get(day):
        count += 1
        day -= timedelta(days=1)
    return count


def summary(
    user: object, settings: StudySettings, now: datetime, heatmap: dict[date, int]
) -> Summary:
    """Return the figures at the top of the progress page."""
    start = scheduling.day_start(now, settings.time_zone)
    next_start = scheduling.next_day_start(now, settings.time_zone)
    due_today = (
        CardState.objects.for_user(user)
        .filter(question__in=questions_in_scope(settings), is_suspended=False, due__lt=next_start)
        .exclude(state=scheduling.NEW)
        .exclude(buried_until__gt=now)
        .count()
    )
    month = Q(state_before=scheduling.REVIEW, reviewed_at__gte=now - timedelta(days=30))
    reviews = ReviewLog.objects.for_user(user).aggregate(
        today=Count("pk", filter=Q(reviewed_at__gte=start)),
        new_today=Count("pk", filter=Q(reviewed_at__gte=start, state_before=scheduling.NEW)),
        today_ms=Coalesce(Sum("duration_ms", filter=Q(reviewed_at__gte=start)), 0),
        total_ms=Coalesce(Sum("duration_ms"), 0),
        retention_total=Count("pk", filter=month),
        retention_passed=Count("pk", filter=month & Q(rating__gt=scheduling.AGAIN)),
    )
    total = reviews["retention_total"]
    return Summary(
        due_today=due_today,
        new_available=new_available(user, settings, now, reviews["new_today"]),
        reviewed_today=reviews["today"],
        streak=streak(heatmap, study_day(now, settings.time_zone)),
        studied_today_ms=reviews["today_ms"],
        studied_total_ms=reviews["total_ms"],
        true_retention=reviews["retention_passed"] / total if total else None,
        retention_reviews=total,
    )

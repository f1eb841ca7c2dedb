"""Daily review summaries: each learner's reviews per study day, what the progress page reads.

Kept in step with the review log, in the transactions that write it: rating adds its review to
its day (`add_review`), undo takes it away (`remove_review`). `rebuild` recomputes learners'
rows from their logs: when a time zone change moves their day boundaries, after reviews are
written in bulk, and in the migration that made the table.

A study day is the learner's local date, days starting at 4 a.m. (`scheduling.study_day`), in
the time zone of their settings.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import ExtractHour, Greatest, TruncDate

from studyapp.core import sql

from . import scheduling
from .models import DailyReviewSummary, ReviewLog, StudySettings

FIGURES = ("reviews", "new_cards", "review_cards", "review_cards_passed", "duration_ms")


def figures_of(state_before: int, rating: int, duration_ms: int) -> dict[str, int]:
    """Return what one review adds to its day's summary."""
    in_review = state_before == scheduling.REVIEW
    return {
        "reviews": 1,
        "new_cards": int(state_before == scheduling.NEW),
        "review_cards": int(in_review),
        "review_cards_passed": int(in_review and rating > scheduling.AGAIN),
        "duration_ms": duration_ms,
    }


@cache
def _upsert_sql() -> str:
    table = f'"{DailyReviewSummary._meta.db_table}"'
    columns = ", ".join(FIGURES)
    # Added to the row in place (SQLite and PostgreSQL both have ON CONFLICT): two reviews
    # rated at once in two tabs both count, whichever inserts the day's row first.
    increments = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in FIGURES)
    return (
        f"INSERT INTO {table} (user_id, day, {columns}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (user_id, day) DO UPDATE SET {increments}"
    )


def add_review(review: ReviewLog, time_zone: str) -> None:
    """Count a review just logged in its study day's summary. One statement."""
    day = scheduling.study_day(review.reviewed_at, time_zone)
    figures = figures_of(review.state_before, review.rating, review.duration_ms)
    params = [review.user_id, sql.param(day), *(figures[name] for name in FIGURES)]
    sql.execute(_upsert_sql(), params)


def remove_review(review: ReviewLog) -> None:
    """Take an undone review out of its study day's summary; drop the day left without any.
    Three queries: the learner's time zone, the update, the drop."""
    time_zone = (
        StudySettings.objects.filter(user_id=review.user_id)
        .values_list("time_zone", flat=True)
        .first()
    ) or StudySettings._meta.get_field("time_zone").default
    day = scheduling.study_day(review.reviewed_at, time_zone)
    figures = figures_of(review.state_before, review.rating, review.duration_ms)
    rows = DailyReviewSummary.objects.filter(user_id=review.user_id, day=day)
    # Never below zero, whatever wrote the log before this table kept it.
    rows.update(**{name: Greatest(F(name) - figures[name], Value(0)) for name in FIGURES})
    rows.filter(reviews=0).delete()


def rebuild(user_ids: Collection[int] | None = None) -> int:
    """Recompute the summaries of these learners (every learner: None) from their review logs;
    return the rows written. One grouped query per time zone among them."""
    summaries = DailyReviewSummary.objects.all()
    logs = ReviewLog.objects.all()
    settings = StudySettings.objects.all()
    if user_ids is not None:
        user_ids = list(user_ids)
        summaries = summaries.filter(user_id__in=user_ids)
        logs = logs.filter(user_id__in=user_ids)
        settings = settings.filter(user_id__in=user_ids)
    summaries.delete()
    default_zone = StudySettings._meta.get_field("time_zone").default
    zones = set(settings.order_by().values_list("time_zone", flat=True).distinct())
    days: dict[tuple[int, object], dict[str, int]] = {}
    for zone in sorted(zones | {default_zone}):
        learners = Q(user_id__in=settings.filter(time_zone=zone).values("user_id"))
        if zone == default_zone:  # a learner without settings yet has the default time zone
            learners |= ~Q(user_id__in=StudySettings.objects.values("user_id"))
        for key, figures in study_days(logs.filter(learners), zone):
            total = days.setdefault(key, dict.fromkeys(FIGURES, 0))
            for name in FIGURES:
                total[name] += figures[name]
    DailyReviewSummary.objects.bulk_create(
        (DailyReviewSummary(user_id=user_id, day=day, **figures)
         for (user_id, day), figures in days.items()),
        batch_size=1000,
    )  # fmt: skip
    return len(days)


def study_days(logs: QuerySet[ReviewLog], time_zone: str) -> list[tuple[tuple, dict[str, int]]]:
    """Return ((user id, study day), figures) of these review logs, their days counted in
    `time_zone`. One grouped query: by user, local date and whether before 4 a.m. (the previous
    study day), which keeps the local clock's own hours whatever daylight saving does."""
    zone = ZoneInfo(time_zone)
    in_review = Q(state_before=scheduling.REVIEW)
    rows = (
        logs.annotate(
            local_date=TruncDate("reviewed_at", tzinfo=zone),
            local_hour=ExtractHour("reviewed_at", tzinfo=zone),
        )
        .annotate(
            early=ExpressionWrapper(
                Q(local_hour__lt=scheduling.DAY_STARTS_AT.hour), output_field=BooleanField()
            )
        )
        .order_by()
        .values("user_id", "local_date", "early")
        .annotate(
            reviews=Count("pk"),
            new_cards=Count("pk", filter=Q(state_before=scheduling.NEW)),
            review_cards=Count("pk", filter=in_review),
            review_cards_passed=Count("pk", filter=in_review & Q(rating__gt=scheduling.AGAIN)),
            duration_ms=Sum("duration_ms"),
        )
    )
    return [
        (
            (row["user_id"], row["local_date"] - timedelta(days=1 if row["early"] else 0)),
            {name: row[name] or 0 for name in FIGURES},
        )
        for row in rows
    ]


def review_count(user: object) -> int:
    """Return how many reviews the learner has rated, from their days (not their log)."""
    return DailyReviewSummary.objects.for_user(user).aggregate(n=Sum("reviews"))["n"] or 0

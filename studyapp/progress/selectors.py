"""Progress figures, each aggregated in SQL: a constant number of queries per page.

Whatever counts reviews by day (heatmap, streak, today's figures, time studied, true retention)
reads the learner's daily summaries (a row per day studied, `DailyReviewSummary`), never their
review log; what depends on each card (mastery, due and forecast counts) reads their cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from studyapp.banks.models import Topic
from studyapp.study import scheduling
from studyapp.study.models import CardState, DailyReviewSummary, ReviewLog, StudySettings
from studyapp.study.selectors import new_available, questions_in_scope

DAY_OFFSET = timedelta(hours=scheduling.DAY_STARTS_AT.hour)


MATURE_DAYS = 21
RETENTION_DAYS = 30  # true retention over the study days of the last 30 (today's included)


@dataclass(frozen=True)
class Segment:
    """One part of a topic's stacked bar (x and width in percent of the bar)."""

    name: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class TopicMastery:
    """A topic's questions in study by where the learner stands with them.

    new: not started; learning: in (re)learning steps; young: in review with a stability under
    MATURE_DAYS days, or failed today; mature: in review with a stability of MATURE_DAYS days or
    more, and not failed today. The mature cards are the mastered ones.
    """

    topic: Topic
    total: int
    new: int
    learning: int
    young: int
    mature: int
    is_added: bool = False

    @property
    def mastered(self) -> int:
        return self.mature

    @property
    def share(self) -> float:
        return self.mastered / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def segments(self) -> list[Segment]:
        """The stacked bar: mature, young, learning, new, left to right."""
        parts, x = [], 0.0
        for name in ("mature", "young", "learning", "new"):
            count = getattr(self, name)
            width = 100.0 * count / self.total if self.total else 0.0
            parts.append(Segment(name, count, round(x, 2), round(width, 2)))
            x += width
        return parts


def topic_mastery(user: object, settings: StudySettings, now: datetime) -> list[TopicMastery]:
    """Per topic: its questions in study as new, learning, young and mature (mastered) cards,
    and whether the learner added it to their reviews. Weakest first.

    Two grouped queries (topics with their question counts, the learner's cards per topic and
    state), each reading its rows once: a subquery per topic would read the cards once per topic.
    """
    # The cards failed today, from today's reviews alone (read once, not once per card).
    failed_today = (
        ReviewLog.objects.for_user(user)
        .filter(
            rating=scheduling.AGAIN, reviewed_at__gte=scheduling.day_start(now, settings.time_zone)
        )
        .values("card_id")
    )
    in_review = Q(state=scheduling.REVIEW)
    mature = in_review & Q(stability__gte=MATURE_DAYS) & ~Q(pk__in=failed_today)
    learning = Q(state__in=[scheduling.LEARNING, scheduling.RELEARNING])
    counts = {
        row["question__topic"]: row
        for row in CardState.objects.filter(user=user, question__is_retired=False)
        .order_by()
        .values("question__topic")
        .annotate(
            learning=Count("pk", filter=learning),
            review=Count("pk", filter=in_review),
            mature=Count("pk", filter=mature),
        )
    }
    added = StudySettings.added_topics.through.objects.filter(
        studysettings__user=user, topic=OuterRef("pk")
    )
    rows = []
    for topic in Topic.objects.with_question_counts().annotate(is_added=Exists(added)):
        if not topic.question_count:
            continue
        row = counts.get(topic.pk, {"learning": 0, "review": 0, "mature": 0})
        rows.append(
            TopicMastery(
                topic=topic,
                total=topic.question_count,
                new=max(0, topic.question_count - row["learning"] - row["review"]),
                learning=row["learning"],
                young=row["review"] - row["mature"],
                mature=row["mature"],
                is_added=topic.is_added,
            )
        )
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
    return scheduling.study_day(moment, time_zone)


def review_days(
    user: object, settings: StudySettings, now: datetime, days: int = 365
) -> dict[date, int]:
    """Return the number of reviews per study day over the last `days` days: at most `days`
    rows of the learner's daily summaries, however long their history."""
    first = study_day(now, settings.time_zone) - timedelta(days=days - 1)
    rows = (
        DailyReviewSummary.objects.for_user(user)
        .filter(day__gte=first, reviews__gt=0)
        .values_list("day", "reviews")
    )
    return dict(rows)


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
    next_start = scheduling.next_day_start(now, settings.time_zone)
    due_today = (
        CardState.objects.for_user(user)
        .filter(question__in=questions_in_scope(settings), is_suspended=False, due__lt=next_start)
        .exclude(state=scheduling.NEW)
        .exclude(buried_until__gt=now)
        .count()
    )
    # The learner's daily summaries: one row per day studied, whatever the reviews that day.
    today = study_day(now, settings.time_zone)
    on_today = Q(day=today)
    month = Q(day__gt=today - timedelta(days=RETENTION_DAYS))
    reviews = DailyReviewSummary.objects.for_user(user).aggregate(
        today=Coalesce(Sum("reviews", filter=on_today), 0),
        new_today=Coalesce(Sum("new_cards", filter=on_today), 0),
        today_ms=Coalesce(Sum("duration_ms", filter=on_today), 0),
        total_ms=Coalesce(Sum("duration_ms"), 0),
        retention_total=Coalesce(Sum("review_cards", filter=month), 0),
        retention_passed=Coalesce(Sum("review_cards_passed", filter=month), 0),
    )
    total = reviews["retention_total"]
    return Summary(
        due_today=due_today,
        new_available=new_available(user, settings, now, reviews["new_today"]),
        reviewed_today=reviews["today"],
        streak=streak(heatmap, today),
        studied_today_ms=reviews["today_ms"],
        studied_total_ms=reviews["total_ms"],
        true_retention=reviews["retention_passed"] / total if total else None,
        retention_reviews=total,
    )

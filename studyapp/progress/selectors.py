"""Progress figures, each aggregated in SQL: a constant number of queries per page.

Whatever counts reviews by day (heatmap, streak, today's figures, time studied, true retention)
reads the learner's daily summaries (a row per day studied, `DailyReviewSummary`), never their
review log; what depends on each card reads counts the database keeps as the cards change
(`card_counts`: per topic for mastery, per due slot for the forecast), never all their cards;
"due today" counts the cards due up to DUE_TODAY_CAP. None reads every question: the topics'
question counts come from the content cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from studyapp.banks import catalog
from studyapp.banks.models import Topic
from studyapp.study import card_counts, scheduling
from studyapp.study.models import DailyReviewSummary, StudySettings
from studyapp.study.selectors import cards_due_before, new_available

DAY_OFFSET = timedelta(hours=scheduling.DAY_STARTS_AT.hour)


MATURE_DAYS = card_counts.MATURE_DAYS
DUE_TODAY_CAP = 1000  # "due today" counts up to this many cards, then says "1000+"
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

    `settings` as `study_settings` returns it (with the content version). Two queries, neither
    reading the learner's cards nor the questions: the learner's card counts per topic (kept by
    the database, `card_counts`) less their cards failed today (today's reviews, joined once),
    and the topics they added. The topics and their question counts come from the content cache.
    """
    counts = {
        topic_id: (learning, review, mature)
        for topic_id, learning, review, mature in card_counts.topic_counts(
            user, scheduling.day_start(now, settings.time_zone)
        )
    }
    added = set(
        StudySettings.added_topics.through.objects.filter(studysettings_id=settings.pk).values_list(
            "topic_id", flat=True
        )
    )
    rows = []
    version = getattr(settings, "content_version", None)
    for topic in catalog.topics_with_question_counts(version):
        if not topic.question_count:
            continue
        learning, review, mature = counts.get(topic.pk, (0, 0, 0))
        rows.append(
            TopicMastery(
                topic=topic,
                total=topic.question_count,
                new=max(0, topic.question_count - learning - review),
                learning=learning,
                young=review - mature,
                mature=mature,
                is_added=topic.pk in added,
            )
        )
    return sorted(rows, key=lambda row: (row.share, row.topic.position))


@dataclass(frozen=True)
class Summary:
    due_today: int  # at most DUE_TODAY_CAP
    due_today_is_capped: bool  # more than DUE_TODAY_CAP are due today
    new_available: int
    reviewed_today: int
    streak: int
    studied_today_ms: int
    studied_total_ms: int
    true_retention: float | None
    retention_reviews: int


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
    """Return the cards coming due on each of the next `days` study days (overdue count today):
    the started cards, not suspended, whose question is in study.

    One query over the learner's due counts per 15-minute slot (`card_counts`), never their
    cards: the slots of their overdue cards and of the coming days (at most 96 a day), summed
    per day by the database."""
    zone = ZoneInfo(settings.time_zone)
    today = study_day(now, settings.time_zone)
    # A card's study day is its due moment's local date 4 hours earlier: day d starts 4 hours
    # after the first moment of local date d (midnight, or the end of a daylight-saving gap at
    # midnight), a whole slot (time zones are offset by whole quarters of an hour).
    starts = [
        datetime.combine(today + timedelta(days=i), time(0), tzinfo=zone).astimezone(UTC)
        + DAY_OFFSET  # 4 hours of time, not of the local clock
        for i in range(1, days + 1)
    ]
    rows = dict(card_counts.due_counts_per_day(user, [card_counts.slot_of(s) for s in starts]))
    return [(today + timedelta(days=i), rows.get(i, 0)) for i in range(days)]


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
    # Counted up to DUE_TODAY_CAP (one bounded index range), shown as "1000+" past it.
    due_today = cards_due_before(user, settings, now, next_start, DUE_TODAY_CAP + 1)
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
        due_today=min(due_today, DUE_TODAY_CAP),
        due_today_is_capped=due_today > DUE_TODAY_CAP,
        new_available=new_available(user, settings, now, reviews["new_today"]),
        reviewed_today=reviews["today"],
        streak=streak(heatmap, today),
        studied_today_ms=reviews["today_ms"],
        studied_total_ms=reviews["total_ms"],
        true_retention=reviews["retention_passed"] / total if total else None,
        retention_reviews=total,
    )

"""FSRS scheduling: the only module that imports fsrs. Pure functions over plain values."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import fsrs

DAY_STARTS_AT = time(4, 0)
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.scheduler.DEFAULT_PARAMETERS)


@dataclass(frozen=True)
class Memory:
    """A card's scheduling state (what FSRS needs and what we store)."""

    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        data["due"] = self.due.isoformat() if self.due else None
        data["last_review"] = self.last_review.isoformat() if self.last_review else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Memory:
        return cls(
            state=data["state"],
            step=data["step"],
            stability=data["stability"],
            difficulty=data["difficulty"],
            due=datetime.fromisoformat(data["due"]) if data["due"] else None,
            last_review=datetime.fromisoformat(data["last_review"])
            if data["last_review"]
            else None,
            reps=data["reps"],
            lapses=data["lapses"],
        )


def build_scheduler(
    *,
    desired_retention: float = 0.9,
    parameters: list[float] | tuple[float, ...] | None = None,
    enable_fuzzing: bool = True,
) -> fsrs.Scheduler:
    """Return an FSRS-6 scheduler for a learner's retention and (fitted or default) parameters."""
    return fsrs.Scheduler(
        parameters=tuple(parameters) if parameters else DEFAULT_PARAMETERS,
        desired_retention=desired_retention,
        enable_fuzzing=enable_fuzzing,
    )


def _to_fsrs(card_id: int, memory: Memory, now: datetime) -> fsrs.Card:
    if memory.state == NEW:
        # FSRS has no "new" state: a new card is a Learning card at step 0 without memory.
        return fsrs.Card(card_id=card_id, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due or now,
        last_review=memory.last_review,
    )


def review(
    scheduler: fsrs.Scheduler, card_id: int, memory: Memory, rating: int, now: datetime
) -> Memory:
    """Return the card's memory after a review with `rating` at `now` (UTC)."""
    card, _log = scheduler.review_card(
        _to_fsrs(card_id, memory, now), fsrs.Rating(rating), review_datetime=now.astimezone(UTC)
    )
    lapsed = memory.state == REVIEW and rating == AGAIN
    return Memory(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=memory.reps + 1,
        lapses=memory.lapses + (1 if lapsed else 0),
    )


def preview(
    scheduler: fsrs.Scheduler,
    card_id: int,
    memory: Memory,
    ratings: list[int],
    now: datetime,
) -> dict[int, Memory]:
    """Return the memory each allowed rating would give (fuzz drawn once, then kept)."""
    return {rating: review(scheduler, card_id, memory, rating, now) for rating in ratings}


def allowed_ratings(is_correct: bool | None, *, is_near_miss: bool = False) -> list[int]:
    """A wrong answer can only be rated Again (or Hard, when it missed by a single slip); a
    right one Hard, Good or Easy; a self-graded one anything."""
    if is_correct is None:
        return [AGAIN, HARD, GOOD, EASY]
    if is_correct:
        return [HARD, GOOD, EASY]
    return [AGAIN, HARD] if is_near_miss else [AGAIN]


def retrievability(scheduler: fsrs.Scheduler, card_id: int, memory: Memory, now: datetime) -> float:
    """Return the probability of recalling the card at `now`."""
    if memory.state == NEW:
        return 0.0
    return scheduler.get_card_retrievability(_to_fsrs(card_id, memory, now), now.astimezone(UTC))


def interval_label(delta: timedelta) -> str:
    """Return a short interval like "1m", "10m", "3h", "4d", "2mo", "1.5y"."""
    seconds = max(0, delta.total_seconds())
    minutes = seconds / 60
    if minutes < 60:
        return f"{max(1, round(minutes))}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{round(days / 30)}mo"
    years = days / 365
    return f"{years:.1f}y".replace(".0y", "y")


def day_start(now: datetime, time_zone: str) -> datetime:
    """Return when the learner's current study day began: the last 4 a.m. in their time zone."""
    local = now.astimezone(ZoneInfo(time_zone))
    start = local.replace(hour=DAY_STARTS_AT.hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def study_day(moment: datetime, time_zone: str) -> date:
    """Return the learner's study day of a moment: its local date, a day starting at 4 a.m."""
    local = moment.astimezone(ZoneInfo(time_zone))
    return (local - timedelta(hours=DAY_STARTS_AT.hour, minutes=DAY_STARTS_AT.minute)).date()


def next_day_start(now: datetime, time_zone: str) -> datetime:
    """Return when the learner's next study day begins."""
    local_start = day_start(now, time_zone).astimezone(ZoneInfo(time_zone))
    following = (local_start + timedelta(days=1, hours=2)).replace(hour=DAY_STARTS_AT.hour)
    return following.astimezone(UTC)

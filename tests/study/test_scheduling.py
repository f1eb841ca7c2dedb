"""Scheduling is FSRS's own: parity with fsrs.Scheduler, intervals, the 4 a.m. day boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from studyapp.study import scheduling
from studyapp.study.scheduling import AGAIN, EASY, GOOD, HARD, Memory


def test_parity_with_fsrs_scheduler_on_a_recorded_sequence():
    ours = scheduling.build_scheduler(desired_retention=0.85, enable_fuzzing=False)
    theirs = fsrs.Scheduler(desired_retention=0.85, enable_fuzzing=False)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    card = fsrs.Card(card_id=42, due=start)
    memory = Memory()
    now = start
    for rating in [GOOD, GOOD, AGAIN, HARD, GOOD, EASY, AGAIN, GOOD, GOOD, GOOD]:
        memory = scheduling.review(ours, 42, memory, rating, now)
        card, _ = theirs.review_card(card, fsrs.Rating(rating), review_datetime=now)
        assert memory.due == card.due
        assert memory.stability == pytest.approx(card.stability, abs=1e-9)
        assert memory.difficulty == pytest.approx(card.difficulty, abs=1e-9)
        assert memory.state == int(card.state)
        now = card.due  # review exactly when due
    assert memory.reps == 10
    assert memory.lapses == 2  # both Agains came in the Review state


def test_preview_keeps_the_outcome_that_is_applied():
    scheduler = scheduling.build_scheduler()
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    memory = Memory(state=2, step=None, stability=40.0, difficulty=5.0,
                    due=now, last_review=now - timedelta(days=40), reps=5)  # fmt: skip
    outcomes = scheduling.preview(scheduler, 7, memory, [HARD, GOOD, EASY], now)
    assert set(outcomes) == {HARD, GOOD, EASY}
    assert outcomes[HARD].due < outcomes[GOOD].due < outcomes[EASY].due
    # Round-trips through JSON exactly, which is how answers keep them.
    for outcome in outcomes.values():
        assert Memory.from_json(outcome.to_json()) == outcome


@pytest.mark.parametrize(
    ("is_correct", "ratings"),
    [(True, [HARD, GOOD, EASY]), (False, [AGAIN]), (None, [AGAIN, HARD, GOOD, EASY])],
)
def test_allowed_ratings(is_correct, ratings):
    assert scheduling.allowed_ratings(is_correct) == ratings


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(seconds=20), "1m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=60), "2mo"),
        (timedelta(days=365), "1y"),
        (timedelta(days=548), "1.5y"),
    ],
)
def test_interval_label(delta, label):
    assert scheduling.interval_label(delta) == label


@pytest.mark.parametrize(
    ("now", "zone", "start"),
    [
        # 03:59 in Berlin (winter, UTC+1) still belongs to the previous day.
        ("2026-01-10T02:59:00+00:00", "Europe/Berlin", "2026-01-09T03:00:00+00:00"),
        ("2026-01-10T03:00:00+00:00", "Europe/Berlin", "2026-01-10T03:00:00+00:00"),
        # 03:00 in New York (UTC-5) is before 4 a.m.: the day began yesterday at 09:00 UTC.
        ("2026-01-10T08:00:00+00:00", "America/New_York", "2026-01-09T09:00:00+00:00"),
        ("2026-07-01T12:00:00+00:00", "Asia/Tokyo", "2026-06-30T19:00:00+00:00"),
        ("2026-07-01T03:59:00+00:00", "UTC", "2026-06-30T04:00:00+00:00"),
    ],
)  # fmt: skip
def test_day_starts_at_4am_in_the_learners_time_zone(now, zone, start):
    assert scheduling.day_start(datetime.fromisoformat(now), zone) == datetime.fromisoformat(start)


def test_next_day_start_across_a_daylight_saving_change():
    # Europe/Berlin springs forward on 2026-03-29: that study day is 23 hours long.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert scheduling.next_day_start(now, "Europe/Berlin") == datetime(
        2026, 3, 29, 2, 0, tzinfo=UTC
    )

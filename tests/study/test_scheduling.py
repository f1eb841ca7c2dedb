"""Scheduling: FSRS-6 intervals pinned to numbers, our conversion against fsrs's own card, interval
labels, the 4 a.m. day boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from studyapp.study import scheduling
from studyapp.study.scheduling import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    LEARNING,
    RELEARNING,
    REVIEW,
    Memory,
)

M, D = timedelta(minutes=1), timedelta(days=1)
PERSONAL = tuple(
    1.0 if index == 8 else 0.3 if index == 20 else value
    for index, value in enumerate(scheduling.DEFAULT_PARAMETERS)
)  # a smaller recall stability gain (w8) and a steeper forgetting curve (w20)

# Review histories, each step (time since the previous review, rating) and what it must give:
# (state, learning step, stability, difficulty, interval to the next due date). Computed once
# with fsrs 6.3.2 through this module (no fuzz) on 2026-12-07 and written down: an fsrs upgrade,
# or a change in our conversion, that moves any of them fails here; if the move is wanted,
# recompute them and say why in the commit.
PINNED_HISTORIES = {
    "good-all-the-way": (0.9, None, [
        (0 * M, GOOD, (LEARNING, 1, 2.3065, 2.1181, 10 * M)),
        (10 * M, GOOD, (REVIEW, None, 2.3065, 2.1112, 2 * D)),
        (3 * D, GOOD, (REVIEW, None, 13.8358, 2.1043, 14 * D)),
        (8 * D, GOOD, (REVIEW, None, 42.0944, 2.0975, 42 * D)),
        (20 * D, HARD, (REVIEW, None, 78.7458, 4.7392, 79 * D)),
        (30 * D, EASY, (REVIEW, None, 191.1509, 2.9664, 191 * D)),
    ], (0.9992, 0.9782)),
    "lapse-and-relearn": (0.9, None, [
        (0 * M, AGAIN, (LEARNING, 0, 0.2120, 6.4133, 1 * M)),
        (1 * M, AGAIN, (LEARNING, 0, 0.0834, 8.8063, 1 * M)),
        (1 * M, GOOD, (LEARNING, 1, 0.1031, 8.7927, 10 * M)),
        (10 * M, GOOD, (REVIEW, None, 0.1258, 8.7792, 1 * D)),
        (2 * D, AGAIN, (RELEARNING, 0, 0.0733, 9.5839, 10 * M)),
        (10 * M, GOOD, (REVIEW, None, 0.0915, 9.5696, 1 * D)),
        (5 * D, GOOD, (REVIEW, None, 0.6525, 9.5553, 1 * D)),
    ], (0.8681, 0.5540)),
    "late-and-early-at-80-percent": (0.8, None, [
        (0 * M, EASY, (REVIEW, None, 8.2956, 1.0000, 28 * D)),
        (15 * D, GOOD, (REVIEW, None, 54.8609, 1.0000, 182 * D)),
        (40 * D, AGAIN, (RELEARNING, 0, 3.1801, 7.0270, 10 * M)),
        (10 * M, HARD, (RELEARNING, 0, 3.1801, 8.0116, 15 * M)),
        (12 * D, GOOD, (REVIEW, None, 12.5620, 7.9988, 42 * D)),
        (1 * D, GOOD, (REVIEW, None, 14.0435, 7.9861, 47 * D)),
    ], (0.9896, 0.8401)),
    "personal-parameters": (0.9, PERSONAL, [
        (0 * M, GOOD, (LEARNING, 1, 2.3065, 2.1181, 10 * M)),
        (10 * M, GOOD, (REVIEW, None, 2.3065, 2.1112, 2 * D)),
        (1 * D, GOOD, (REVIEW, None, 4.2362, 2.1043, 4 * D)),
        (7 * D, GOOD, (REVIEW, None, 14.1942, 2.0975, 14 * D)),
        (30 * D, GOOD, (REVIEW, None, 46.9442, 2.0906, 47 * D)),
    ], (0.9973, 0.9310)),
}  # fmt: skip


@pytest.mark.parametrize("name", PINNED_HISTORIES)
def test_fsrs_gives_the_pinned_intervals_for_fixed_review_histories(name):
    """Each review through `review` (and the JSON an answer keeps its outcomes in), then the
    retrievability a day and 30 days after the last one."""
    retention, parameters, steps, (recall_in_a_day, recall_in_30_days) = PINNED_HISTORIES[name]
    scheduler = scheduling.build_scheduler(
        desired_retention=retention, parameters=parameters, enable_fuzzing=False
    )
    memory, now = Memory(), datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for number, (elapsed, rating, expected) in enumerate(steps, start=1):
        now += elapsed
        memory = Memory.from_json(scheduling.review(scheduler, 7, memory, rating, now).to_json())
        state, step, stability, difficulty, interval = expected
        got = (memory.state, memory.step, memory.stability, memory.difficulty, memory.due - now)
        assert got == (
            state,
            step,
            pytest.approx(stability, abs=1e-4),
            pytest.approx(difficulty, abs=1e-4),
            interval,
        ), f"{name}, review {number}"
        assert memory.reps == number and memory.last_review == now
    assert scheduling.retrievability(scheduler, 7, memory, now + D) == pytest.approx(
        recall_in_a_day, abs=1e-4
    )
    assert scheduling.retrievability(scheduler, 7, memory, now + 30 * D) == pytest.approx(
        recall_in_30_days, abs=1e-4
    )


def test_our_conversion_gives_what_fsrs_gives_its_own_card():
    """Our Memory in and out of fsrs.Card changes nothing (the pinned numbers above are what
    catch a change in fsrs itself)."""
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

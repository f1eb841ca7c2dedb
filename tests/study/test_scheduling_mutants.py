"""Scheduling rules the mutation run (`make mutate`) found untested: the defaults a learner gets,
the near-miss ratings, lapses, retrievability, interval labels at their boundaries, a card's
memory stored and read back, and reviews given in the learner's own time zone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from studyapp.study import scheduling
from studyapp.study.scheduling import (
    AGAIN,
    DEFAULT_PARAMETERS,
    EASY,
    GOOD,
    HARD,
    LEARNING,
    NEW,
    RELEARNING,
    REVIEW,
    Memory,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# A card in review, last seen 40 days ago and due now.
IN_REVIEW = Memory(
    state=REVIEW,
    stability=40.0,
    difficulty=5.0,
    due=NOW,
    last_review=NOW - timedelta(days=40),
    reps=5,
    lapses=1,
)


def test_a_learner_without_settings_gets_90_percent_retention_fsrs_defaults_and_fuzz():
    scheduler = scheduling.build_scheduler()
    assert scheduler.desired_retention == 0.9
    assert scheduler.parameters == tuple(fsrs.scheduler.DEFAULT_PARAMETERS)
    assert scheduler.enable_fuzzing is True


def test_personal_parameters_replace_the_defaults_and_none_or_empty_keep_them():
    personal = list(DEFAULT_PARAMETERS)
    personal[0] = 0.5  # a shorter first interval after Again
    assert scheduling.build_scheduler(parameters=personal).parameters == tuple(personal)
    assert scheduling.build_scheduler(parameters=None).parameters == DEFAULT_PARAMETERS
    assert scheduling.build_scheduler(parameters=[]).parameters == DEFAULT_PARAMETERS


@pytest.mark.parametrize(
    ("is_correct", "ratings"),
    [(False, [AGAIN, HARD]), (True, [HARD, GOOD, EASY]), (None, [AGAIN, HARD, GOOD, EASY])],
)
def test_a_near_miss_may_also_be_rated_hard_only_when_it_was_wrong(is_correct, ratings):
    assert scheduling.allowed_ratings(is_correct, is_near_miss=True) == ratings


def test_a_new_card_answered_for_the_first_time_is_fsrs_own_first_review():
    scheduler = scheduling.build_scheduler(enable_fuzzing=False)
    reference = fsrs.Scheduler(enable_fuzzing=False)
    for rating in (AGAIN, HARD, GOOD, EASY):
        memory = scheduling.review(scheduler, 7, Memory(), rating, NOW)
        card, _ = reference.review_card(fsrs.Card(card_id=7, due=NOW), fsrs.Rating(rating), NOW)
        assert (memory.state, memory.step, memory.due) == (int(card.state), card.step, card.due)
        assert memory.last_review == NOW
        assert (memory.reps, memory.lapses) == (1, 0)


@pytest.mark.parametrize(
    ("state", "rating", "lapses"),
    [
        (REVIEW, AGAIN, 2),  # forgetting a card in review is a lapse
        (REVIEW, HARD, 1),
        (LEARNING, AGAIN, 1),  # failing a learning or relearning step is not
        (RELEARNING, AGAIN, 1),
    ],
)
def test_only_again_on_a_card_in_review_counts_as_a_lapse(state, rating, lapses):
    scheduler = scheduling.build_scheduler(enable_fuzzing=False)
    step = None if state == REVIEW else 0
    memory = replace(IN_REVIEW, state=state, step=step)
    after = scheduling.review(scheduler, 7, memory, rating, NOW)
    assert after.lapses == lapses
    assert after.reps == IN_REVIEW.reps + 1


def test_a_review_given_in_the_learners_time_zone_is_the_same_review_in_utc():
    scheduler = scheduling.build_scheduler(enable_fuzzing=False)
    berlin = NOW.astimezone(ZoneInfo("Europe/Berlin"))
    assert scheduling.review(scheduler, 7, IN_REVIEW, GOOD, berlin) == scheduling.review(
        scheduler, 7, IN_REVIEW, GOOD, NOW
    )
    assert scheduling.retrievability(scheduler, 7, IN_REVIEW, berlin) == pytest.approx(
        scheduling.retrievability(scheduler, 7, IN_REVIEW, NOW)
    )


def test_retrievability_is_zero_for_a_new_card_and_falls_with_time_for_one_in_review():
    scheduler = scheduling.build_scheduler()
    assert scheduling.retrievability(scheduler, 7, Memory(), NOW) == 0.0
    just_reviewed = replace(IN_REVIEW, last_review=NOW)
    assert scheduling.retrievability(scheduler, 7, just_reviewed, NOW) == pytest.approx(1.0)
    # After as many days as its stability, FSRS predicts 90% recall.
    assert scheduling.retrievability(scheduler, 7, IN_REVIEW, NOW) == pytest.approx(0.9, abs=1e-3)
    later = scheduling.retrievability(scheduler, 7, IN_REVIEW, NOW + timedelta(days=30))
    assert 0 < later < 0.9


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(0), "1m"),
        (timedelta(seconds=-30), "1m"),  # already due: never "0m" or negative
        (timedelta(seconds=100), "2m"),
        (timedelta(minutes=59), "59m"),
        (timedelta(minutes=60), "1h"),
        (timedelta(hours=23), "23h"),
        (timedelta(hours=24), "1d"),
        (timedelta(days=29), "29d"),
        (timedelta(days=30), "1mo"),
        (timedelta(days=45), "2mo"),  # months of 30 days
        (timedelta(days=350), "12mo"),
        (timedelta(days=364), "12mo"),
        (timedelta(days=384), "1.1y"),  # years of 365 days
        (timedelta(days=730), "2y"),
        (timedelta(days=1000), "2.7y"),
    ],
)
def test_interval_labels_change_unit_at_each_boundary(delta, label):
    assert scheduling.interval_label(delta) == label


def test_a_new_cards_memory_is_stored_as_json_and_read_back_unchanged():
    stored = json.loads(json.dumps(Memory().to_json()))
    assert stored == {
        "state": NEW,
        "step": None,
        "stability": None,
        "difficulty": None,
        "due": None,
        "last_review": None,
        "reps": 0,
        "lapses": 0,
    }
    assert Memory.from_json(stored) == Memory()


def test_a_reviewed_cards_memory_keeps_its_dates_as_iso_text():
    stored = json.loads(json.dumps(IN_REVIEW.to_json()))
    assert stored["due"] == "2026-03-01T12:00:00+00:00"
    assert stored["last_review"] == "2026-01-20T12:00:00+00:00"
    assert Memory.from_json(stored) == IN_REVIEW


def test_the_next_study_day_begins_at_4am_tomorrow_in_the_learners_time_zone():
    # 23:30 in Berlin (winter, UTC+1): the next day begins at 04:00 Berlin, 03:00 UTC.
    now = datetime(2026, 1, 10, 22, 30, tzinfo=UTC)
    assert scheduling.next_day_start(now, "Europe/Berlin") == datetime(
        2026, 1, 11, 3, 0, tzinfo=UTC
    )
    # 02:00 in Berlin still belongs to the day that began yesterday at 04:00: it ends today.
    early = datetime(2026, 1, 11, 1, 0, tzinfo=UTC)
    assert scheduling.next_day_start(early, "Europe/Berlin") == datetime(
        2026, 1, 11, 3, 0, tzinfo=UTC
    )


def test_the_study_day_begins_exactly_at_4am_whatever_the_seconds_of_now():
    now = datetime(2026, 1, 10, 12, 30, 45, 123456, tzinfo=UTC)
    assert scheduling.day_start(now, "UTC") == datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
    assert scheduling.next_day_start(now, "UTC") == datetime(2026, 1, 11, 4, 0, tzinfo=UTC)

"""Daily review summaries: kept by rating and undo, rebuilt on a time zone change, backfilled."""

from __future__ import annotations

import importlib
import itertools
import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from studyapp.study import scheduling, selectors, services, summaries
from studyapp.study.models import (
    Answer,
    CardState,
    DailyReviewSummary,
    ReviewLog,
    StudySettings,
)
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
VERSIONS = itertools.count(5000)


def rate(user, settings, question, *, rating=scheduling.GOOD, now=NOW, duration_ms=1500):
    """Answer a true/false question and rate it; return the review."""
    card = CardState.objects.filter(user=user, question=question).first()
    answer = services.submit_answer(
        user=user, settings=settings, question=question, card_version=card.version if card else 0,
        response=["false"] if rating == scheduling.AGAIN else ["true"], duration_ms=duration_ms,
        now=now,
    )  # fmt: skip
    return services.rate_answer(
        user=user, settings=settings, answer_id=answer.pk, rating=rating, now=now
    ).review


def days_of(user) -> dict[date, tuple[int, int, int, int, int]]:
    """The learner's summary rows: day -> (reviews, new, review cards, passed, ms)."""
    return {
        row.day: tuple(getattr(row, name) for name in summaries.FIGURES)
        for row in DailyReviewSummary.objects.filter(user=user)
    }


def rebuilt(user) -> dict:
    """What a rebuild from the review log gives (the rows put back as they were afterwards)."""
    kept = list(DailyReviewSummary.objects.filter(user=user))
    summaries.rebuild([user.pk])
    result = days_of(user)
    DailyReviewSummary.objects.filter(user=user).delete()
    DailyReviewSummary.objects.bulk_create(kept)
    return result


def in_review(user, question, *, stability=10.0):
    """A card in review, due now (its next rating is a review of a review card)."""
    return CardState.objects.create(
        user=user, question=question, state=scheduling.REVIEW, stability=stability, difficulty=5,
        due=NOW - timedelta(days=1), last_review=NOW - timedelta(days=11), reps=3,
    )  # fmt: skip


def test_rating_counts_the_review_in_its_study_day(user, settings_of):
    rate(user, settings_of, QuestionFactory(), duration_ms=2000)  # a new card, rated Good
    assert days_of(user) == {date(2026, 5, 4): (1, 1, 0, 0, 2000)}
    reviewed = QuestionFactory()
    in_review(user, reviewed)
    rate(user, settings_of, reviewed, rating=scheduling.AGAIN, duration_ms=3000)
    assert days_of(user) == {date(2026, 5, 4): (2, 1, 1, 0, 5000)}
    passed = QuestionFactory()
    in_review(user, passed)
    rate(user, settings_of, passed, rating=scheduling.HARD, duration_ms=500)
    assert days_of(user) == {date(2026, 5, 4): (3, 1, 2, 1, 5500)}
    assert days_of(user) == rebuilt(user)


def test_a_resent_rating_counts_once(user, settings_of):
    review = rate(user, settings_of, QuestionFactory())
    again = services.rate_answer(user=user, settings=settings_of, answer_id=review.answer_id,
                                 rating=scheduling.GOOD, now=NOW)  # fmt: skip
    assert again.already_recorded
    assert days_of(user) == {date(2026, 5, 4): (1, 1, 0, 0, 1500)}


def test_two_ratings_the_same_day_add_up_and_other_days_stay_apart(user, settings_of):
    first, second, third = QuestionFactory(), QuestionFactory(), QuestionFactory()
    rate(user, settings_of, first, now=NOW)
    rate(user, settings_of, second, now=NOW + timedelta(hours=3))
    rate(user, settings_of, third, now=NOW + timedelta(days=1))
    assert days_of(user) == {
        date(2026, 5, 4): (2, 2, 0, 0, 3000),
        date(2026, 5, 5): (1, 1, 0, 0, 1500),
    }
    other = UserFactory()
    rate(other, selectors.study_settings(other), first)
    assert days_of(user)[date(2026, 5, 4)] == (2, 2, 0, 0, 3000)  # another learner's own row
    assert days_of(other) == {date(2026, 5, 4): (1, 1, 0, 0, 1500)}


def test_undo_takes_the_review_out_of_its_day_and_drops_a_day_left_empty(user, settings_of):
    reviewed = QuestionFactory()
    in_review(user, reviewed)
    rate(user, settings_of, QuestionFactory(), now=NOW - timedelta(days=1))
    rate(user, settings_of, QuestionFactory(), now=NOW)
    rate(user, settings_of, reviewed, rating=scheduling.EASY, now=NOW + timedelta(minutes=1))
    assert days_of(user)[date(2026, 5, 4)] == (2, 1, 1, 1, 3000)
    services.undo_last_review(user=user)
    assert days_of(user)[date(2026, 5, 4)] == (1, 1, 0, 0, 1500)
    services.undo_last_review(user=user)
    assert days_of(user) == {date(2026, 5, 3): (1, 1, 0, 0, 1500)}
    assert days_of(user) == rebuilt(user)


def test_undo_never_counts_below_zero(user, settings_of):
    rate(user, settings_of, QuestionFactory())
    DailyReviewSummary.objects.filter(user=user).update(new_cards=0, duration_ms=10)
    services.undo_last_review(user=user)
    assert days_of(user) == {}


def test_the_day_turns_at_4am_in_the_learners_time_zone(user, settings_of):
    settings_of.time_zone = "Europe/Berlin"
    settings_of.save()
    rate(user, settings_of, QuestionFactory(), now=datetime(2026, 5, 4, 1, 59, tzinfo=UTC))
    rate(user, settings_of, QuestionFactory(), now=datetime(2026, 5, 4, 2, 0, tzinfo=UTC))
    # 03:59 in Berlin is still May 3rd; 04:00 starts May 4th.
    assert days_of(user) == {
        date(2026, 5, 3): (1, 1, 0, 0, 1500),
        date(2026, 5, 4): (1, 1, 0, 0, 1500),
    }
    assert days_of(user) == rebuilt(user)


def test_on_a_daylight_saving_day_the_day_turns_at_4am_on_the_local_clock(user, settings_of):
    """Berlin's clocks jump from 2 to 3 a.m. on 29 March 2026: 4 a.m. is then 02:00 UTC."""
    settings_of.time_zone = "Europe/Berlin"
    settings_of.save()
    before = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST: 28 March's study day
    after = datetime(2026, 3, 29, 2, 30, tzinfo=UTC)  # 04:30 CEST: 29 March's
    rate(user, settings_of, QuestionFactory(), now=before)
    rate(user, settings_of, QuestionFactory(), now=after)
    assert days_of(user) == {
        date(2026, 3, 28): (1, 1, 0, 0, 1500),
        date(2026, 3, 29): (1, 1, 0, 0, 1500),
    }
    assert days_of(user) == rebuilt(user)
    # The day the queue counts today is the same one.
    assert selectors.today_counts(user, settings_of, after).answers == 1


def test_changing_the_time_zone_in_settings_counts_the_days_again(client, user, settings_of):
    evening = datetime(2026, 5, 4, 22, 0, tzinfo=UTC)  # 22:00 in UTC, 07:00 next day in Tokyo
    rate(user, settings_of, QuestionFactory(), now=evening)
    assert days_of(user) == {date(2026, 5, 4): (1, 1, 0, 0, 1500)}
    client.force_login(user)
    form = {"desired_retention": "0.9", "new_per_day": "20", "reviews_per_day": "200",
            "leech_threshold": "8", "new_card_order": "mixed"}  # fmt: skip
    # Saved without a change of time zone: the rows are left as they are (no rebuild).
    DailyReviewSummary.objects.filter(user=user).update(duration_ms=1)
    assert client.post("/study/settings/", {**form, "time_zone": "UTC"}).status_code == 302
    assert days_of(user) == {date(2026, 5, 4): (1, 1, 0, 0, 1)}
    assert client.post("/study/settings/", {**form, "time_zone": "Asia/Tokyo"}).status_code == 302
    assert days_of(user) == {date(2026, 5, 5): (1, 1, 0, 0, 1500)}


def test_rebuild_counts_each_learner_in_their_own_time_zone(settings_of, user):
    settings_of.time_zone = "America/New_York"
    settings_of.save()
    newcomer = UserFactory()  # no settings row yet: the default time zone, UTC
    at = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)  # 23:00 on 3 May in New York
    for learner in (user, newcomer):
        card = CardState.objects.create(user=learner, question=QuestionFactory(), due=at)
        answer = Answer.objects.create(user=learner, card=card, card_version=0, created_at=at)
        ReviewLog.objects.create(user=learner, card=card, answer=answer, rating=3, state_before=0,
                                 reviewed_at=at, duration_ms=10, card_before={})  # fmt: skip
    assert summaries.rebuild() == 2
    assert days_of(user) == {date(2026, 5, 3): (1, 1, 0, 0, 10)}
    assert days_of(newcomer) == {date(2026, 5, 3): (1, 1, 0, 0, 10)}  # 03:00 UTC: before 4
    assert summaries.rebuild([newcomer.pk]) == 1
    assert DailyReviewSummary.objects.count() == 2


def random_history(user, settings, *, days: int, seed: int) -> None:
    """Rate through the services, at random times over `days` days, cards new and in review."""
    rng = random.Random(seed)
    questions = [QuestionFactory() for _ in range(12)]
    for i, question in enumerate(questions[6:]):
        in_review(user, question, stability=5.0 + i)
    for day in range(days):
        for _ in range(rng.randint(0, 3)):
            question = rng.choice(questions)
            moment = NOW - timedelta(days=days - day, minutes=rng.randint(0, 24 * 60))
            rating = rng.choice([scheduling.AGAIN, scheduling.HARD, scheduling.GOOD])
            rate(user, settings, question, rating=rating, now=moment,
                 duration_ms=rng.randint(0, 60_000))  # fmt: skip
            if rng.random() < 0.1:
                services.undo_last_review(user=user)


def test_the_rows_kept_by_rating_and_undo_are_those_a_rebuild_gives(user, settings_of):
    settings_of.time_zone = "Asia/Kolkata"  # +05:30: days turn at 22:30 UTC
    settings_of.save()
    random_history(user, settings_of, days=20, seed=3)
    assert len(days_of(user)) > 10
    assert days_of(user) == rebuilt(user)


@pytest.mark.django_db(transaction=True)
def test_two_tabs_rating_at_once_both_count():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serializes them")
    user = UserFactory()
    settings = selectors.study_settings(user)
    answers = [
        services.submit_answer(user=user, settings=settings, question=QuestionFactory(),
                               card_version=0, response=["true"], duration_ms=100, now=NOW)
        for _ in range(2)
    ]  # fmt: skip
    barrier = threading.Barrier(2)
    errors = []

    def rate_one(answer_id: int) -> None:
        try:
            barrier.wait()
            services.rate_answer(user=user, settings=settings, answer_id=answer_id,
                                 rating=scheduling.GOOD, now=NOW)  # fmt: skip
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate_one, args=(answer.pk,)) for answer in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert days_of(user) == {date(2026, 5, 4): (2, 2, 0, 0, 200)}


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_the_summaries_of_existing_reviews():
    migration = importlib.import_module("studyapp.study.migrations.0007_daily_review_summary")
    before = [("study", "0006_studysettings_interview_date_first_tries_index")]
    after = [("study", "0007_daily_review_summary")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        # Rows as they were before the table existed: the review log alone.
        user, tokyo = UserFactory(), UserFactory()
        StudySettings.objects.create(user=tokyo, time_zone="Asia/Tokyo")
        reviews = [
            (user, datetime(2026, 5, 4, 3, 59, tzinfo=UTC), 0, 3),  # before 4 a.m. UTC: 3 May
            (user, datetime(2026, 5, 4, 4, 0, tzinfo=UTC), 2, 1),
            (user, datetime(2026, 5, 4, 23, 0, tzinfo=UTC), 2, 4),
            (tokyo, datetime(2026, 5, 4, 23, 0, tzinfo=UTC), 2, 3),  # 08:00 on 5 May in Tokyo
        ]
        for learner, at, state_before, rating in reviews:
            card = CardState.objects.create(user=learner, question=QuestionFactory(), due=at)
            answer = Answer.objects.create(user=learner, card=card, card_version=0, created_at=at)
            ReviewLog.objects.create(user=learner, card=card, answer=answer, rating=rating,
                                     state_before=state_before, reviewed_at=at, duration_ms=100,
                                     card_before={})  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        # Then the migrations after it, as the other tests expect the schema.
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert scheduling.DAY_STARTS_AT.hour == migration.DAY_STARTS_AT_HOUR
    assert days_of(user) == {
        date(2026, 5, 3): (1, 1, 0, 0, 100),
        date(2026, 5, 4): (2, 0, 2, 1, 200),
    }
    assert days_of(tokyo) == {date(2026, 5, 5): (1, 0, 1, 1, 100)}
    assert days_of(user) == rebuilt(user) and days_of(tokyo) == rebuilt(tokyo)


def test_the_command_rebuilds_one_learner_or_all(user, settings_of):
    from io import StringIO

    from django.core.management import CommandError, call_command

    other = UserFactory(username="other")
    rate(user, settings_of, QuestionFactory())
    rate(other, selectors.study_settings(other), QuestionFactory())
    DailyReviewSummary.objects.update(reviews=7)
    out = StringIO()
    call_command("rebuild_review_summaries", "--user", "other", stdout=out)
    assert out.getvalue() == "Daily review summaries: 1 day written.\n"
    assert (days_of(user)[NOW.date()][0], days_of(other)[NOW.date()][0]) == (7, 1)
    call_command("rebuild_review_summaries", stdout=out)
    assert days_of(user)[NOW.date()][0] == 1 and "2 days written" in out.getvalue()
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("rebuild_review_summaries", "--user", "nobody")

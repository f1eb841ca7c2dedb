"""The edges of the progress figures, through the selectors the page uses: which reviews fall in
the year's heatmap, which cards the forecast and "due today" count, the month of true retention,
the streak's first day. Written against the survivors of the mutation run (`make mutate`)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from studyapp.progress import selectors
from studyapp.study import summaries
from studyapp.study.models import Answer, CardState, ReviewLog
from studyapp.study.selectors import study_settings
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # 12:00 UTC: the study day began at 04:00 UTC
VERSIONS = itertools.count()


@pytest.fixture
def user():
    return UserFactory()


def card(user, *, due, state=CardState.State.REVIEW, **fields):
    return CardState.objects.create(
        user=user, question=QuestionFactory(), state=state, stability=5, difficulty=5,
        last_review=NOW - timedelta(days=5), due=due, **fields,
    )  # fmt: skip


def review(user, card, at, *, rating=3, state_before=CardState.State.REVIEW, duration=1000):
    answer = Answer.objects.create(user=user, card=card, card_version=next(VERSIONS), created_at=at)
    log = ReviewLog.objects.create(
        user=user, card=card, answer=answer, rating=rating, state_before=state_before,
        reviewed_at=at, duration_ms=duration, card_before={},
    )  # fmt: skip
    # As rating does: the progress page reads the day's summary, not the review log.
    summaries.add_review(log, study_settings(user).time_zone)


def test_the_heatmap_holds_exactly_the_last_365_study_days(user):
    settings = study_settings(user)
    c = card(user, due=NOW)
    first_day = datetime(2025, 6, 16, 4, 0, tzinfo=UTC)  # 364 days before today's 04:00
    review(user, c, first_day)
    review(user, c, first_day - timedelta(minutes=1))  # the day before: out of the year
    assert selectors.review_days(user, settings, NOW) == {date(2025, 6, 16): 1}
    assert selectors.review_days(user, settings, NOW, days=1) == {}


def test_the_forecast_counts_cards_in_review_by_study_day_and_leaves_out_the_rest(user):
    settings = study_settings(user)
    card(user, due=datetime(2026, 6, 16, 3, 59, tzinfo=UTC))  # before 4 a.m.: still today
    card(user, due=datetime(2026, 6, 16, 4, 0, tzinfo=UTC))  # tomorrow
    card(user, due=datetime(2026, 7, 14, 12, 0, tzinfo=UTC))  # the 30th day
    card(user, due=datetime(2026, 7, 15, 12, 0, tzinfo=UTC))  # past the 30 days
    card(user, due=NOW, state=CardState.State.LEARNING)  # learning cards are due too
    card(user, due=NOW, state=CardState.State.NEW)  # new cards are not forecast
    card(user, due=NOW, is_suspended=True)  # nor suspended ones
    forecast = selectors.forecast(user, settings, NOW)
    assert forecast[0] == (date(2026, 6, 15), 2)
    assert forecast[1] == (date(2026, 6, 16), 1)
    assert forecast[-1] == (date(2026, 7, 14), 1)
    assert [day for day, _ in forecast] == [
        date(2026, 6, 15) + timedelta(days=i) for i in range(30)
    ]
    assert sum(n for _, n in forecast) == 4
    assert len(selectors.forecast(user, settings, NOW, days=7)) == 7


def test_due_today_counts_what_the_queue_will_show_before_the_next_study_day(user):
    settings = study_settings(user)
    card(user, due=NOW - timedelta(days=2))  # overdue
    card(user, due=datetime(2026, 6, 16, 3, 59, tzinfo=UTC))  # due before tomorrow's 4 a.m.
    card(user, due=datetime(2026, 6, 16, 4, 0, tzinfo=UTC))  # tomorrow
    card(user, due=NOW, is_suspended=True)
    card(user, due=NOW, buried_until=NOW + timedelta(hours=3))  # buried until later today
    card(user, due=NOW, buried_until=NOW - timedelta(hours=1))  # no longer buried
    card(user, due=NOW, state=CardState.State.NEW)
    summary = selectors.summary(user, settings, NOW, {})
    assert summary.due_today == 3


def test_true_retention_is_the_share_of_the_last_30_days_reviews_of_cards_in_review(user):
    settings = study_settings(user)
    c = card(user, due=NOW)
    review(user, c, NOW - timedelta(days=29), rating=2)  # Hard is a pass
    review(user, c, NOW - timedelta(days=1), rating=1)  # Again is not
    review(user, c, NOW - timedelta(days=31), rating=1)  # older than a month: left out
    review(user, c, NOW - timedelta(hours=1), rating=1, state_before=CardState.State.LEARNING)
    summary = selectors.summary(user, settings, NOW, {})
    assert (summary.true_retention, summary.retention_reviews) == (0.5, 2)
    assert summary.reviewed_today == 1
    assert summary.studied_total_ms == 4000


def test_a_learner_without_reviews_has_no_retention_figure(user):
    summary = selectors.summary(user, study_settings(user), NOW, {})
    assert summary.true_retention is None and summary.retention_reviews == 0
    assert (summary.studied_today_ms, summary.studied_total_ms, summary.streak) == (0, 0, 0)


def test_time_studied_today_starts_at_the_study_days_4am(user):
    settings = study_settings(user)
    c = card(user, due=NOW)
    review(user, c, datetime(2026, 6, 15, 4, 0, tzinfo=UTC), duration=5000)
    review(user, c, datetime(2026, 6, 15, 3, 59, tzinfo=UTC), duration=7000)  # yesterday's
    summary = selectors.summary(user, settings, NOW, {})
    assert (summary.studied_today_ms, summary.reviewed_today) == (5000, 1)


@pytest.mark.parametrize(
    ("moment", "zone", "day"),
    [
        (datetime(2026, 6, 15, 1, 59, tzinfo=UTC), "Europe/Berlin", date(2026, 6, 14)),  # 03:59
        (datetime(2026, 6, 15, 2, 0, tzinfo=UTC), "Europe/Berlin", date(2026, 6, 15)),  # 04:00
        (datetime(2026, 6, 15, 3, 0, tzinfo=UTC), "UTC", date(2026, 6, 14)),
    ],
)
def test_a_moment_belongs_to_the_study_day_of_the_learners_4am(moment, zone, day):
    assert selectors.study_day(moment, zone) == day


def test_a_streak_of_one_day_is_today_or_yesterday_and_a_gap_ends_it():
    today = date(2026, 6, 15)
    assert selectors.streak({today: 1}, today) == 1
    assert selectors.streak({today - timedelta(days=1): 1}, today) == 1
    assert selectors.streak({today - timedelta(days=2): 5}, today) == 0
    assert selectors.streak({today: 0, today - timedelta(days=1): 2}, today) == 1


def test_due_today_counts_up_to_its_cap_and_the_page_says_so(client, user, monkeypatch):
    monkeypatch.setattr(selectors, "DUE_TODAY_CAP", 3)
    for hours in range(3):
        card(user, due=NOW - timedelta(hours=hours))
    settings = study_settings(user)
    figures = selectors.summary(user, settings, NOW, {})
    assert (figures.due_today, figures.due_today_is_capped) == (3, False)
    card(user, due=NOW + timedelta(hours=10))  # before tomorrow's 4 a.m.: due today
    figures = selectors.summary(user, settings, NOW, {})
    assert (figures.due_today, figures.due_today_is_capped) == (3, True)
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    assert '<span class="stat-value">3+</span>' in html and "due today (counted up to 3)" in html

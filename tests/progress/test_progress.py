"""Progress figures: aggregated in SQL, right against FSRS, constant queries at 50,000 reviews."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from studyapp.progress import charts, selectors
from studyapp.study import scheduling, services, summaries
from studyapp.study.models import Answer, CardState, ReviewLog
from studyapp.study.selectors import study_settings
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def user():
    return UserFactory()


def card(user, question, *, stability, days_ago, state=2, due=None):
    return CardState.objects.create(
        user=user, question=question, state=state, stability=stability, difficulty=5,
        last_review=NOW - timedelta(days=days_ago), due=due or NOW + timedelta(days=1),
    )  # fmt: skip


VERSIONS = itertools.count()


def reviews(user, cards_and_times, *, rating=3, state_before=2, duration=1000):
    answers = Answer.objects.bulk_create(
        Answer(user=user, card=c, card_version=next(VERSIONS), created_at=t)
        for c, t in cards_and_times
    )
    ReviewLog.objects.bulk_create(
        ReviewLog(
            user=user,
            card=c,
            answer=a,
            rating=rating,
            state_before=state_before,
            reviewed_at=t,
            duration_ms=duration,
            card_before={},
        )  # fmt: skip
        for a, (c, t) in zip(answers, cards_and_times, strict=True)
    )
    summaries.rebuild([user.pk])  # written in bulk: the days counted again


def counts_of(row):
    return (row.new, row.learning, row.young, row.mature)


def test_mastery_counts_new_learning_young_and_mature_cards(user):
    settings = study_settings(user)
    topic = TopicFactory()

    def question():
        return QuestionFactory(topic=topic, bank__topic=topic)

    question()  # never shown: new
    card(user, question(), stability=0, days_ago=0, state=0)  # shown, not started: new
    card(user, question(), stability=1, days_ago=0, state=1)  # learning
    card(user, question(), stability=90, days_ago=0, state=3)  # relearning, however stable
    card(user, question(), stability=5, days_ago=2)  # young
    card(user, question(), stability=20.9, days_ago=2)  # young, just under 21 days
    card(user, question(), stability=21, days_ago=2)  # mature: mastered
    failed_today = card(user, question(), stability=60, days_ago=0)
    reviews(user, [(failed_today, NOW - timedelta(hours=1))], rating=1)  # failed today: young
    failed_yesterday = card(user, question(), stability=60, days_ago=1)
    reviews(user, [(failed_yesterday, NOW - timedelta(days=1))], rating=1)  # mature again
    passed_today = card(user, question(), stability=300, days_ago=0)
    reviews(user, [(passed_today, NOW - timedelta(hours=2))], rating=3)  # mature
    suspended = card(user, question(), stability=40, days_ago=5)
    CardState.objects.filter(pk=suspended.pk).update(is_suspended=True)  # still mature
    card(user, QuestionFactory(topic=topic, bank__topic=topic, is_retired=True), stability=99,
         days_ago=1)  # retired: not counted  # fmt: skip
    card(UserFactory(), QuestionFactory(topic=topic, bank__topic=topic), stability=99,
         days_ago=1)  # another learner's: their card, our new question  # fmt: skip
    [row] = selectors.topic_mastery(user, settings, NOW)
    assert row.total == 12
    assert counts_of(row) == (3, 2, 3, 4)
    assert (row.mastered, row.percent) == (4, 33)
    assert [(s.name, s.count, s.x, s.width) for s in row.segments] == [
        ("mature", 4, 0.0, 33.33), ("young", 3, 33.33, 25.0), ("learning", 2, 58.33, 16.67),
        ("new", 3, 75.0, 25.0),
    ]  # fmt: skip


def test_a_learner_who_fails_cards_has_mastered_nothing_after_a_first_session(user):
    """The session that showed "Pod networking 20/22 mastered (91%)": 9 of 20 answered wrong."""
    settings = study_settings(user)
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic, bank__topic=topic, position=i) for i in range(22)]
    for number, question in enumerate(questions[:20]):
        wrong = number < 9
        answer = services.submit_answer(
            user=user, settings=settings, question=question, card_version=0,
            response=["false" if wrong else "true"], duration_ms=1000, now=NOW,
        )  # fmt: skip
        services.rate_answer(user=user, settings=settings, answer_id=answer.pk,
                             rating=1 if wrong else 3, now=NOW)  # fmt: skip
    [row] = selectors.topic_mastery(user, settings, NOW + timedelta(minutes=1))
    assert (row.mastered, row.total) == (0, 22)
    assert counts_of(row) == (2, 20, 0, 0)


def test_a_card_reviewed_into_maturity_and_then_failed_today_is_not_mastered(user):
    settings = study_settings(user)
    topic = TopicFactory()
    question = QuestionFactory(topic=topic, bank__topic=topic)
    now = NOW - timedelta(days=120)
    mastered_at = None
    for _ in range(12):  # answered right whenever it comes due
        card_state = CardState.objects.filter(user=user, question=question).first()
        answer = services.submit_answer(
            user=user, settings=settings, question=question,
            card_version=card_state.version if card_state else 0, response=["true"],
            duration_ms=1000, now=now,
        )  # fmt: skip
        services.rate_answer(user=user, settings=settings, answer_id=answer.pk, rating=3, now=now)
        card_state = CardState.objects.get(user=user, question=question)
        [row] = selectors.topic_mastery(user, settings, now)
        if card_state.state == 2 and card_state.stability >= 21:
            assert row.mastered == 1
            mastered_at = mastered_at or now
        else:
            assert row.mastered == 0
        now = max(card_state.due, now + timedelta(minutes=1))
        if now > NOW:
            break
    assert mastered_at is not None  # the card did become mature
    # Failed today: relearning, and even once back in review, not mastered until tomorrow.
    card_state = CardState.objects.get(user=user, question=question)
    answer = services.submit_answer(user=user, settings=settings, question=question,
                                    card_version=card_state.version, response=["false"],
                                    duration_ms=1000, now=NOW)  # fmt: skip
    services.rate_answer(user=user, settings=settings, answer_id=answer.pk, rating=1, now=NOW)
    [row] = selectors.topic_mastery(user, settings, NOW)
    assert counts_of(row) == (0, 1, 0, 0)
    CardState.objects.filter(user=user, question=question).update(state=2, stability=45)
    [row] = selectors.topic_mastery(user, settings, NOW + timedelta(hours=1))
    assert counts_of(row) == (0, 0, 1, 0)
    [row] = selectors.topic_mastery(user, settings, NOW + timedelta(days=1))
    assert counts_of(row) == (0, 0, 0, 1)


def test_mastery_is_weakest_first_and_ignores_retired_and_new(user):
    settings = study_settings(user)
    strong, weak = TopicFactory(position=0), TopicFactory(position=1)
    card(user, QuestionFactory(topic=strong, bank__topic=strong), stability=50, days_ago=1)
    card(user, QuestionFactory(topic=weak, bank__topic=weak), stability=1, days_ago=20)
    card(user, QuestionFactory(topic=weak, bank__topic=weak), stability=0, days_ago=0, state=0)
    retired = QuestionFactory(topic=weak, bank__topic=weak, is_retired=True)
    card(user, retired, stability=50, days_ago=1)
    rows = selectors.topic_mastery(user, settings, NOW)
    assert [(r.topic, r.mastered, r.total) for r in rows] == [(weak, 0, 2), (strong, 1, 1)]


def test_the_progress_page_defines_mastery_and_offers_to_add_a_topic(client, user):
    topic = TopicFactory(title="Ingress")
    card(user, QuestionFactory(topic=topic, bank__topic=topic), stability=30, days_ago=1)
    QuestionFactory(topic=topic, bank__topic=topic)
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    assert "a card in review (past its learning steps) whose FSRS stability" in html
    assert "at least 21 days" in html and "A card you failed today is never mastered." in html
    assert "<strong>1</strong> / 2" in html and "1 mature" in html and "1 new" in html
    assert f'action="/study/topics/{topic.slug}/add/"' in html
    client.post(f"/study/topics/{topic.slug}/add/", {"next": "/progress/"})
    html = client.get("/progress/").content.decode()
    assert "In your reviews" in html and f"/study/topics/{topic.slug}/add/" not in html


def test_heatmap_days_follow_the_4am_local_boundary(user):
    settings = study_settings(user)
    settings.time_zone = "Europe/Berlin"
    settings.save()
    c = card(user, QuestionFactory(), stability=5, days_ago=1)
    reviews(user, [
        (c, datetime(2026, 6, 14, 1, 30, tzinfo=UTC)),  # 03:30 Berlin: still June 13th
        (c, datetime(2026, 6, 14, 2, 30, tzinfo=UTC)),  # 04:30 Berlin: June 14th
        (c, datetime(2026, 6, 14, 21, 0, tzinfo=UTC)),  # 23:00 Berlin: June 14th
    ])  # fmt: skip
    assert selectors.review_days(user, settings, NOW) == {
        date(2026, 6, 13): 1,
        date(2026, 6, 14): 2,
    }


def test_streak():
    today = date(2026, 6, 15)
    days = {today - timedelta(days=i): 3 for i in (1, 2, 3, 5)}
    assert selectors.streak(days, today) == 3  # none yet today: the streak runs to yesterday
    days[today] = 1
    assert selectors.streak(days, today) == 4
    assert selectors.streak({}, today) == 0


def test_summary_figures(user):
    settings = study_settings(user)
    q1, q2, _new = QuestionFactory(), QuestionFactory(), QuestionFactory()
    due_now = card(user, q1, stability=5, days_ago=5, due=NOW - timedelta(hours=1))
    card(user, q2, stability=5, days_ago=5, due=NOW + timedelta(days=3))
    passed = [(due_now, NOW - timedelta(days=d)) for d in (1, 2, 3)]
    reviews(user, passed, rating=3, duration=60_000)
    reviews(user, [(due_now, NOW - timedelta(days=4))], rating=1, duration=60_000)
    reviews(user, [(due_now, NOW - timedelta(hours=1))], rating=3, state_before=1, duration=120_000)
    days = selectors.review_days(user, settings, NOW)
    summary = selectors.summary(user, settings, NOW, days)
    assert summary.due_today == 1
    assert summary.new_available == 1  # q3
    assert summary.reviewed_today == 1
    assert summary.streak == 5
    assert summary.studied_today_ms == 120_000 and summary.studied_total_ms == 360_000
    assert summary.true_retention == 0.75 and summary.retention_reviews == 4
    # A new card introduced today uses up the day's only new card: none is left.
    settings.new_per_day = 1
    reviews(user, [(due_now, NOW - timedelta(minutes=5))], state_before=0)
    assert selectors.summary(user, settings, NOW, days).new_available == 0


def test_forecast_counts_overdue_as_today(user):
    settings = study_settings(user)
    for delta in (timedelta(days=-3), timedelta(hours=1), timedelta(days=2), timedelta(days=45)):
        card(user, QuestionFactory(), stability=5, days_ago=5, due=NOW + delta)
    forecast = dict(selectors.forecast(user, settings, NOW))
    assert len(forecast) == 30
    assert forecast[date(2026, 6, 15)] == 2
    assert forecast[date(2026, 6, 17)] == 1
    assert sum(forecast.values()) == 3


def test_heatmap_geometry():
    cells = charts.heatmap({date(2026, 6, 15): 12}, date(2026, 6, 15))
    assert len(cells) == 365
    assert cells[-1].day == date(2026, 6, 15) and cells[-1].level == 3
    assert cells[-1].y == date(2026, 6, 15).weekday() * charts.CELL
    assert {c.level for c in cells[:-1]} == {0}
    assert cells[-1].label == "Mon 15 Jun 2026: 12 reviews"
    assert cells[-2].label == "Sun 14 Jun 2026: 0 reviews"
    assert charts.HeatCell(0, 0, date(2026, 1, 1), 1, 1).label == "Thu 1 Jan 2026: 1 review"


@pytest.mark.slow
def test_progress_page_runs_constant_queries_at_50000_reviews(
    client, user, django_assert_max_num_queries
):
    topics = [TopicFactory() for _ in range(5)]
    questions = [QuestionFactory(topic=t, bank__topic=t) for t in topics for _ in range(20)]
    cards = CardState.objects.bulk_create(
        CardState(
            user=user,
            question=q,
            state=2,
            stability=5 + i % 30,
            difficulty=5,
            last_review=NOW - timedelta(days=i % 20),
            due=NOW + timedelta(days=i % 40 - 5),
        )  # fmt: skip
        for i, q in enumerate(questions)
    )
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        client.get("/progress/")  # creates the settings row
        with django_assert_max_num_queries(10):
            small = client.get("/progress/")
        times = [(cards[i % len(cards)], NOW - timedelta(minutes=10 * i)) for i in range(50_000)]
        reviews(user, times)
        with django_assert_max_num_queries(10):
            large = client.get("/progress/")
    assert small.status_code == large.status_code == 200
    html = large.content.decode()
    assert "50000 reviews on 348 days" in html  # one every 10 minutes, all within a year
    assert "<svg" in html and "<title" in html and "Add to my reviews" in html
    today = charts.day_label(NOW.date())
    assert f'class="heat-4"><title>{today}: ' in html  # today's cell, darkest: 144 reviews
    assert f"<tr><td>{today}</td><td>" in html  # and first in the table
    assert "/study/export/revlog.csv" in html


def test_progress_needs_login(client):
    assert client.get("/progress/").status_code == 302


def test_mastery_follows_the_learners_own_fsrs_parameters(client, user):
    """Good on a review card of stability 10, 10 days on: the FSRS defaults would give it a
    stability of 32 days (mature); this learner's fitted parameters, with a smaller recall
    stability gain (w8 = 1.0), give 19 (young). The progress page says young."""
    settings = study_settings(user)
    settings.parameters = list(scheduling.DEFAULT_PARAMETERS)
    settings.parameters[8] = 1.0
    settings.save()
    question = QuestionFactory(truth=True)
    now = datetime.now(UTC)
    CardState.objects.create(user=user, question=question, state=2, stability=10, difficulty=5,
                             due=now, last_review=now - timedelta(days=10), reps=4)  # fmt: skip
    client.force_login(user)
    page = client.get("/study/").content.decode()
    fields = {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
              for name in ("question", "version", "shown")}  # fmt: skip
    answered = client.post("/study/answer/", {**fields, "truth": "true"})
    client.post(answered["Location"] + "rate/", {"rating": "3"})
    progress = client.get("/progress/").content.decode()
    assert '<span class="state mature">0 mature</span>' in progress
    assert '<span class="state young">1 young</span>' in progress
    assert CardState.objects.get().stability == pytest.approx(19.21, abs=0.01)

"""The interview date: set in study settings, readiness on the progress page, the review plan."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from studyapp.progress import interview
from studyapp.study import readiness
from studyapp.study.models import CardState
from studyapp.study.readiness import MINIMUM_REVIEWS, QuestionInfo
from studyapp.study.readiness_selectors import learners
from studyapp.study.selectors import study_settings
from tests.factories import BankFactory, QuestionFactory, TopicFactory, UserFactory
from tests.readiness_data import first_try, many_reviews, studied_card

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = date(2026, 6, 25)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(username="candidate")


def catalog(size_per_topic: int = 10, topics: int = 3):
    questions = []
    for _ in range(topics):
        topic = TopicFactory()
        bank = BankFactory(topic=topic)
        questions += [QuestionFactory(topic=topic, bank=bank, difficulty=1 + i % 3,
                                      position=i) for i in range(size_per_topic)]  # fmt: skip
    return questions


def history(user, questions, *, reviews=MINIMUM_REVIEWS):
    for i, question in enumerate(questions[::2]):
        studied_card(
            user, question, stability=2.0 + 3 * (i % 7), last_review=NOW - timedelta(days=1 + i % 5)
        )
    for i, question in enumerate(questions[1::6]):
        first_try(user, question, right=i % 4 != 0, at=NOW - timedelta(days=30))
    card = CardState.objects.filter(user=user).first()
    done = CardState.objects.filter(user=user).count()
    many_reviews(user, card, max(0, reviews - len(questions[1::6])), before=NOW)
    return done


def set_interview(user, day):
    settings = study_settings(user)
    settings.interview_date = day
    settings.save()
    return study_settings(user)


# The setting ---------------------------------------------------------------------------------------


def form_data(**changes):
    return {"desired_retention": "0.9", "new_per_day": "20", "reviews_per_day": "200",
            "leech_threshold": "8", "time_zone": "Europe/Paris", **changes}  # fmt: skip


def test_the_interview_date_is_a_study_setting(client, user):
    client.force_login(user)
    page = client.get("/study/settings/").content.decode()
    assert 'type="date"' in page and 'name="interview_date"' in page
    response = client.post("/study/settings/", form_data(interview_date="2026-06-25"))
    assert response.status_code == 302
    assert study_settings(user).interview_date == DAY
    client.post("/study/settings/", form_data(interview_date=""))
    assert study_settings(user).interview_date is None


@pytest.mark.parametrize(
    ("value", "message"),
    [("2026-06-14", "2026-06-14 is in the past (today is 2026-06-15 in Europe/Paris)"),
     ("2029-01-01", "Choose a day within 2 years"),
     ("next tuesday", "Enter a valid date.")],
)  # fmt: skip
def test_a_bad_interview_date_is_refused_and_changes_nothing(client, user, value, message):
    set_interview(user, DAY)
    client.force_login(user)
    response = client.post("/study/settings/", form_data(interview_date=value, new_per_day="5"))
    assert response.status_code == 200
    assert message in response.content.decode()
    settings = study_settings(user)
    assert settings.interview_date == DAY and settings.new_per_day == 20


# The progress page -----------------------------------------------------------------------------------


def test_without_a_date_the_page_says_how_to_set_one(client, user):
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    assert "Set its date in your study settings" in html


def test_a_past_date_asks_for_the_next_one(client, user):
    set_interview(user, date(2026, 6, 1))
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    assert "Your interview date, 1 June 2026, has passed." in html


def test_readiness_waits_for_the_minimum_of_reviews(client, user):
    history(user, catalog(), reviews=MINIMUM_REVIEWS - 3)
    set_interview(user, DAY)
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    assert f"Readiness shows once you have {MINIMUM_REVIEWS} reviews; you have 27." in html
    assert "chance of 70% or more" not in html


def test_the_page_shows_readiness_on_the_day_projected_from_memory(client, user):
    questions = catalog()
    history(user, questions)
    settings = set_interview(user, DAY)
    at = datetime(2026, 6, 25, 9, 0, tzinfo=UTC)  # 9 a.m. in the learner's time zone (UTC)
    learner = learners([user.pk], [q.pk for q in questions])[user.pk]
    infos = [QuestionInfo(q.pk, q.topic_id, q.difficulty) for q in questions]
    chances = readiness.chances_at(learner, infos, at)
    # 30 questions, fewer than the mock set's 40: the mock set is all of them.
    distribution = readiness.correct_count_distribution(chances.values())
    expected = 100 * sum(chances.values()) / 30
    passing = readiness.tail(distribution, readiness.passing_count(30, 70))
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    figure = re.search(r"Expected (\d+)%</span> · <span class=\"readiness-pass\">(\d+)% chance of "
                       r"70% or more", html)  # fmt: skip
    assert figure, html
    assert (int(figure.group(1)), int(figure.group(2))) == (round(expected), round(100 * passing))
    assert (
        "On a 30-question mock interview on <strong>Thursday 25 June</strong> (in 10 days)" in html
    )
    assert "for the 20 of 30 questions you have studied" in html  # 15 studied, 5 first tries
    result = interview.interview_readiness(user, settings, NOW)
    assert result.readiness.expected_score == pytest.approx(expected)
    # Further away, less is remembered.
    later = interview.interview_readiness(user, set_interview(user, date(2026, 9, 25)), NOW)
    assert later.readiness.expected_score < result.readiness.expected_score


def test_the_plan_orders_cards_by_gain_per_minute_and_queues_them(client, user):
    questions = catalog()
    history(user, questions)
    settings = set_interview(user, DAY)
    result = interview.interview_readiness(user, settings, NOW)
    plan = result.plan
    assert 0 < len(plan) <= interview.PLAN_SIZE
    rates = [row.step.gain_per_minute for row in plan]
    assert rates == sorted(rates, reverse=True)
    # Minutes come from the learner's own review times (20 s each in this history).
    assert all(row.step.minutes == pytest.approx(20 / 60) for row in plan)
    assert result.score_after_plan == pytest.approx(
        result.readiness.expected_score + sum(row.step.gain for row in plan)
    )
    client.force_login(user)
    html = client.get("/progress/").content.decode()
    assert f"These {len(plan)} cards take about" in html
    response = client.post("/progress/interview/plan/")
    assert response.status_code == 302 and response["Location"] == "/study/"
    planned = CardState.objects.filter(
        user=user, question_id__in=[r.step.question_id for r in plan]
    )
    assert planned.count() == len(plan)
    assert all(card.due == NOW and not card.is_suspended for card in planned)
    assert all(card.state != CardState.State.NEW for card in planned)


def test_queueing_without_a_plan_changes_nothing(client, user):
    client.force_login(user)
    response = client.post("/progress/interview/plan/", follow=True)
    assert "There is no plan to follow right now." in response.content.decode()
    assert not CardState.objects.filter(user=user).exists()
    assert client.get("/progress/interview/plan/").status_code == 405


def test_interview_moment_is_the_morning_in_the_learners_time_zone():
    assert interview.interview_moment(DAY, "Europe/Paris", NOW) == datetime(
        2026, 6, 25, 7, 0, tzinfo=UTC
    )
    today = NOW.date()
    assert interview.interview_moment(today, "UTC", NOW) == NOW  # 9 a.m. has passed: now


@pytest.mark.parametrize("size", [10, 60])
def test_progress_page_with_an_interview_runs_a_constant_number_of_queries(
    client, user, size, django_assert_max_num_queries
):
    history(user, catalog(size_per_topic=size))
    set_interview(user, DAY)
    client.force_login(user)
    client.get("/progress/")  # counts the topics' questions once for this content version
    with django_assert_max_num_queries(18):  # 10 for the page, 8 for the interview block
        html = client.get("/progress/").content.decode()
    assert "chance of 70% or more" in html

"""The progress figures of a learner who has not studied today, of topics they never started or
added, of a topic without questions: the survivors of `make mutate` in progress/selectors.py
that a learner could see (the equivalent ones are in bench/mutation_notes.toml)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from studyapp.progress import selectors
from studyapp.study import summaries
from studyapp.study.models import Answer, CardState, DailyReviewSummary, ReviewLog, StudySettings
from studyapp.study.selectors import study_settings
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)  # 12:00 UTC: the study day began at 04:00 UTC
VERSIONS = itertools.count()


@pytest.fixture
def user():
    return UserFactory()


def card(user, question, *, state=CardState.State.REVIEW, stability=5):
    return CardState.objects.create(
        user=user, question=question, state=state, stability=stability, difficulty=5,
        last_review=NOW - timedelta(days=5), due=NOW + timedelta(days=3),
    )  # fmt: skip


def review(user, card, at):
    answer = Answer.objects.create(user=user, card=card, card_version=next(VERSIONS), created_at=at)
    log = ReviewLog.objects.create(
        user=user, card=card, answer=answer, rating=3, state_before=CardState.State.REVIEW,
        reviewed_at=at, duration_ms=1000, card_before={},
    )  # fmt: skip
    summaries.add_review(log, study_settings(user).time_zone)  # as rating does


def questions_of(topic, count):
    return [QuestionFactory(bank__topic=topic) for _ in range(count)]


def test_a_learner_who_studied_yesterday_sees_nothing_reviewed_today_and_every_new_card(
    client, user
):
    settings = study_settings(user)
    settings.new_per_day = 2
    settings.save()
    review(user, card(user, QuestionFactory()), NOW - timedelta(days=1))
    QuestionFactory.create_batch(3)  # never started: more than the day's 2 new cards
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/progress/").content.decode()
    assert '<span class="stat-value">0</span><span class="stat-label">reviewed today' in html
    assert '<span class="stat-value">2</span><span class="stat-label">new available' in html
    figures = selectors.summary(user, study_settings(user), NOW, {})
    assert (figures.reviewed_today, figures.new_available, figures.streak) == (0, 2, 0)


def test_a_day_whose_summary_holds_no_reviews_is_not_a_day_studied(user):
    settings = study_settings(user)
    review(user, card(user, QuestionFactory()), NOW - timedelta(days=2))
    DailyReviewSummary.objects.create(user=user, day=date(2026, 6, 14), reviews=0)
    assert selectors.review_days(user, settings, NOW) == {date(2026, 6, 13): 1}


def test_a_topic_the_learner_never_started_is_all_new(user):
    started, untouched = TopicFactory(position=0), TopicFactory(position=1)
    card(user, questions_of(started, 1)[0], stability=30)
    questions_of(untouched, 2)
    rows = selectors.topic_mastery(user, study_settings(user), NOW)
    assert [(row.topic, row.new, row.learning, row.young, row.mature) for row in rows] == [
        (untouched, 2, 0, 0, 0),
        (started, 0, 0, 0, 1),
    ]
    assert [s.count for s in rows[0].segments] == [0, 0, 0, 2]  # mature, young, learning, new


def test_a_topic_without_questions_is_left_out_and_the_topics_after_it_kept(user):
    TopicFactory(position=0)  # no question in study
    retired = TopicFactory(position=1)
    QuestionFactory(bank__topic=retired, is_retired=True)
    later = TopicFactory(position=2)
    questions_of(later, 1)
    rows = selectors.topic_mastery(user, study_settings(user), NOW)
    assert [(row.topic, row.total) for row in rows] == [(later, 1)]


def test_mastery_says_which_topics_the_learner_added_to_their_reviews(user):
    topics = [TopicFactory(position=i) for i in range(3)]
    for topic in topics:
        questions_of(topic, 1)
    settings = study_settings(user)
    settings.added_topics.add(topics[0], topics[2])  # not two neighbours: ids cannot line up
    rows = selectors.topic_mastery(user, study_settings(user), NOW)
    assert [(row.topic, row.is_added) for row in rows] == [
        (topics[0], True),
        (topics[1], False),
        (topics[2], True),
    ]


def test_mastery_reads_settings_without_the_content_version(user):
    """Settings read as a plain row (not through `study_settings`) carry no content version:
    the topics are then counted afresh, with the same figures."""
    topic = TopicFactory()
    card(user, questions_of(topic, 3)[0], state=CardState.State.LEARNING)
    study_settings(user)  # creates the row
    plain = StudySettings.objects.get(user=user)
    assert not hasattr(plain, "content_version")
    [row] = selectors.topic_mastery(user, plain, NOW)
    assert (row.topic, row.new, row.learning, row.young, row.mature) == (topic, 2, 1, 0, 0)

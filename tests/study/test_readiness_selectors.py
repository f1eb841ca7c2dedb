"""What readiness reads of learners (four queries for any number), and queueing cards now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.study import scheduling
from studyapp.study.models import CardState
from studyapp.study.readiness_selectors import learners, prediction, timed_reviews
from studyapp.study.selectors import study_settings
from studyapp.study.services import queue_now
from tests.factories import QuestionFactory, TopicFactory, UserFactory
from tests.readiness_data import first_try, log_reviews, many_reviews, studied_card

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_learners_reads_memories_first_tries_reviews_and_parameters():
    user, other = UserFactory(), UserFactory()
    topic = TopicFactory()
    asked = [QuestionFactory(topic=topic, bank__topic=topic, difficulty=d) for d in (1, 2, 2, 3)]
    elsewhere = QuestionFactory()
    studied_card(user, asked[0], stability=12.0, last_review=NOW - timedelta(days=2))
    first_try(user, asked[1], right=True, at=NOW - timedelta(days=9))
    first_try(user, asked[2], right=False, at=NOW - timedelta(days=8))
    card = first_try(user, elsewhere, right=True, at=NOW - timedelta(days=7))
    log_reviews(user, card, [NOW - timedelta(days=1)], rating=scheduling.AGAIN)  # not a first try
    CardState.objects.create(user=user, question=asked[3], due=NOW)  # shown, never rated: new
    studied_card(other, asked[0], stability=1.0, last_review=NOW)
    settings = study_settings(user)
    settings.parameters = list(scheduling.DEFAULT_PARAMETERS[:20]) + [0.3]
    settings.desired_retention = 0.85
    settings.save()
    records = learners([user.pk, other.pk], [q.pk for q in asked])
    mine = records[user.pk]
    assert set(mine.memories) == {asked[0].pk, asked[1].pk, asked[2].pk}  # not the new card
    assert mine.memories[asked[0].pk].stability == 12.0
    assert mine.first_tries == {
        (topic.pk, 2): (2, 1),
        (elsewhere.topic_id, elsewhere.difficulty): (1, 1),
    }
    assert mine.review_count == 4
    assert mine.parameters[20] == 0.3 and mine.desired_retention == 0.85
    theirs = records[other.pk]
    assert set(theirs.memories) == {asked[0].pk} and theirs.review_count == 0
    assert theirs.parameters is None and theirs.desired_retention == 0.9


@pytest.mark.slow
@pytest.mark.parametrize("size", [2, 40])
def test_learners_runs_four_queries_whatever_the_numbers(size, django_assert_num_queries):
    users = [UserFactory() for _ in range(size // 2 + 1)]
    questions = [QuestionFactory() for _ in range(size)]
    for user in users:
        for question in questions[::2]:
            first_try(user, question, right=True, at=NOW - timedelta(days=3))
    with django_assert_num_queries(4):
        records = learners([u.pk for u in users], [q.pk for q in questions])
    assert all(len(r.memories) == len(questions[::2]) for r in records.values())


def test_prediction_needs_the_minimum_of_reviews():
    user = UserFactory()
    question = QuestionFactory()
    card = studied_card(user, question, stability=5.0, last_review=NOW - timedelta(days=1))
    from studyapp.study.readiness import MINIMUM_REVIEWS, QuestionInfo

    info = [QuestionInfo(question.pk, question.topic_id, question.difficulty)]
    many_reviews(user, card, MINIMUM_REVIEWS - 1, before=NOW)
    assert prediction(user.pk, info, 50, NOW) is None
    many_reviews(user, card, 1, before=NOW - timedelta(days=60))
    kept = prediction(user.pk, info, 50, NOW)
    assert kept is not None and 0.9 < kept.chances[question.pk] < 1


def test_timed_reviews_are_the_latest_with_a_duration():
    user = UserFactory()
    card = studied_card(user, QuestionFactory(type="single", truth=None), stability=3.0,
                        last_review=NOW)  # fmt: skip
    log_reviews(user, card, [NOW - timedelta(days=1)], duration_ms=0)
    log_reviews(user, card, [NOW - timedelta(days=2)], duration_ms=30_000)
    assert timed_reviews(user) == [("single", 30_000)]


def test_queue_now_makes_cards_due_and_starts_new_ones_once():
    user = UserFactory()
    studied = QuestionFactory()
    shown = QuestionFactory()
    never = QuestionFactory()
    suspended = QuestionFactory()
    retired = QuestionFactory(is_retired=True)
    card = studied_card(user, studied, stability=30.0, last_review=NOW - timedelta(days=1))
    CardState.objects.create(user=user, question=shown, due=NOW + timedelta(days=1))
    CardState.objects.create(user=user, question=suspended, due=NOW, is_suspended=True, state=2,
                             stability=4.0, last_review=NOW)  # fmt: skip
    ids = [q.pk for q in (studied, shown, never, suspended, retired)]
    assert queue_now(user_id=user.pk, question_ids=ids, now=NOW) == 3
    cards = {c.question_id: c for c in CardState.objects.filter(user=user)}
    assert cards[studied.pk].due == NOW and cards[studied.pk].state == scheduling.REVIEW
    assert cards[studied.pk].version == card.version + 1
    assert cards[shown.pk].state == scheduling.LEARNING and cards[shown.pk].due == NOW
    assert cards[never.pk].state == scheduling.LEARNING and cards[never.pk].step == 0
    assert cards[suspended.pk].is_suspended and retired.pk not in cards
    assert queue_now(user_id=user.pk, question_ids=ids, now=NOW) == 3
    assert CardState.objects.filter(user=user).count() == 4

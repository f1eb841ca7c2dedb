"""The study queue's reads a learner could see go wrong, found by `make mutate` in
study/selectors.py: the next learning card and the new counts are the learner's own, a retired
question's card waits for no one, a suspended card is not new, and a learner who studies topic by
topic gets their counts (the equivalent survivors are in bench/mutation_notes.toml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.study import selectors
from studyapp.study.models import CardState, StudySettings
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NEW, LEARNING = CardState.State.NEW, CardState.State.LEARNING


def card(user, question, *, state=LEARNING, due=NOW, **fields):
    return CardState.objects.create(user=user, question=question, state=state, due=due, **fields)


def test_the_next_learning_card_later_today_is_the_learner_s_own(user):
    other = UserFactory()
    card(other, QuestionFactory(), due=NOW + timedelta(minutes=5))
    settings = selectors.study_settings(user)
    assert selectors.next_learning_due(user, settings, NOW) is None
    card(user, QuestionFactory(), due=NOW + timedelta(minutes=30))
    assert selectors.next_learning_due(user, settings, NOW) == NOW + timedelta(minutes=30)


def test_a_retired_question_s_learning_card_is_not_waited_for(user):
    card(user, QuestionFactory(is_retired=True), due=NOW + timedelta(minutes=5))
    settings = selectors.study_settings(user)
    assert selectors.next_learning_due(user, settings, NOW) is None


def test_another_learner_starting_a_question_leaves_it_new_for_this_one(user):
    topic = TopicFactory()
    question = QuestionFactory(topic=topic)
    card(UserFactory(), question)  # started by someone else
    settings = selectors.study_settings(user)
    assert selectors.new_in_topic(user, settings, topic, NOW) == 1
    assert selectors.new_available(user, settings, NOW, new_today=0) == 1


def test_a_suspended_card_is_not_new_and_a_card_only_shown_still_is(user):
    topic = TopicFactory()
    suspended, shown = QuestionFactory(topic=topic), QuestionFactory(topic=topic)
    card(user, suspended, state=NEW, is_suspended=True)
    settings = selectors.study_settings(user)
    assert selectors.new_in_topic(user, settings, topic, NOW) == 1  # `shown`, no card yet
    card(user, shown, state=NEW)  # shown, never rated
    assert selectors.new_in_topic(user, settings, topic, NOW) == 1
    assert selectors.new_available(user, settings, NOW, new_today=0) == 1


def test_a_learner_who_studies_topic_by_topic_gets_the_same_new_counts(user):
    topic = TopicFactory()
    for _ in range(3):
        QuestionFactory(topic=topic)
    QuestionFactory()  # another topic
    StudySettings.objects.create(user=user, new_card_order=StudySettings.NewCardOrder.TOPIC)
    settings = selectors.study_settings(user)
    assert settings.new_card_order == StudySettings.NewCardOrder.TOPIC
    assert selectors.new_in_topic(user, settings, topic, NOW) == 3
    assert selectors.new_available(user, settings, NOW, new_today=18) == 2  # 20 a day

"""The study queue's edges through its selectors: what counts as due, learning later today, new in
a topic, and the topics a learner chose or added. Written for the mutation run (`make mutate`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.study import selectors
from studyapp.study.models import CardState, StudySettings
from tests.factories import QuestionFactory, TopicFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
NEW, LEARNING, REVIEW = CardState.State.NEW, CardState.State.LEARNING, CardState.State.REVIEW


def card(user, question=None, *, state=LEARNING, due=NOW, **fields):
    return CardState.objects.create(
        user=user, question=question or QuestionFactory(), state=state, due=due, **fields
    )


def test_a_learner_starts_with_default_settings_and_no_limits(user):
    settings = selectors.study_settings(user)
    assert StudySettings.objects.filter(user=user).count() == 1
    assert (settings.limits_topics, settings.limits_banks, settings.has_added_topics) == (
        False,
        False,
        False,
    )
    settings.topics.add(TopicFactory())
    again = selectors.study_settings(user)
    assert again.pk == settings.pk
    assert (again.limits_topics, again.limits_banks, again.has_added_topics) == (True, False, False)


def test_the_next_learning_card_later_today_is_the_earliest_one_still_to_come(user):
    settings = selectors.study_settings(user)
    assert selectors.next_learning_due(user, settings, NOW) is None
    card(user, due=NOW)  # due already: not "later"
    card(user, due=NOW + timedelta(minutes=1), is_suspended=True)
    card(user, due=NOW + timedelta(minutes=2), buried_until=NOW + timedelta(hours=1))
    card(user, state=REVIEW, due=NOW + timedelta(minutes=3))  # reviews wait for tomorrow
    card(user, due=NOW + timedelta(minutes=20))
    card(user, state=CardState.State.RELEARNING, due=NOW + timedelta(minutes=10))
    assert selectors.next_learning_due(user, settings, NOW) == NOW + timedelta(minutes=10)


def test_new_in_a_topic_counts_what_the_learner_has_not_started(user):
    settings = selectors.study_settings(user)
    topic, other = TopicFactory(), TopicFactory()
    questions = [QuestionFactory(topic=topic) for _ in range(5)]
    QuestionFactory(topic=other)
    QuestionFactory(topic=topic, is_retired=True)
    card(user, questions[0], state=NEW)  # shown, never rated: still new
    card(user, questions[1], state=LEARNING)
    card(user, questions[2], state=NEW, is_suspended=True)
    card(user, questions[3], state=NEW, buried_until=NOW + timedelta(hours=2))
    assert selectors.new_in_topic(user, settings, topic, NOW) == 2
    assert selectors.new_in_topic(user, settings, other, NOW) == 1


def test_queue_counts_leave_out_suspended_buried_and_retired_cards(user):
    settings = selectors.study_settings(user)
    card(user)
    card(user, is_suspended=True)
    card(user, buried_until=NOW + timedelta(hours=1))
    card(user, buried_until=NOW - timedelta(hours=1))  # the bury is over
    card(user, QuestionFactory(is_retired=True))
    card(user, due=NOW + timedelta(seconds=1))  # not due yet
    card(user, state=REVIEW, due=NOW)
    counts = selectors.queue_counts(user, settings, NOW)
    assert (counts.learning, counts.review, counts.new) == (2, 1, 0)
    assert counts.total == 3


def test_reviews_left_today_are_the_daily_limit_less_those_done(user):
    settings = selectors.study_settings(user)
    settings.reviews_per_day = 3
    for _ in range(5):
        card(user, state=REVIEW, due=NOW - timedelta(days=1))
    today = selectors.TodayCounts(reviews=1, new=0, answers=1)
    assert selectors.queue_counts(user, settings, NOW, today).review == 2
    done = selectors.TodayCounts(reviews=4, new=0, answers=4)
    assert selectors.queue_counts(user, settings, NOW, done).review == 0
    question, _ = selectors.next_card(user, settings, NOW, done)
    assert question is None


def test_new_questions_left_today_are_the_daily_limit_less_those_started(user):
    settings = selectors.study_settings(user)
    settings.new_per_day = 3
    for _ in range(5):
        QuestionFactory()
    assert selectors.new_available(user, settings, NOW, new_today=1) == 2
    assert selectors.new_available(user, settings, NOW, new_today=3) == 0
    assert selectors.new_available(user, settings, NOW, new_today=7) == 0
    question, _ = selectors.next_card(
        user, settings, NOW, selectors.TodayCounts(reviews=0, new=3, answers=3)
    )
    assert question is None


def test_chosen_topics_limit_study_and_an_added_topic_joins_them(user):
    settings = selectors.study_settings(user)
    chosen, added, other = TopicFactory(), TopicFactory(), TopicFactory()
    in_chosen, in_added, in_other = (QuestionFactory(topic=t) for t in (chosen, added, other))
    settings.topics.add(chosen)
    scoped = selectors.study_settings(user)
    assert set(selectors.questions_in_scope(scoped)) == {in_chosen}
    settings.added_topics.add(added)
    scoped = selectors.study_settings(user)
    assert set(selectors.questions_in_scope(scoped)) == {in_chosen, in_added}
    assert in_other not in selectors.questions_in_scope(scoped)


def test_todays_counts_start_at_the_learners_4am(user):
    from studyapp.study.models import Answer, ReviewLog

    settings = selectors.study_settings(user)
    reviewed = card(user, state=REVIEW)
    for at, state_before in (
        (datetime(2026, 5, 4, 4, 0, tzinfo=UTC), REVIEW),
        (datetime(2026, 5, 4, 5, 0, tzinfo=UTC), NEW),
        (datetime(2026, 5, 4, 6, 0, tzinfo=UTC), LEARNING),
        (datetime(2026, 5, 4, 3, 59, tzinfo=UTC), REVIEW),  # yesterday's study day
    ):
        answer = Answer.objects.create(
            user=user, card=reviewed, card_version=at.hour * 60 + at.minute, created_at=at
        )
        ReviewLog.objects.create(
            user=user, card=reviewed, answer=answer, rating=3, state_before=state_before,
            reviewed_at=at, duration_ms=1000, card_before={},
        )  # fmt: skip
    assert selectors.today_counts(user, settings, NOW) == (1, 1, 3)

"""The study selectors' scope, counts and question reads, each pinned where a mutant of
studyapp/study/selectors.py showed it untested (the equivalent mutants are explained in
bench/mutation_notes.toml).

Several of these read plain SQL whose column names PostgreSQL matches by case and SQLite does
not: run them on both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.study import selectors
from studyapp.study.models import CardState, StudySettings
from tests.factories import BankFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)


def review_card(user, question, *, due=NOW - timedelta(hours=1), **fields):
    """A started card of the learner's, in review, due at `due`."""
    return CardState.objects.create(user=user, question=question, state=2, stability=5,
                                    difficulty=5, due=due, last_review=due - timedelta(days=3),
                                    **fields)  # fmt: skip


def test_choosing_topics_and_banks_keeps_the_questions_in_both():
    user = UserFactory()
    chosen_topic, other_topic = TopicFactory(), TopicFactory()
    chosen_bank = BankFactory(topic=chosen_topic)
    other_bank = BankFactory(topic=chosen_topic)
    both = QuestionFactory(bank=chosen_bank, position=2)
    topic_only = QuestionFactory(bank=other_bank, position=0)
    bank_only = QuestionFactory(bank=chosen_bank, topic=other_topic, position=1)
    stored = StudySettings.objects.create(user=user)
    stored.topics.add(chosen_topic)
    stored.banks.add(chosen_bank)
    settings = selectors.study_settings(user, NOW)
    assert settings.limits_topics and settings.limits_banks

    assert list(selectors.questions_in_scope(settings)) == [both]
    question, card = selectors.next_card(user, settings, NOW)
    assert question == both and card is None
    assert selectors.queue_counts(user, settings, NOW).new == 1
    for question in (both, topic_only, bank_only):
        review_card(user, question, due=NOW + timedelta(hours=1))
    assert selectors.cards_due_before(user, settings, NOW, TOMORROW, 10) == 1


def test_choosing_banks_alone_keeps_their_questions():
    user = UserFactory()
    chosen, other = BankFactory(), BankFactory()
    questions = [QuestionFactory(bank=chosen, position=i) for i in range(2)]
    elsewhere = QuestionFactory(bank=other, position=0)
    stored = StudySettings.objects.create(user=user)
    stored.banks.add(chosen)
    settings = selectors.study_settings(user, NOW)
    assert settings.limits_banks and not settings.limits_topics

    assert list(selectors.questions_in_scope(settings).order_by("pk")) == questions
    assert selectors.new_available(user, settings, NOW, new_today=0) == 2
    assert selectors.new_in_topic(user, settings, chosen.topic, NOW) == 2
    assert selectors.new_in_topic(user, settings, other.topic, NOW) == 0
    review_card(user, elsewhere)
    review_card(user, questions[0])
    assert selectors.queue_counts(user, settings, NOW).review == 1
    assert selectors.cards_due_before(user, settings, NOW, TOMORROW, 10) == 1
    question, card = selectors.next_card(user, settings, NOW)
    assert question == questions[0] and card.question_id == questions[0].pk


def test_a_topic_added_to_the_reviews_counts_beside_the_chosen_topics():
    user = UserFactory()
    chosen, added, other = TopicFactory(), TopicFactory(), TopicFactory()
    in_chosen = QuestionFactory(bank__topic=chosen, position=0)
    in_added = QuestionFactory(bank__topic=added, position=5)
    QuestionFactory(bank__topic=other, position=0)
    stored = StudySettings.objects.create(user=user)
    stored.topics.add(chosen)
    stored.added_topics.add(added)
    settings = selectors.study_settings(user, NOW)
    assert settings.limits_topics and settings.has_added_topics

    question, card = selectors.next_card(user, settings, NOW)
    assert question == in_added and card is None  # the added topic's new questions first
    assert selectors.queue_counts(user, settings, NOW).new == 2
    review_card(user, in_chosen, due=NOW + timedelta(hours=1))
    review_card(user, in_added, due=NOW + timedelta(hours=2))
    assert selectors.cards_due_before(user, settings, NOW, TOMORROW, 10) == 2


def test_cards_due_before_leaves_out_suspended_retired_and_restricted():
    user = UserFactory()
    StudySettings.objects.create(user=user)
    settings = selectors.study_settings(user, NOW)
    later = NOW + timedelta(hours=3)
    review_card(user, QuestionFactory(), due=later)
    review_card(user, QuestionFactory(), due=later, is_suspended=True)
    review_card(user, QuestionFactory(is_retired=True), due=later)
    review_card(user, QuestionFactory(bank__is_restricted=True), due=later)
    assert selectors.cards_due_before(user, settings, NOW, TOMORROW, 10) == 1


@pytest.mark.parametrize(
    ("order", "first"),
    [(StudySettings.NewCardOrder.TOPIC, "by_topic"), (StudySettings.NewCardOrder.MIXED, "mixed")],
)
def test_new_cards_come_in_the_order_chosen(order, first):
    user = UserFactory()
    questions = {
        "by_topic": QuestionFactory(study_order=1, interleaved_order=2),
        "mixed": QuestionFactory(study_order=2, interleaved_order=1),
    }
    StudySettings.objects.create(user=user, new_card_order=order)
    settings = selectors.study_settings(user, NOW)
    question, card = selectors.next_card(user, settings, NOW)
    assert question == questions[first] and card is None


def test_next_card_takes_settings_that_carry_no_content_version():
    # Settings read by the ORM, with the scope's flags but not the content version: the
    # question is read at the version read then.
    user = UserFactory()
    question = QuestionFactory()
    settings = StudySettings.objects.create(user=user)
    settings.limits_topics = settings.limits_banks = settings.has_added_topics = False
    shown, card = selectors.next_card(user, settings, NOW)
    assert shown == question and card is None


def test_a_question_read_without_a_version_comes_from_the_cache(django_assert_num_queries):
    question = QuestionFactory()
    first = selectors.question_for_study(question.pk)
    with django_assert_num_queries(1):  # the content version, then the cache
        again = selectors.question_for_study(question.pk)
    assert again is first and again == question

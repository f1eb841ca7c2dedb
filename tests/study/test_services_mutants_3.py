"""What "I was right", queue now, bury, suspend and the added topics change, and only that
(mutation testing of study/services.py: override_answer, queue_now, bury, set_suspended,
add_topic_to_reviews and remove_topic_from_reviews)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.study import scheduling, selectors, services
from studyapp.study.models import Answer, CardState, StudySettings
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


def typed_question():
    return QuestionFactory(type="short", truth=None, answers=["endpoints"])


def answer(user, settings, question, text, *, now=NOW) -> Answer:
    card = CardState.objects.filter(user=user, question=question).first()
    return services.submit_answer(
        user=user,
        settings=settings,
        question=question,
        card_version=card.version if card else 0,
        response=[text],
        duration_ms=1000,
        now=now,
    )


def refusal(**kwargs) -> str:
    with pytest.raises(services.StudyError) as error:
        services.override_answer(**kwargs)
    return str(error.value)


# "I was right" ---------------------------------------------------------------------------------


def test_i_was_right_marks_that_answer_and_no_other_of_the_learner(user, settings_of):
    first = answer(user, settings_of, typed_question(), "services")
    second = answer(user, settings_of, typed_question(), "pods")
    assert first.can_override and second.can_override

    result = services.override_answer(user=user, answer_id=second.pk)

    assert result.pk == second.pk and result.is_overridden
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_overridden and not first.is_overridden


def test_i_was_right_reads_the_answer_and_its_card_in_one_query(
    user, settings_of, django_assert_num_queries
):
    given = answer(user, settings_of, typed_question(), "services")
    # The savepoint, the answer with its card (locked together), "already rated?", the update,
    # the release: the card is not read again on its own.
    with django_assert_num_queries(5):
        services.override_answer(user=user, answer_id=given.pk)


def test_i_was_right_on_an_answer_that_is_not_yours_or_does_not_exist(user, settings_of):
    given = answer(user, settings_of, typed_question(), "services")
    expected = "That answer does not exist."
    assert refusal(user=UserFactory(), answer_id=given.pk) == expected
    assert refusal(user=user, answer_id=given.pk + 1000) == expected


def test_i_was_right_after_rating_says_to_undo_first(user, settings_of):
    given = answer(user, settings_of, typed_question(), "services")
    services.rate_answer(
        user=user, settings=settings_of, answer_id=given.pk, rating=scheduling.AGAIN, now=NOW
    )
    assert refusal(user=user, answer_id=given.pk) == (
        "This answer was already rated: undo the review to change it."
    )
    given.refresh_from_db()
    assert not given.is_overridden


def test_i_was_right_on_a_card_changed_in_another_tab_says_so(user, settings_of):
    question = typed_question()
    given = answer(user, settings_of, question, "services")
    services.bury(user=user, settings=settings_of, question=question, now=NOW)  # another tab
    assert refusal(user=user, answer_id=given.pk) == services.STALE_MESSAGE
    given.refresh_from_db()
    assert not given.is_overridden


def test_i_was_right_on_a_true_false_answer_is_refused(user, settings_of):
    given = answer(user, settings_of, QuestionFactory(truth=True), "false")
    assert given.is_correct is False
    assert refusal(user=user, answer_id=given.pk) == (
        "Only a typed answer graded wrong can be marked right."
    )


# Queue now -------------------------------------------------------------------------------------


def test_queue_now_touches_only_this_learner_s_cards_of_these_questions(user):
    queued, other = QuestionFactory(), QuestionFactory()
    someone = UserFactory()
    theirs = CardState.objects.create(user=someone, question=queued, state=2, due=LATER)
    mine = CardState.objects.create(user=user, question=other, state=2, due=LATER)

    assert services.queue_now(user_id=user.pk, question_ids=[queued.pk], now=NOW) == 1

    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.due, theirs.version) == (LATER, 0)
    assert (mine.due, mine.version) == (LATER, 0)
    card = CardState.objects.get(user=user, question=queued)
    assert card.due == NOW and card.state == CardState.State.LEARNING


def test_queue_now_counts_the_questions_made_due_leaving_out_suspended_cards(user):
    kept, suspended = QuestionFactory(), QuestionFactory()
    for question in QuestionFactory.create_batch(3):  # card ids other than the questions' ids
        CardState.objects.create(user=UserFactory(), question=question, due=NOW)
    card = CardState.objects.create(
        user=user, question=suspended, state=2, due=LATER, is_suspended=True
    )
    assert card.pk not in (kept.pk, suspended.pk)

    count = services.queue_now(user_id=user.pk, question_ids=[kept.pk, suspended.pk], now=NOW)

    assert count == 1
    card.refresh_from_db()
    assert card.due == LATER and card.is_suspended


def test_a_card_only_shown_is_queued_as_if_never_shown(user, settings_of):
    shown, never = QuestionFactory(), QuestionFactory()
    answer(user, settings_of, shown, "true")  # shown and answered, never rated: still new
    assert CardState.objects.get(question=shown).state == CardState.State.NEW

    services.queue_now(user_id=user.pk, question_ids=[shown.pk, never.pk], now=NOW)

    cards = {card.question_id: card for card in CardState.objects.filter(user=user)}
    assert (cards[shown.pk].state, cards[shown.pk].step) == (CardState.State.LEARNING, 0)
    assert (cards[never.pk].state, cards[never.pk].step) == (CardState.State.LEARNING, 0)


def test_a_suspended_new_card_stays_new_when_queued(user):
    question = QuestionFactory()
    services.set_suspended(user=user, question=question, suspended=True, now=NOW)

    assert services.queue_now(user_id=user.pk, question_ids=[question.pk], now=NOW) == 0

    card = CardState.objects.get()
    assert card.state == CardState.State.NEW and card.step is None and card.is_suspended


def test_a_buried_card_queued_now_is_studied_now(user, settings_of):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=5, difficulty=5,
                             due=LATER, last_review=NOW - timedelta(days=5), reps=2)  # fmt: skip
    services.bury(user=user, settings=settings_of, question=question, now=NOW)
    assert selectors.next_card(user, settings_of, NOW)[0] is None

    services.queue_now(user_id=user.pk, question_ids=[question.pk], now=NOW)

    assert CardState.objects.get().buried_until is None
    assert selectors.next_card(user, settings_of, NOW)[0] == question


# Bury and suspend ------------------------------------------------------------------------------


def test_burying_makes_an_answer_shown_before_it_stale(user, settings_of):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=5, difficulty=5,
                             due=NOW, last_review=NOW - timedelta(days=5), reps=2, version=1)  # fmt: skip
    shown = answer(user, settings_of, question, "true")  # at version 1
    services.bury(user=user, settings=settings_of, question=question, now=NOW)  # another tab
    assert CardState.objects.get().version == 2  # one change, one version
    with pytest.raises(services.StudyError, match="changed in another tab"):
        services.rate_answer(
            user=user, settings=settings_of, answer_id=shown.pk, rating=scheduling.GOOD, now=NOW
        )


@pytest.mark.parametrize("suspended", [True, False])
def test_suspending_makes_an_answer_shown_before_it_stale(user, settings_of, suspended):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=5, difficulty=5,
                             due=NOW, last_review=NOW - timedelta(days=5), reps=2, version=1,
                             is_suspended=not suspended)  # fmt: skip
    shown = answer(user, settings_of, question, "true")  # at version 1
    services.set_suspended(user=user, question=question, suspended=suspended, now=NOW)
    assert CardState.objects.get().version == 2  # one change, one version
    with pytest.raises(services.StudyError, match="changed in another tab"):
        services.rate_answer(
            user=user, settings=settings_of, answer_id=shown.pk, rating=scheduling.GOOD, now=NOW
        )


def test_unsuspending_a_leech_clears_it_and_suspending_keeps_it(user, settings_of):
    leech, other = QuestionFactory(), QuestionFactory()
    CardState.objects.create(user=user, question=leech, state=2, due=NOW, lapses=8,
                             is_leech=True, is_suspended=True)  # fmt: skip
    CardState.objects.create(user=user, question=other, state=2, due=NOW, lapses=8, is_leech=True)

    unsuspended = services.set_suspended(user=user, question=leech, suspended=False, now=NOW)
    suspended = services.set_suspended(user=user, question=other, suspended=True, now=NOW)

    assert not unsuspended.is_suspended and not unsuspended.is_leech
    assert suspended.is_suspended and suspended.is_leech
    assert not CardState.objects.get(question=leech).is_leech
    assert CardState.objects.get(question=other).is_leech


# Added topics ----------------------------------------------------------------------------------


def added_topics(user) -> set[int]:
    return set(StudySettings.objects.get(user=user).added_topics.values_list("pk", flat=True))


def test_removing_a_topic_takes_out_only_that_topic_for_only_that_learner(user):
    kubectl, storage = TopicFactory(), TopicFactory()
    someone = UserFactory()
    for learner in (user, someone):
        for topic in (kubectl, storage):
            assert services.add_topic_to_reviews(user=learner, topic=topic)

    assert services.remove_topic_from_reviews(user=user, topic=kubectl)
    assert not services.remove_topic_from_reviews(user=user, topic=kubectl)

    assert added_topics(user) == {storage.pk}
    assert added_topics(someone) == {kubectl.pk, storage.pk}

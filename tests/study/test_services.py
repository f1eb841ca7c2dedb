"""Study services on the real database: queue, limits, idempotency, undo, leech, suspend, bury."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from studyapp.study import scheduling, selectors, services
from studyapp.study.models import Answer, CardState, ReviewLog
from tests.factories import ChoiceFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def answer_and_rate(user, settings, question, *, correct=True, rating=None, now=NOW):
    card = CardState.objects.filter(user=user, question=question).first()
    answer = services.submit_answer(
        user=user,
        settings=settings,
        question=question,
        card_version=card.version if card else 0,
        response=["true" if correct == question.truth else "false"],
        duration_ms=1500,
        now=now,
    )
    rating = rating or (scheduling.GOOD if answer.is_correct else scheduling.AGAIN)
    return services.rate_answer(
        user=user, settings=settings, answer_id=answer.pk, rating=rating, now=now
    )


def test_new_questions_come_in_file_order_until_the_daily_new_limit(user, settings_of):
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic, bank__topic=topic, position=i) for i in range(5)]
    settings_of.new_per_day = 3
    settings_of.save()
    seen = []
    for _ in range(5):
        question, card = selectors.next_card(user, settings_of, NOW)
        if question is None:
            break
        assert card is None
        seen.append(question)
        answer_and_rate(user, settings_of, question, rating=scheduling.EASY)
    assert [q.pk for q in seen] == [q.pk for q in questions[:3]]
    assert selectors.queue_counts(user, settings_of, NOW).new == 0


def test_learning_cards_come_before_reviews_and_reviews_before_new(user, settings_of):
    review_q, learning_q, new_q = (QuestionFactory() for _ in range(3))
    CardState.objects.create(user=user, question=review_q, state=2, stability=10, difficulty=5,
                             due=NOW - timedelta(days=2), last_review=NOW - timedelta(days=12))  # fmt: skip
    CardState.objects.create(user=user, question=learning_q, state=1, step=1, stability=1,
                             difficulty=5, due=NOW - timedelta(minutes=1), last_review=NOW)  # fmt: skip
    assert selectors.next_card(user, settings_of, NOW)[0] == learning_q
    CardState.objects.filter(question=learning_q).update(due=NOW + timedelta(minutes=5))
    assert selectors.next_card(user, settings_of, NOW)[0] == review_q
    CardState.objects.filter(question=review_q).update(due=NOW + timedelta(days=1))
    assert selectors.next_card(user, settings_of, NOW)[0] == new_q


def test_daily_review_limit(user, settings_of):
    settings_of.reviews_per_day = 1
    settings_of.new_per_day = 0
    settings_of.save()
    for question in [QuestionFactory(), QuestionFactory()]:
        CardState.objects.create(user=user, question=question, state=2, stability=10,
                                 difficulty=5, due=NOW - timedelta(days=1),
                                 last_review=NOW - timedelta(days=11))  # fmt: skip
    question, _ = selectors.next_card(user, settings_of, NOW)
    answer_and_rate(user, settings_of, question)
    assert selectors.next_card(user, settings_of, NOW) == (None, None)


def test_the_study_day_starts_at_4am_local(user, settings_of):
    settings_of.time_zone = "Europe/Berlin"
    settings_of.new_per_day = 1
    settings_of.save()
    first, second = QuestionFactory(position=0), QuestionFactory(position=1)
    late_evening = datetime(2026, 5, 4, 1, 30, tzinfo=UTC)  # 03:30 in Berlin: still May 3rd
    answer_and_rate(user, settings_of, first, rating=scheduling.EASY, now=late_evening)
    assert selectors.next_card(user, settings_of, late_evening + timedelta(minutes=20))[0] is None
    after_four = datetime(2026, 5, 4, 2, 1, tzinfo=UTC)  # 04:01 in Berlin: a new day
    assert selectors.next_card(user, settings_of, after_four)[0] == second


def test_topic_restriction_and_retired_questions(user, settings_of):
    kept, other = TopicFactory(), TopicFactory()
    QuestionFactory(topic=other, bank__topic=other)
    retired = QuestionFactory(topic=kept, bank__topic=kept, is_retired=True, position=0)
    wanted = QuestionFactory(topic=kept, bank__topic=kept, position=1)
    settings_of.topics.set([kept])
    settings = selectors.study_settings(user)  # read again, as the next request does
    assert selectors.next_card(user, settings, NOW)[0] == wanted
    CardState.objects.create(user=user, question=retired, state=2, due=NOW - timedelta(days=1),
                             stability=3, difficulty=5, last_review=NOW - timedelta(days=4))  # fmt: skip
    assert selectors.next_card(user, settings, NOW)[0] == wanted


def test_double_submit_records_one_review(user, settings_of):
    question = QuestionFactory()
    first = services.submit_answer(user=user, settings=settings_of, question=question,
                                   card_version=0, response=["true"], duration_ms=900, now=NOW)  # fmt: skip
    again = services.submit_answer(user=user, settings=settings_of, question=question,
                                   card_version=0, response=["false"], duration_ms=5, now=NOW)  # fmt: skip
    assert first.pk == again.pk and Answer.objects.count() == 1
    results = [
        services.rate_answer(
            user=user, settings=settings_of, answer_id=first.pk, rating=scheduling.GOOD, now=NOW
        )  # fmt: skip
        for _ in range(3)
    ]
    assert [r.already_recorded for r in results] == [False, True, True]
    assert ReviewLog.objects.count() == 1
    card = CardState.objects.get()
    assert card.version == 1 and card.reps == 1


def test_stale_tab_cannot_answer_a_card_that_moved_on(user, settings_of):
    question = QuestionFactory()
    answer_and_rate(user, settings_of, question)
    with pytest.raises(services.StudyError):
        services.submit_answer(user=user, settings=settings_of, question=question,
                               card_version=5, response=["true"], duration_ms=1, now=NOW)  # fmt: skip
    assert ReviewLog.objects.count() == 1


def test_applied_interval_is_exactly_the_one_shown(user, settings_of):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=30, difficulty=5,
                             due=NOW, last_review=NOW - timedelta(days=30), reps=4)  # fmt: skip
    answer = services.submit_answer(user=user, settings=settings_of, question=question,
                                    card_version=0, response=["true"], duration_ms=1, now=NOW)  # fmt: skip
    shown = scheduling.Memory.from_json(answer.outcomes[str(scheduling.EASY)]).due
    services.rate_answer(user=user, settings=settings_of, answer_id=answer.pk,
                         rating=scheduling.EASY, now=NOW + timedelta(seconds=30))  # fmt: skip
    assert CardState.objects.get().due == shown


def test_wrong_answer_can_only_be_rated_again(user, settings_of):
    question = QuestionFactory()
    answer = services.submit_answer(user=user, settings=settings_of, question=question,
                                    card_version=0, response=["false"], duration_ms=1, now=NOW)  # fmt: skip
    assert list(answer.outcomes) == [str(scheduling.AGAIN)]
    with pytest.raises(services.StudyError, match="can be rated Again"):
        services.rate_answer(user=user, settings=settings_of, answer_id=answer.pk,
                             rating=scheduling.EASY, now=NOW)  # fmt: skip
    assert not ReviewLog.objects.exists()


def test_undo_restores_the_exact_previous_state(user, settings_of):
    question = QuestionFactory()
    card = CardState.objects.create(user=user, question=question, state=2, stability=12.5,
                                    difficulty=6.25, due=NOW, last_review=NOW - timedelta(days=12),
                                    reps=3, lapses=1)  # fmt: skip
    before = card.snapshot()
    answer_and_rate(user, settings_of, question, rating=scheduling.EASY)
    assert CardState.objects.get().snapshot() != before
    services.undo_last_review(user=user)
    assert CardState.objects.get().snapshot() == before
    assert not ReviewLog.objects.exists()
    assert services.undo_last_review(user=user) is None


def test_a_card_lapsing_eight_times_becomes_a_suspended_leech(user, settings_of):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=5, difficulty=5,
                             due=NOW, last_review=NOW - timedelta(days=5), lapses=7)  # fmt: skip
    result = answer_and_rate(user, settings_of, question, correct=False)
    card = CardState.objects.get()
    assert result.became_leech and card.is_leech and card.is_suspended and card.lapses == 8
    assert selectors.next_card(user, settings_of, NOW + timedelta(days=30))[0] is None


def test_suspend_unsuspend_and_bury(user, settings_of):
    question = QuestionFactory()
    services.set_suspended(user=user, question=question, suspended=True, now=NOW)
    assert selectors.next_card(user, settings_of, NOW)[0] is None
    services.set_suspended(user=user, question=question, suspended=False, now=NOW)
    assert selectors.next_card(user, settings_of, NOW)[0] == question
    services.bury(user=user, settings=settings_of, question=question, now=NOW)
    assert selectors.next_card(user, settings_of, NOW + timedelta(hours=1))[0] is None
    tomorrow = scheduling.next_day_start(NOW, settings_of.time_zone) + timedelta(minutes=1)
    assert selectors.next_card(user, settings_of, tomorrow)[0] == question


def test_a_settings_change_applies_to_the_next_card(user, settings_of):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=20, difficulty=5,
                             due=NOW, last_review=NOW - timedelta(days=20), reps=3)  # fmt: skip
    low = services.submit_answer(user=user, settings=settings_of, question=question,
                                 card_version=0, response=["true"], duration_ms=1, now=NOW)  # fmt: skip
    Answer.objects.all().delete()
    settings_of.desired_retention = 0.97
    settings_of.save()
    high = services.submit_answer(user=user, settings=settings_of, question=question,
                                  card_version=0, response=["true"], duration_ms=1, now=NOW)  # fmt: skip
    good = str(scheduling.GOOD)
    low_due = scheduling.Memory.from_json(low.outcomes[good]).due
    high_due = scheduling.Memory.from_json(high.outcomes[good]).due
    assert high_due < low_due


def test_choice_question_graded_by_index(user, settings_of):
    choice = ChoiceFactory(is_correct=True)
    ChoiceFactory(question=choice.question)
    answer = services.submit_answer(user=user, settings=settings_of, question=choice.question,
                                    card_version=0, response=["0"], duration_ms=1, now=NOW)  # fmt: skip
    assert answer.is_correct


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ratings_record_one_review():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serializes writers (covered above)")
    user = UserFactory()
    settings = selectors.study_settings(user)
    question = QuestionFactory()
    answer = services.submit_answer(user=user, settings=settings, question=question,
                                    card_version=0, response=["true"], duration_ms=1, now=NOW)  # fmt: skip
    barrier = threading.Barrier(2)
    results, errors = [], []

    def rate():
        try:
            barrier.wait()
            results.append(services.rate_answer(user=user, settings=settings, answer_id=answer.pk,
                                                rating=scheduling.GOOD, now=NOW))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(r.already_recorded for r in results) == [False, True]
    assert ReviewLog.objects.count() == 1
    assert CardState.objects.get().version == 1


@time_machine.travel(NOW, tick=False)
def test_time_machine_freezes_the_queue_clock(user, settings_of):
    question = QuestionFactory()
    answer_and_rate(user, settings_of, question, correct=False)
    assert selectors.next_card(user, settings_of, NOW)[0] is None  # due in a minute
    assert selectors.next_card(user, settings_of, NOW + timedelta(minutes=2))[0] == question

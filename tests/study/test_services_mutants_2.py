"""Rating and undo rules the mutation run (`make mutate`) found untested: what a rating writes
(the card's last review, the review log's verdict, a first lapse that is no leech), the refusals
a learner reads, a repeated rating answered with the first one's review, and undo restoring a
learning card's step, a past bury and a version that moves on."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from studyapp.study import scheduling, selectors, services
from studyapp.study.models import Answer, CardState, ReviewLog
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def answer(user, settings, question, *, truth=True, self_graded=False, now=NOW) -> Answer:
    """Answer a true/false question (right when `truth` is its truth) at the card's version."""
    card = CardState.objects.filter(user=user, question=question).first()
    return services.submit_answer(
        user=user,
        settings=settings,
        question=question,
        card_version=card.version if card else 0,
        response=["true" if truth == question.truth else "false"],
        duration_ms=1500,
        now=now,
        self_graded=self_graded,
    )


def rate(user, settings, answered: Answer, rating: int, now=NOW) -> services.RatingResult:
    return services.rate_answer(
        user=user, settings=settings, answer_id=answered.pk, rating=rating, now=now
    )


def in_review(user, question, **fields) -> CardState:
    values = {"state": CardState.State.REVIEW, "stability": 10.0, "difficulty": 5.0, "due": NOW,
              "last_review": NOW - timedelta(days=10), "reps": 3} | fields  # fmt: skip
    return CardState.objects.create(user=user, question=question, **values)


# Rating ------------------------------------------------------------------------------------------


def test_a_rating_records_when_the_card_was_last_reviewed(user, settings_of):
    question = QuestionFactory()
    in_review(user, question)
    rate(user, settings_of, answer(user, settings_of, question), scheduling.GOOD, now=NOW)
    assert CardState.objects.get().last_review == NOW


def test_another_learners_answer_does_not_exist(user, settings_of):
    answered = answer(UserFactory(), settings_of, QuestionFactory())
    with pytest.raises(services.StudyError) as refused:
        rate(user, settings_of, answered, scheduling.GOOD)
    assert str(refused.value) == "That answer does not exist."
    assert not ReviewLog.objects.exists()


def test_a_rating_not_allowed_names_every_allowed_one(user, settings_of):
    answered = answer(user, settings_of, QuestionFactory())  # right: Hard, Good or Easy
    with pytest.raises(services.StudyError) as refused:
        rate(user, settings_of, answered, scheduling.AGAIN)
    assert str(refused.value) == "This answer can be rated Hard, Good, Easy."


def test_a_repeated_rating_returns_the_first_review_and_no_leech(user, settings_of):
    question = QuestionFactory()
    in_review(user, question, lapses=7)
    answered = answer(user, settings_of, question, truth=False)
    first = rate(user, settings_of, answered, scheduling.AGAIN)
    assert first.became_leech is True
    again = rate(user, settings_of, answered, scheduling.AGAIN)
    assert again.review.pk == first.review.pk
    assert again.became_leech is False  # told once, when it became one
    assert again.already_recorded is True
    assert ReviewLog.objects.count() == 1


def test_a_first_lapse_of_a_card_in_review_is_no_leech(user, settings_of):
    question = QuestionFactory()
    in_review(user, question)
    result = rate(user, settings_of, answer(user, settings_of, question, truth=False), 1)
    card = CardState.objects.get()
    assert card.lapses == 1
    assert (result.became_leech, card.is_leech, card.is_suspended) == (False, False, False)


@pytest.mark.parametrize(
    ("rating", "is_correct"),
    [(scheduling.AGAIN, False), (scheduling.HARD, True), (scheduling.GOOD, True)],
)
def test_a_self_graded_review_is_right_from_hard_up(user, settings_of, rating, is_correct):
    question = QuestionFactory()
    answered = answer(user, settings_of, question, self_graded=True)  # drilled aloud
    assert answered.is_correct is None
    rate(user, settings_of, answered, rating)
    assert ReviewLog.objects.get().is_correct is is_correct


# A rating that waited for another one to the same answer -----------------------------------------


def test_a_rating_that_waited_on_the_lock_returns_the_first_review(user, settings_of, monkeypatch):
    """On PostgreSQL a second rating waits on the answer's and card's row locks, then reads them
    as the first one left them, but the review joined as its query began: none. SQLite, where
    the mutation run goes, serializes whole transactions and never sees this, so the lock query
    is made to answer as PostgreSQL does (the real race: the PostgreSQL test below)."""
    question = QuestionFactory()
    answered = answer(user, settings_of, question)
    first = rate(user, settings_of, answered, scheduling.GOOD)
    locked = services._answer_to_rate

    def as_after_the_wait(answer_id, user):
        row, reviewed = locked(answer_id, user)
        assert reviewed  # as read now; PostgreSQL's join had not seen it
        return row, False

    monkeypatch.setattr(services, "_answer_to_rate", as_after_the_wait)
    again = rate(user, settings_of, answered, scheduling.GOOD)
    assert again.review.pk == first.review.pk
    assert again.became_leech is False
    assert again.already_recorded is True
    assert ReviewLog.objects.count() == 1
    assert CardState.objects.get().version == 1


@pytest.mark.django_db(transaction=True)
def test_a_rating_that_waited_on_the_lock_returns_the_first_review_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serializes writers (simulated above)")
    user = UserFactory()
    settings = selectors.study_settings(user)
    answered = answer(user, settings, QuestionFactory())
    first_rated, may_commit = threading.Event(), threading.Event()
    results, errors = {}, []

    def first():  # rates, then holds its locks until the second waits on them
        try:
            with transaction.atomic():
                results["first"] = rate(user, settings, answered, scheduling.GOOD)
                first_rated.set()
                assert may_commit.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            first_rated.set()
            connection.close()

    def second():
        try:
            first_rated.wait(10)
            results["second"] = rate(user, settings, answered, scheduling.GOOD)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    waiting = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(waiting)
            if cursor.fetchone()[0]:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the second rating never waited on the first one's locks")
    may_commit.set()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert results["second"].review.pk == results["first"].review.pk
    assert results["second"].became_leech is False
    assert results["second"].already_recorded is True
    assert ReviewLog.objects.count() == 1
    assert CardState.objects.get().version == 1


# Undo --------------------------------------------------------------------------------------------


def test_undo_takes_back_the_latest_review_not_the_latest_written(user, settings_of):
    """Two tabs: the rating whose clock read later may be written first."""
    later, earlier = QuestionFactory(), QuestionFactory()
    rate(user, settings_of, answer(user, settings_of, later), 3, now=NOW + timedelta(seconds=1))
    rate(user, settings_of, answer(user, settings_of, earlier), 3, now=NOW)
    assert services.undo_last_review(user=user).card.question == later
    assert list(ReviewLog.objects.values_list("card__question", flat=True)) == [earlier.pk]


def test_undo_takes_back_the_last_written_of_reviews_at_the_same_moment(user, settings_of):
    first, second = QuestionFactory(), QuestionFactory()
    rate(user, settings_of, answer(user, settings_of, first), scheduling.GOOD)
    rate(user, settings_of, answer(user, settings_of, second), scheduling.GOOD)
    assert services.undo_last_review(user=user).card.question == second
    assert list(ReviewLog.objects.values_list("card__question", flat=True)) == [first.pk]


def test_undo_restores_a_learning_cards_step(user, settings_of):
    question = QuestionFactory()
    card = CardState.objects.create(user=user, question=question, state=CardState.State.LEARNING,
                                    step=1, stability=3.0, difficulty=5.0, due=NOW,
                                    last_review=NOW - timedelta(minutes=10), reps=1)  # fmt: skip
    before = card.snapshot()
    rate(user, settings_of, answer(user, settings_of, question), scheduling.GOOD)
    assert CardState.objects.get().step != 1
    services.undo_last_review(user=user)
    assert CardState.objects.get().step == 1
    assert CardState.objects.get().snapshot() == before


def test_undo_restores_a_bury_the_rating_cleared(user, settings_of):
    """Buried yesterday, back today: rating clears the bury, undo puts it back as it was."""
    question = QuestionFactory()
    buried = services.bury(user=user, settings=settings_of, question=question, now=NOW)
    before = buried.snapshot()
    assert before["buried_until"] is not None
    today = buried.buried_until + timedelta(hours=2)
    rate(user, settings_of, answer(user, settings_of, question, now=today), 3, now=today)
    assert CardState.objects.get().buried_until is None
    services.undo_last_review(user=user)
    assert CardState.objects.get().snapshot() == before


def test_undo_moves_the_version_on_so_the_undone_answer_is_stale(user, settings_of):
    question = QuestionFactory()
    answered = answer(user, settings_of, question)
    rate(user, settings_of, answered, scheduling.GOOD)
    services.undo_last_review(user=user)
    assert CardState.objects.get().version == 2  # one per change: the rating, the undo
    with pytest.raises(services.StudyError, match="changed in another tab"):
        rate(user, settings_of, answered, scheduling.EASY)
    assert not ReviewLog.objects.exists()

"""Answering a card, edge by edge: what is stored, which version it counts for, what a learner
is told when it cannot be recorded (survivors of `make mutate` in study/services.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studyapp.banks import catalog
from studyapp.study import scheduling, selectors, services
from studyapp.study.models import Answer, CardState, ReviewLog
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
RESTRICTED = (
    "This question is kept for assessments: it comes to your reviews once an "
    "assessment has asked it and its answers may be shown."
)
CHANGED = "This card changed in another tab or window; here is where it stands now."


def answer(user, question, *, version=0, response=("true",), duration_ms=1500, now=NOW, **kw):
    return services.submit_answer(
        user=user,
        settings=selectors.study_settings(user),
        question=question,
        card_version=version,
        response=list(response),
        duration_ms=duration_ms,
        now=now,
        **kw,
    )


def rate(user, answered, rating=scheduling.GOOD, now=NOW):
    return services.rate_answer(
        user=user,
        settings=selectors.study_settings(user),
        answer_id=answered.pk,
        rating=rating,
        now=now,
    )


def test_an_assessment_question_queued_for_this_very_moment_may_be_answered(user):
    question = QuestionFactory(bank__is_restricted=True)
    services.queue_now(user_id=user.pk, question_ids=[question.pk], now=NOW,
                       include_restricted=True)  # fmt: skip
    given = answer(user, question, now=NOW)
    assert given.is_correct and given.card.question_id == question.pk


def test_an_assessment_question_never_queued_is_refused_with_the_reason(user):
    question = QuestionFactory(bank__is_restricted=True)
    with pytest.raises(services.StudyError) as refused:
        answer(user, question)
    assert str(refused.value) == RESTRICTED
    assert not CardState.objects.exists() and not Answer.objects.exists()


def test_an_answer_resent_after_its_rating_returns_that_answer(user):
    question = QuestionFactory()
    first = answer(user, question)
    rate(user, first)
    again = answer(user, question, version=0, response=["false"], now=NOW + timedelta(minutes=1))
    assert again.pk == first.pk and again.is_correct
    assert Answer.objects.count() == 1 and ReviewLog.objects.count() == 1
    assert CardState.objects.get().version == 1


def test_a_card_moved_on_in_another_tab_is_stale_whoever_else_answered_that_version(user):
    question = QuestionFactory()
    answer(UserFactory(), question)  # another learner's answer to version 0
    services.bury(user=user, settings=selectors.study_settings(user), question=question, now=NOW)
    with pytest.raises(services.StudyError) as refused:
        answer(user, question, version=0)
    assert str(refused.value) == services.STALE_MESSAGE
    assert not Answer.objects.filter(user=user).exists()


def test_an_answer_for_a_later_version_of_a_card_never_made_is_refused(user):
    question = QuestionFactory()
    with pytest.raises(services.StudyError) as refused:
        answer(user, question, version=2)
    assert str(refused.value) == CHANGED
    assert not CardState.objects.exists() and not Answer.objects.exists()


def test_a_card_made_in_another_tab_while_answering_is_reported_not_overwritten(user):
    """The card is read (none yet); another tab buries the question, making its card; then this
    answer's card cannot be made: nothing is recorded and the learner is told why."""
    question = QuestionFactory()
    settings = selectors.study_settings(user)
    table = CardState._meta.db_table
    other_tab = {"done": False}

    def bury_after_the_card_is_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not other_tab["done"] and sql.startswith("SELECT") and f'"{table}" AS c' in sql:
            other_tab["done"] = True
            services.bury(user=user, settings=settings, question=question, now=NOW)
        return result

    with (
        connection.execute_wrapper(bury_after_the_card_is_read),
        pytest.raises(services.StudyError) as refused,
    ):
        answer(user, question, version=0)
    assert other_tab["done"]
    assert str(refused.value) == CHANGED
    assert not Answer.objects.exists() and CardState.objects.get().version == 1


def test_a_resent_answer_returns_the_learners_own_answer_to_that_question(user):
    question, other_question = QuestionFactory(), QuestionFactory()
    answer(UserFactory(), question)  # someone else's answer to the same question and version
    answer(user, other_question)  # the learner's answer to another question, same version
    first = answer(user, question)
    again = answer(user, question, response=["false"])
    assert again.pk == first.pk and again.is_correct
    assert Answer.objects.filter(user=user).count() == 2


def test_a_resent_answer_returns_the_answer_to_that_version_not_an_earlier_one(user):
    question = QuestionFactory()
    rate(user, answer(user, question, version=0))
    later = NOW + timedelta(minutes=10)
    second = answer(user, question, version=1, response=["false"], now=later)
    again = answer(user, question, version=1, response=["true"], now=later)
    assert again.pk == second.pk and again.card_version == 1 and again.is_correct is False


def test_a_flashcard_answer_is_stored_ungraded(user):
    question = QuestionFactory(type="flashcard", truth=None, answer="A Service.",
                               key_points=["stable IP"])  # fmt: skip
    given = answer(user, question, response=[])
    stored = Answer.objects.get(pk=given.pk)
    assert stored.is_correct is None and stored.is_near_miss is False and stored.score == 0.0
    assert sorted(map(int, stored.outcomes)) == [1, 2, 3, 4]


def test_a_drilled_answer_is_stored_ungraded(user):
    given = answer(user, QuestionFactory(), response=["said it aloud"], self_graded=True)
    stored = Answer.objects.get(pk=given.pk)
    assert stored.is_correct is None and stored.is_near_miss is False and stored.score == 0.0


def test_a_graded_answer_keeps_its_score(user):
    right = answer(user, QuestionFactory(), response=["true"])
    wrong = answer(user, QuestionFactory(), response=["false"])
    assert Answer.objects.get(pk=right.pk).score == 1.0
    assert Answer.objects.get(pk=wrong.pk).score == 0.0


@pytest.mark.parametrize(
    ("duration_ms", "stored"),
    [(-5, 0), (0, 0), (1, 1), (3_600_000, 3_600_000), (3_600_001, 3_600_000), (10**9, 3_600_000)],
)
def test_the_time_taken_is_kept_between_zero_and_an_hour(user, duration_ms, stored):
    given = answer(user, QuestionFactory(), duration_ms=duration_ms)
    assert Answer.objects.get(pk=given.pk).duration_ms == stored


def test_a_rating_counts_one_more_repetition_of_the_card(user):
    question = QuestionFactory()
    CardState.objects.create(user=user, question=question, state=2, stability=20, difficulty=5,
                             due=NOW, last_review=NOW - timedelta(days=20), reps=4)  # fmt: skip
    given = answer(user, question)
    assert {outcome["reps"] for outcome in given.outcomes.values()} == {5}
    rate(user, given)
    assert CardState.objects.get().reps == 5


@pytest.mark.django_db(transaction=True)
def test_answering_outside_a_transaction_reads_the_card_and_writes_the_answer_alone():
    """The answer POST runs in no transaction: a card that exists costs its read and one INSERT,
    atomic on its own (no BEGIN, no savepoint)."""
    user = UserFactory()
    settings = selectors.study_settings(user)
    question = catalog.study_question(QuestionFactory().pk, settings.content_version)
    CardState.objects.create(user=user, question_id=question.pk, due=NOW)
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        given = services.submit_answer(user=user, settings=settings, question=question,
                                       card_version=0, response=["true"], duration_ms=1, now=NOW)  # fmt: skip
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert statements == ["SELECT", "INSERT"]
    assert Answer.objects.get().pk == given.pk

"""Attempt rules the mutation run (`make mutate`) found untested: the opening minute, the
attempts-used message, starting that closes only the starter's own overdue attempt, a submit at
the deadline, the late answer's message, a score exactly at the pass mark, the prediction by topic
and level, and a lead's regrade (its refusals, a verdict that confirms the automatic one)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.http import QueryDict

from studyapp.assessments import services
from studyapp.assessments.models import AssessmentItem, Attempt, AttemptQuestion
from studyapp.banks.models import Question
from studyapp.study.models import CardState
from tests.factories import AssessmentFactory, QuestionFactory, TopicFactory
from tests.readiness_data import first_try, many_reviews

from .conftest import NOW, answers_for

pytestmark = pytest.mark.django_db


def start(assessment, user, now=NOW, seed=1):
    return services.start_attempt(
        assessment=assessment, user=user, now=now, rng=random.Random(seed)
    )


def assessment_of(team, questions, **fields):
    """A published assessment of these fixed questions, open since yesterday."""
    assessment = AssessmentFactory(team=team, opens_at=NOW - timedelta(days=1), **fields)
    AssessmentItem.objects.bulk_create(
        AssessmentItem(assessment=assessment, question=question, position=i)
        for i, question in enumerate(questions)
    )
    return assessment


# Starting ---------------------------------------------------------------------------------------


def test_an_attempt_starts_at_the_opening_minute(assessment, member):
    attempt = start(assessment, member, now=assessment.opens_at)
    assert attempt.started_at == assessment.opens_at


@pytest.mark.parametrize(
    ("allowed", "message"),
    [
        (1, "You have used your 1 attempt at this assessment."),
        (2, "You have used your 2 attempts at this assessment."),
    ],
)
def test_the_attempts_used_message_says_attempt_or_attempts(assessment, member, allowed, message):
    assessment.attempts_allowed = allowed
    assessment.save()
    for minute in range(allowed):
        attempt = start(assessment, member, now=NOW + timedelta(minutes=minute))
        services.submit_attempt(attempt_id=attempt.pk, user=member, now=attempt.started_at)
    with pytest.raises(services.AssessmentError) as refused:
        start(assessment, member, now=NOW + timedelta(minutes=5))
    assert str(refused.value) == message


def test_starting_closes_the_members_overdue_attempt_there_and_no_other(
    team, assessment, member, other_member
):
    """Starting again needs the member's overdue attempt at this assessment closed; other
    overdue attempts (another member's, the member's at another assessment) wait for the close
    job or for their owner, who is then told that time was up."""
    assessment.attempts_allowed = 2
    assessment.save()
    elsewhere = assessment_of(team, [Question.objects.get(slug="example-headless")])
    earlier = NOW - timedelta(hours=1)  # 30-minute limits: all three are overdue at NOW
    own = start(assessment, member, now=earlier)
    theirs = start(assessment, other_member, now=earlier)
    own_elsewhere = start(elsewhere, member, now=earlier)
    attempt = start(assessment, member)
    assert attempt.number == 2 and attempt.started_at == NOW
    own.refresh_from_db()
    assert own.is_submitted and own.is_time_up and own.submitted_at == own.deadline
    assert not Attempt.objects.get(pk=theirs.pk).is_submitted
    assert not Attempt.objects.get(pk=own_elsewhere.pk).is_submitted


# Submitting -------------------------------------------------------------------------------------


def test_a_submit_at_the_deadline_is_time_up(assessment, member):
    """As for a save, the deadline itself is too late (the demo submits without form data)."""
    attempt = start(assessment, member)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=attempt.deadline)
    attempt.refresh_from_db()
    assert attempt.is_time_up and attempt.submitted_at == attempt.deadline


def test_a_late_answer_is_told_the_deadline_and_what_was_kept(assessment, member):
    attempt = start(assessment, member)
    with pytest.raises(services.LateAnswerError) as refused:
        services.save_answers(attempt_id=attempt.pk, user=member, now=attempt.deadline,
                              data=answers_for(attempt, right={"example-headless"}))  # fmt: skip
    assert str(refused.value) == (
        "Time is up: the deadline was 10:30:00 UTC, so this answer was not saved. "
        "Your attempt was submitted with the answers saved before the deadline."
    )
    assert refused.value.deadline == attempt.deadline


def test_a_score_exactly_at_the_pass_mark_passes(team, member):
    questions = QuestionFactory.create_batch(2, truth=True)
    assessment = assessment_of(team, questions, pass_mark=50)
    attempt = start(assessment, member)
    first = attempt.questions.get(position=1)
    data = QueryDict(mutable=True)
    data.update({f"q{first.position}-present": "1", f"q{first.position}-truth": "true"})
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW, data=data)
    attempt.refresh_from_db()
    assert attempt.correct_count == 1 and attempt.score == 50.0
    assert attempt.passed


# Prediction -------------------------------------------------------------------------------------


def test_the_prediction_of_a_question_never_studied_follows_its_topic_and_level(team, member):
    """The member's first tries went wrong in one topic at level 1 and right in another at level
    3, so a never-studied question's chance is lower in that topic, and lower at that level."""
    weak, strong = TopicFactory(), TopicFactory()
    for i in range(6):
        first_try(member, QuestionFactory(topic=weak, bank__topic=weak, difficulty=1),
                  right=False, at=NOW - timedelta(days=20 + i))  # fmt: skip
        first_try(member, QuestionFactory(topic=strong, bank__topic=strong, difficulty=3),
                  right=True, at=NOW - timedelta(days=20 + i))  # fmt: skip
    many_reviews(member, CardState.objects.filter(user=member).first(), 30, before=NOW)
    weak_hard = QuestionFactory(topic=weak, bank__topic=weak, difficulty=3)
    strong_hard = QuestionFactory(topic=strong, bank__topic=strong, difficulty=3)
    weak_easy = QuestionFactory(topic=weak, bank__topic=weak, difficulty=1)
    assessment = assessment_of(team, [weak_hard, strong_hard, weak_easy])
    attempt = start(assessment, member)
    chance = dict(attempt.questions.values_list("question_id", "predicted_probability"))
    assert chance[weak_hard.pk] < chance[strong_hard.pk]  # same level, weaker topic
    assert chance[weak_easy.pk] < chance[weak_hard.pk]  # same topic, the level it went wrong at


# Regrading --------------------------------------------------------------------------------------


def submitted(assessment, member, right):
    attempt = start(assessment, member)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=5),
                            data=answers_for(attempt, right=right))  # fmt: skip
    attempt.refresh_from_db()
    return attempt


def test_regrade_refusals_say_why(assessment, lead, member, other_member):
    attempt = submitted(assessment, member, {"example-headless"})
    running = start(assessment, other_member)
    cases = [
        (attempt.pk + 1000, 1, lead, "That attempt does not exist."),
        (running.pk, 1, lead, "Only a submitted attempt can be regraded."),
        (attempt.pk, 1, member, "You can't regrade your own attempt."),
        (attempt.pk, 99, lead, "This attempt has no such question."),
    ]
    for attempt_id, position, by, message in cases:
        with pytest.raises(services.AssessmentError) as refused:
            services.regrade_question(attempt_id=attempt_id, position=position, is_correct=True,
                                      by=by, now=NOW)  # fmt: skip
        assert str(refused.value) == message


def test_a_lead_confirming_the_automatic_verdict_is_recorded_once(client, assessment, lead, member):
    """The lead's "right" on a question graded right marks it as the lead's (the member reads
    so); saying it again later changes nothing, not even when it was said."""
    attempt = submitted(assessment, member, {"example-headless"})
    row = attempt.questions.get(question_slug="example-headless")
    assert row.is_correct and row.regraded_by is None
    said_at = NOW + timedelta(hours=1)
    for now in (said_at, said_at + timedelta(hours=1)):
        services.regrade_question(attempt_id=attempt.pk, position=row.position, is_correct=True,
                                  by=lead, now=now)  # fmt: skip
    row.refresh_from_db()
    assert row.is_correct and row.score == 1.0
    assert row.regraded_by == lead and row.regraded_at == said_at
    client.force_login(member)
    page = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert page.count("marked right by a team lead") == 1


def test_a_regrade_reads_the_attempt_with_its_assessment(
    assessment, lead, member, django_assert_num_queries
):
    """One read of the attempt (and its pass mark), one of its questions, two writes."""
    attempt = submitted(assessment, member, {"example-headless"})
    row = attempt.questions.get(question_slug="example-nodeport-field")
    with django_assert_num_queries(6):  # and the savepoint and its release
        attempt = services.regrade_question(attempt_id=attempt.pk, position=row.position,
                                            is_correct=True, by=lead, now=NOW)  # fmt: skip
    assert attempt.correct_count == 2
    assert AttemptQuestion.objects.get(pk=row.pk).is_correct

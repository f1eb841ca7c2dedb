"""Attempt rules the mutation run (`make mutate`) found untested: the overdue job limited to one
member or one assessment, its count and its deadline order, the snapshot's topic title and question count, a start
that costs the same queries for any number of questions, the exact messages a member reads when
there is nothing to ask or the attempt went in another tab, and a second click that resumes."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studyapp.assessments import services
from studyapp.assessments.models import Assessment, AssessmentItem, Attempt
from studyapp.banks.models import Bank, Question
from studyapp.study.models import CardState
from tests.factories import AssessmentFactory

from .conftest import GRADED_SLUGS, NOW

pytestmark = pytest.mark.django_db


def start(assessment, user, now=NOW, seed=1):
    return services.start_attempt(
        assessment=assessment, user=user, now=now, rng=random.Random(seed)
    )


def assessment_of(team, slugs, **fields):
    """A published assessment of these fixed example questions, open since yesterday."""
    fields = {"opens_at": NOW - timedelta(days=1), "closes_at": NOW + timedelta(days=6)} | fields
    assessment = AssessmentFactory(team=team, **fields)
    questions = {q.slug: q for q in Question.objects.filter(slug__in=slugs)}
    AssessmentItem.objects.bulk_create(
        AssessmentItem(assessment=assessment, question=questions[slug], position=i)
        for i, slug in enumerate(slugs)
    )
    return assessment


def test_the_overdue_job_closes_only_the_given_members_attempts(assessment, member, other_member):
    mine = start(assessment, member)
    theirs = start(assessment, other_member)
    late = NOW + timedelta(hours=1)
    assert services.close_overdue_attempts(now=late, user=member) == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_submitted and mine.is_time_up
    assert not theirs.is_submitted


def test_the_overdue_job_closes_only_the_given_assessments_attempts(
    assessment, team, example, member
):
    other = assessment_of(team, ["example-headless"])
    here = start(assessment, member)
    there = start(other, member)
    late = NOW + timedelta(hours=1)
    assert services.close_overdue_attempts(now=late, assessment=assessment) == 1
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.is_submitted and not there.is_submitted


def test_the_overdue_job_counts_every_attempt_it_closed(assessment, member, other_member):
    start(assessment, member)
    start(assessment, other_member, now=NOW + timedelta(minutes=1))
    assert services.close_overdue_attempts(now=NOW + timedelta(hours=1)) == 2
    assert Attempt.objects.submitted().count() == 2


def test_closing_late_leaves_the_review_queue_as_closing_on_time(team, example, member):
    """Overdue attempts close in deadline order, as if the job had run at each deadline: a
    restricted question missed in two assessments comes due when the later-closed one shows its
    answers, even when that attempt was started first."""
    Bank.objects.filter(slug="example").update(is_restricted=True)
    after_close = Assessment.AnswersShown.AFTER_CLOSE
    late = assessment_of(team, ["example-headless"], answers_shown=after_close,
                         time_limit_minutes=60, closes_at=NOW + timedelta(days=6))  # fmt: skip
    early = assessment_of(team, ["example-headless"], answers_shown=after_close,
                          time_limit_minutes=30, closes_at=NOW + timedelta(days=3))  # fmt: skip
    first = start(late, member)
    second = start(early, member)
    assert first.pk < second.pk and second.deadline < first.deadline
    assert services.close_overdue_attempts(now=NOW + timedelta(hours=2)) == 2
    card = CardState.objects.get(user=member, question__slug="example-headless")
    assert card.due == late.closes_at


def test_the_snapshot_holds_the_topic_title_and_the_question_count(assessment, member):
    attempt = start(assessment, member)
    attempt.refresh_from_db()
    assert attempt.question_count == len(GRADED_SLUGS)
    titles = {
        row.question_slug: (row.topic_title, row.question.topic.title)
        for row in attempt.questions.select_related("question__topic")
    }
    assert all(stored == title and stored for stored, title in titles.values())


def queries_to_start(assessment, user):
    with CaptureQueriesContext(connection) as queries:
        start(assessment, user)
    return len(queries.captured_queries)


def test_starting_costs_the_same_queries_for_any_number_of_questions(
    assessment, team, example, member, other_member
):
    """Topics, choices and snippets of the drawn questions are read once, not per question."""
    small = assessment_of(team, ["example-nodeport-range", "example-headless"])
    assert queries_to_start(small, other_member) == queries_to_start(assessment, member)


NOTHING_TO_ASK = "This assessment has no questions to ask right now. Tell your team lead."
ANOTHER_TAB = "This attempt was just started and submitted in another tab or window."


def test_an_assessment_with_nothing_to_ask_says_so_exactly(member, team):
    assessment = AssessmentFactory(team=team, opens_at=NOW - timedelta(hours=1))
    with pytest.raises(services.AssessmentError) as error:
        start(assessment, member)
    assert str(error.value) == NOTHING_TO_ASK


def test_an_attempt_taken_and_submitted_in_another_tab_says_so_exactly(assessment, member):
    """Another tab inserted the next attempt between this start's count and its insert and
    submitted it; a gap in the numbers stands in for that race: the count says 1 used, the
    insert of number 2 collides, and no attempt is in progress to resume."""
    assessment.attempts_allowed = 3
    assessment.save()
    Attempt.objects.create(
        assessment=assessment, user=member, number=2, started_at=NOW,
        deadline=NOW + timedelta(minutes=1), submitted_at=NOW,
    )  # fmt: skip
    with pytest.raises(services.AssessmentError) as error:
        start(assessment, member)
    assert str(error.value) == ANOTHER_TAB
    assert Attempt.objects.filter(user=member).count() == 1


def test_a_second_click_resumes_the_members_own_attempt_with_one_allowed(
    assessment, member, other_member
):
    assert assessment.attempts_allowed == 1
    theirs = start(assessment, other_member)
    mine = start(assessment, member)
    again = start(assessment, member, now=NOW + timedelta(minutes=5), seed=99)
    assert mine is not None and again.pk == mine.pk != theirs.pk
    assert again.user == member and Attempt.objects.filter(user=member).count() == 1

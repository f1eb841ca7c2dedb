"""What a lead's builder adds, moves, deletes and publishes, whose attempt is locked, when an
attempt is closed, and what a member's misses put in their review queue (mutation testing of
assessments/services.py: _locked_attempt, add_draw_item, add_question_item,
add_random_questions, close_attempt, delete_assessment, move_item, queue_misses, save_answers,
set_published)."""

from __future__ import annotations

import html
import random
import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studyapp.assessments import services
from studyapp.assessments.models import Assessment, AssessmentItem, Attempt
from studyapp.banks.models import Question, Topic
from studyapp.study.models import CardState
from tests.factories import AssessmentFactory, QuestionFactory, TopicFactory

from .conftest import GRADED_SLUGS, NOW, answers_for

pytestmark = pytest.mark.django_db


def start(assessment, user, now=NOW):
    return services.start_attempt(assessment=assessment, user=user, now=now, rng=random.Random(1))


def refusal(function, **kwargs) -> str:
    with pytest.raises(services.AssessmentError) as error:
        function(**kwargs)
    return str(error.value)


def login(client, user):
    client.force_login(user)
    return client


def messages_after(client, response) -> list[str]:
    """The messages shown on the page the lead lands on after an action."""
    page = client.get(response["Location"]).content.decode()
    return [
        html.unescape(text) for text in re.findall(r'<li class="message [^"]*">(.*?)</li>', page)
    ]


def assessment_reads(queries) -> list[str]:
    """The queries that read an assessment row on its own (not joined with an attempt)."""
    table = '"assessments_assessment"'
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith("SELECT") and f"FROM {table}" in query["sql"]
    ]


# Whose attempt is locked -----------------------------------------------------------------------


def test_another_members_attempt_is_refused_and_left_as_it_was(assessment, member, other_member):
    theirs = start(assessment, other_member)
    data = answers_for(theirs, right=set(GRADED_SLUGS))
    message = refusal(services.save_answers, attempt_id=theirs.pk, user=member, data=data, now=NOW)
    assert message == "That attempt does not exist."
    assert not theirs.questions.exclude(response=[]).exists()
    message = refusal(services.submit_attempt, attempt_id=theirs.pk, user=member, now=NOW)
    assert message == "That attempt does not exist."
    theirs.refresh_from_db()
    assert not theirs.is_submitted


def test_submitting_reads_the_assessment_with_the_locked_attempt(assessment, member):
    attempt = start(assessment, member)
    with CaptureQueriesContext(connection) as queries:
        services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    assert Attempt.objects.get(pk=attempt.pk).is_submitted
    assert assessment_reads(queries.captured_queries) == []


def test_closing_reads_the_assessment_with_the_locked_attempt(assessment, member):
    attempt = start(assessment, member)
    with CaptureQueriesContext(connection) as queries:
        closed = services.close_attempt(attempt_id=attempt.pk, now=attempt.deadline)
    assert closed is not None and closed.is_time_up
    assert assessment_reads(queries.captured_queries) == []


# Closing an attempt ------------------------------------------------------------------------------


def test_an_attempt_before_its_deadline_is_not_closed(assessment, member):
    attempt = start(assessment, member)
    early = attempt.deadline - timedelta(seconds=1)
    assert services.close_attempt(attempt_id=attempt.pk, now=early) is None
    attempt.refresh_from_db()
    assert not attempt.is_submitted and attempt.score is None


def test_a_submitted_attempt_is_not_closed_again(assessment, member):
    attempt = start(assessment, member)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=5))
    late = attempt.deadline + timedelta(hours=1)
    assert services.close_attempt(attempt_id=attempt.pk, now=late) is None
    attempt.refresh_from_db()
    assert attempt.submitted_at == NOW + timedelta(minutes=5) and not attempt.is_time_up


def test_closing_an_attempt_that_is_gone_does_nothing(assessment, member):
    attempt = start(assessment, member)
    Attempt.objects.filter(pk=attempt.pk).delete()
    assert services.close_attempt(attempt_id=attempt.pk, now=attempt.deadline) is None


# Saving answers ----------------------------------------------------------------------------------


def test_saving_into_a_submitted_attempt_says_why(assessment, member):
    attempt = start(assessment, member)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    with pytest.raises(services.AttemptClosedError) as error:
        services.save_answers(
            attempt_id=attempt.pk,
            user=member,
            data=answers_for(attempt, right={"example-headless"}),
            now=NOW,
        )
    assert str(error.value) == (
        "This attempt was already submitted: its answers can no longer change."
    )


# Building: questions and draws -------------------------------------------------------------------


def test_a_fixed_question_goes_after_the_last_item(assessment, example):
    AssessmentItem.objects.filter(assessment=assessment).delete()
    headless = Question.objects.get(slug="example-headless")
    first = services.add_draw_item(
        assessment=assessment, topic=headless.topic, count=1, difficulty=None
    )
    added = services.add_question_item(assessment=assessment, question=headless)
    assert (first.position, added.position) == (0, 1)
    assert AssessmentItem.objects.get(pk=added.pk).position == 1


def test_a_flashcard_is_refused_with_why(assessment, example):
    flashcard = Question.objects.get(slug="example-explain-service")
    message = refusal(services.add_question_item, assessment=assessment, question=flashcard)
    assert message == (
        "“example-explain-service” is a flashcard: flashcards are self-graded, so they can't be "
        "in an assessment."
    )


def test_a_draw_of_one_question_is_added_after_the_last_item(assessment):
    topic = Topic.objects.get(slug="service-types")
    draw = services.add_draw_item(assessment=assessment, topic=topic, count=1, difficulty=2)
    assert AssessmentItem.objects.filter(pk=draw.pk).values_list(
        "topic_id", "count", "difficulty", "position"
    ).get() == (topic.pk, 1, 2, len(GRADED_SLUGS))


def test_a_draw_of_no_question_is_refused_with_why(assessment):
    topic = Topic.objects.get(slug="service-types")
    message = refusal(
        services.add_draw_item, assessment=assessment, topic=topic, count=0, difficulty=None
    )
    assert message == "Draw at least one question."
    assert assessment.items.count() == len(GRADED_SLUGS)


# Building: random questions ----------------------------------------------------------------------


def test_random_questions_of_one_level_are_only_of_that_level():
    topic = TopicFactory()
    QuestionFactory.create_batch(3, topic=topic, bank__topic=topic, difficulty=1)
    hard = QuestionFactory.create_batch(2, topic=topic, bank__topic=topic, difficulty=3)
    assessment = AssessmentFactory()
    added = services.add_random_questions(
        assessment=assessment, topic=topic, count=5, rng=random.Random(2), difficulty=3
    )
    assert {item.question_id for item in added} == {q.pk for q in hard}


def test_random_questions_refuse_a_count_of_none_and_an_empty_topic_with_why():
    topic = TopicFactory(title="Ingress")
    QuestionFactory(topic=topic, bank__topic=topic)
    assessment = AssessmentFactory()
    kwargs = {"assessment": assessment, "topic": topic, "rng": random.Random(2)}
    assert refusal(services.add_random_questions, count=0, **kwargs) == (
        "Add at least one question."
    )
    services.add_random_questions(count=1, **kwargs)
    assert refusal(services.add_random_questions, count=1, **kwargs) == (
        "No question of Ingress matching these filters is left to add: "
        "they are all in this assessment already, or there are none."
    )


# Moving, deleting, publishing --------------------------------------------------------------------


def test_moving_a_question_removed_in_another_tab_says_why(assessment):
    item = assessment.items.get(question__slug="example-headless")
    AssessmentItem.objects.filter(pk=item.pk).delete()
    message = refusal(services.move_item, item=item, offset=-1)
    assert message == "That question is no longer in this assessment."


def test_a_lead_reads_why_a_started_assessment_is_kept(client, assessment, lead, member):
    start(assessment, member)
    with time_machine.travel(NOW, tick=False):
        response = login(client, lead).post(
            f"/assessments/{assessment.pk}/delete/", {"confirmed": "1"}
        )
        shown = messages_after(client, response)
    assert shown == [
        "Members have started this assessment: it is kept with their results. "
        "Close it by moving its closing time to now."
    ]
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_a_lead_reads_why_publishing_is_refused(client, assessment, lead, member, team):
    empty = AssessmentFactory(team=team, is_published=False)
    login(client, lead)
    response = client.post(f"/assessments/{empty.pk}/publish/", {"publish": "1"})
    assert messages_after(client, response) == [
        "Add at least one question or draw before publishing."
    ]
    start(assessment, member)
    response = client.post(f"/assessments/{assessment.pk}/publish/", {"publish": "0"})
    assert messages_after(client, response) == [
        "Members have started this assessment: it stays published."
    ]
    empty.refresh_from_db()
    assessment.refresh_from_db()
    assert not empty.is_published and assessment.is_published


# The review queue --------------------------------------------------------------------------------


def test_misses_queued_count_public_and_restricted_questions(member):
    public = QuestionFactory()
    restricted = QuestionFactory(bank__is_restricted=True)
    assessment = AssessmentFactory(answers_shown=Assessment.AnswersShown.AFTER_SUBMIT)
    attempt = Attempt.objects.create(
        assessment=assessment, user=member, number=1, started_at=NOW, deadline=NOW
    )
    count = services.queue_misses(attempt=attempt, question_ids=[public.pk, restricted.pk], now=NOW)
    assert count == 2
    assert set(CardState.objects.filter(user=member).values_list("question_id", "due")) == {
        (public.pk, NOW),
        (restricted.pk, NOW),
    }

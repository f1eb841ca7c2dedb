"""Attempts on the real database: drawing, deadlines, saving, grading, the review queue."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict

from studyapp.assessments import services
from studyapp.assessments.models import AssessmentItem, Attempt, AttemptQuestion
from studyapp.banks.models import Choice, Question
from studyapp.study import selectors as study_selectors
from studyapp.study import services as study_services
from studyapp.study.models import CardState
from tests.bounds import ends_within
from tests.factories import AssessmentFactory, QuestionFactory, TopicFactory, UserFactory

from .conftest import GRADED_SLUGS, NOW, answers_for

pytestmark = pytest.mark.django_db


def start(assessment, user, now=NOW, seed=1):
    return services.start_attempt(
        assessment=assessment, user=user, now=now, rng=random.Random(seed)
    )


def test_start_fixes_questions_order_and_deadline(assessment, member):
    attempt = start(assessment, member)
    assert attempt.number == 1 and attempt.started_at == NOW
    assert attempt.deadline == NOW + timedelta(minutes=30)
    rows = list(attempt.questions.order_by("position"))
    assert [row.question_slug for row in rows] == GRADED_SLUGS  # shuffle off: item order
    assert [row.position for row in rows] == list(range(1, 8))
    layers = next(row for row in rows if row.question_slug == "example-layers")
    assert sorted(layers.item_order) == [0, 1, 2] and layers.item_order != [0, 1, 2]
    assert rows[0].spec["choices"][0] == {"text": "30000-32767", "is_correct": True, "why": ""}


def test_deadline_is_capped_by_the_close_time(assessment, member):
    assessment.closes_at = NOW + timedelta(minutes=10)
    assessment.save()
    assert start(assessment, member).deadline == NOW + timedelta(minutes=10)


def test_starting_twice_resumes_the_same_attempt(assessment, member):
    first = start(assessment, member)
    again = start(assessment, member, now=NOW + timedelta(minutes=5), seed=99)
    assert again.pk == first.pk and Attempt.objects.count() == 1


def test_shuffled_questions_and_choices_are_fixed_per_attempt(assessment, member, other_member):
    assessment.shuffle_questions = assessment.shuffle_choices = True
    assessment.save()
    mine = start(assessment, member, seed=3)
    theirs = start(assessment, other_member, seed=4)
    order = lambda a: list(a.questions.order_by("position").values_list("question_slug", flat=True))  # noqa: E731
    assert sorted(order(mine)) == sorted(GRADED_SLUGS)
    assert order(mine) != order(theirs)
    choices = AttemptQuestion.objects.get(attempt=mine, question_slug="example-types").choice_order
    assert sorted(choices) == [0, 1, 2]
    assert order(Attempt.objects.get(pk=mine.pk)) == order(mine)  # unchanged on reload


def test_window_and_attempts_allowed(assessment, member):
    with pytest.raises(services.AssessmentError, match="opens on"):
        start(assessment, member, now=assessment.opens_at - timedelta(minutes=1))
    with pytest.raises(services.AssessmentError, match="closed on"):
        start(assessment, member, now=assessment.closes_at)
    attempt = start(assessment, member)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=1))
    with pytest.raises(services.AssessmentError, match="used your 1 attempt"):
        start(assessment, member, now=NOW + timedelta(minutes=2))
    assessment.attempts_allowed = 2
    assessment.save()
    assert start(assessment, member, now=NOW + timedelta(minutes=3)).number == 2


def test_random_draw_by_topic_and_difficulty_excludes_flashcards_and_retired():
    topic = TopicFactory()
    QuestionFactory.create_batch(3, topic=topic, bank__topic=topic, difficulty=1)
    hard = QuestionFactory.create_batch(2, topic=topic, bank__topic=topic, difficulty=3)
    QuestionFactory(topic=topic, bank__topic=topic, difficulty=3, type="flashcard", truth=None)
    QuestionFactory(topic=topic, bank__topic=topic, difficulty=3, is_retired=True)
    assessment = AssessmentFactory(opens_at=NOW - timedelta(hours=1))
    AssessmentItem.objects.create(assessment=assessment, topic=topic, count=5, difficulty=3)
    attempt = start(assessment, UserFactory())
    assert set(attempt.questions.values_list("question_id", flat=True)) == {q.pk for q in hard}


def test_flashcards_and_retired_questions_cannot_be_added(assessment, example):
    flashcard = Question.objects.get(slug="example-explain-service")
    with pytest.raises(services.AssessmentError, match="flashcards are self-graded"):
        services.add_question_item(assessment=assessment, question=flashcard)
    retired = QuestionFactory(is_retired=True)
    with pytest.raises(services.AssessmentError, match="retired"):
        services.add_question_item(assessment=assessment, question=retired)
    with pytest.raises(services.AssessmentError, match="already in this assessment"):
        services.add_question_item(
            assessment=assessment, question=Question.objects.get(slug="example-headless")
        )


def test_an_assessment_with_nothing_to_ask_cannot_start(member, team):
    assessment = AssessmentFactory(team=team, opens_at=NOW - timedelta(hours=1))
    with pytest.raises(services.AssessmentError, match="no questions"):
        start(assessment, member)
    assert not Attempt.objects.exists()


def test_draws_stay_the_same_after_the_bank_changes(assessment, member):
    attempt = start(assessment, member)
    before = list(attempt.questions.order_by("position").values_list("question_slug", "spec"))
    question = Question.objects.get(slug="example-nodeport-range")
    question.prompt = "Rewritten"
    question.save()
    Choice.objects.filter(question=question).delete()
    Question.objects.filter(slug="example-headless").update(is_retired=True)
    after = list(attempt.questions.order_by("position").values_list("question_slug", "spec"))
    assert after == before
    # Grading uses what was stored: the first choice is still right.
    services.save_answers(attempt_id=attempt.pk, user=member, now=NOW,
                          data=answers_for(attempt, right={"example-nodeport-range", "example-headless"}))  # fmt: skip
    submitted = services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    right = set(submitted.questions.filter(is_correct=True).values_list("question_slug", flat=True))
    assert right == {"example-nodeport-range", "example-headless"}


def test_a_question_deleted_from_the_bank_is_still_graded_from_its_snapshot(assessment, member):
    attempt = start(assessment, member)
    services.save_answers(attempt_id=attempt.pk, user=member, now=NOW,
                          data=answers_for(attempt, right={"example-headless"}))  # fmt: skip
    AssessmentItem.objects.filter(question__slug="example-headless").delete()
    Question.objects.filter(slug="example-headless").delete()
    submitted = services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    row = submitted.questions.get(question_slug="example-headless")
    assert row.question_id is None and row.is_correct


def test_grading_every_type_right_and_wrong(assessment, member):
    attempt = start(assessment, member)
    services.save_answers(attempt_id=attempt.pk, user=member, data=answers_for(attempt, right=set(GRADED_SLUGS)), now=NOW)  # fmt: skip
    submitted = services.submit_attempt(
        attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=12)
    )
    assert submitted.correct_count == 7 and submitted.score == 100.0 and submitted.passed
    assert submitted.time_taken == timedelta(minutes=12) and not submitted.is_time_up

    assessment.attempts_allowed = 2
    assessment.save()
    second = start(assessment, member, now=NOW + timedelta(minutes=20))
    right = {"example-headless", "example-cloze", "example-types"}
    wrong = set(GRADED_SLUGS) - right
    services.save_answers(attempt_id=second.pk, user=member, data=answers_for(second, right=right, wrong=wrong), now=NOW + timedelta(minutes=21))  # fmt: skip
    graded = services.submit_attempt(
        attempt_id=second.pk, user=member, now=NOW + timedelta(minutes=22)
    )
    assert graded.correct_count == 3 and graded.score == pytest.approx(42.86) and not graded.passed
    yaml = graded.questions.get(question_slug="example-write-nodeport")
    assert yaml.is_correct is False and yaml.feedback


ALIAS_BOMB = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n" + "".join(
    f"  {line}\n"
    for line in ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)  # about 580 bytes, 387 million values once expanded


def test_an_alias_bomb_answer_is_graded_wrong_at_submit_and_by_the_overdue_job(assessment, member):
    """Issue 15, finding 1: the bomb saved in an attempt hung grading at submit and the
    close_overdue_attempts job; it is refused at its first alias, with the line."""
    assessment.attempts_allowed = 2
    assessment.save()
    for number, moment in enumerate((NOW, NOW + timedelta(hours=1))):
        attempt = start(assessment, member, now=moment)
        p = attempt.questions.get(question_slug="example-write-nodeport").position
        data = QueryDict(mutable=True)
        data.update({f"q{p}-present": "1", f"q{p}-manifest": ALIAS_BOMB})
        services.save_answers(attempt_id=attempt.pk, user=member, data=data, now=moment)
        with ends_within(60):  # unguarded, grading walked the expanded tree for minutes
            if number == 0:
                services.submit_attempt(attempt_id=attempt.pk, user=member, now=moment)
            else:
                assert services.close_overdue_attempts(now=attempt.deadline) == 1
        row = attempt.questions.get(question_slug="example-write-nodeport")
        assert row.is_correct is False
        assert row.feedback[0] == "line 7: YAML refused: aliases (*name) are not allowed here"


def test_saving_keeps_the_last_answer_and_blank_means_unanswered(assessment, member):
    attempt = start(assessment, member)
    row = attempt.questions.get(question_slug="example-headless")
    p = row.position
    for value in ("true", "false"):
        services.save_answers(attempt_id=attempt.pk, user=member, now=NOW,
                              data=QueryDict(f"q{p}-present=1&q{p}-truth={value}"))  # fmt: skip
    row.refresh_from_db()
    assert row.response == ["false"] and row.answered_at == NOW
    services.save_answers(
        attempt_id=attempt.pk, user=member, now=NOW, data=QueryDict(f"q{p}-present=1")
    )
    row.refresh_from_db()
    assert row.response == [] and row.answered_at is None


def test_a_form_without_a_question_leaves_its_answer_alone(assessment, member):
    attempt = start(assessment, member)
    services.save_answers(attempt_id=attempt.pk, user=member, now=NOW,
                          data=answers_for(attempt, right={"example-headless"}))  # fmt: skip
    services.save_answers(attempt_id=attempt.pk, user=member, now=NOW, data=QueryDict(""))
    assert attempt.questions.get(question_slug="example-headless").response == ["false"]


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_closed(assessment, member):
    attempt = start(assessment, member)
    services.save_answers(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=5),
                          data=answers_for(attempt, right={"example-headless"}))  # fmt: skip
    late = answers_for(attempt, right=set(GRADED_SLUGS))
    with pytest.raises(services.LateAnswerError, match="Time is up"):
        services.save_answers(attempt_id=attempt.pk, user=member, data=late, now=attempt.deadline)
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.is_time_up and attempt.submitted_at == attempt.deadline
    assert attempt.correct_count == 1
    assert list(attempt.questions.exclude(response=[]).values_list("question_slug", flat=True)) == [
        "example-headless"
    ]
    with pytest.raises(services.AttemptClosedError):
        services.save_answers(attempt_id=attempt.pk, user=member, data=late, now=attempt.deadline)


def test_a_late_submit_keeps_what_was_saved(assessment, member):
    attempt = start(assessment, member)
    with pytest.raises(services.LateAnswerError):
        services.submit_attempt(attempt_id=attempt.pk, user=member,
                                now=attempt.deadline + timedelta(seconds=1),
                                data=answers_for(attempt, right=set(GRADED_SLUGS)))  # fmt: skip
    attempt.refresh_from_db()
    assert attempt.is_time_up and attempt.correct_count == 0


def test_double_submit_grades_once(assessment, member):
    attempt = start(assessment, member)
    data = answers_for(attempt, right={"example-headless"})
    first = services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW, data=data)
    again = services.submit_attempt(
        attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=1),
        data=answers_for(attempt, right=set(GRADED_SLUGS)),
    )  # fmt: skip
    assert again.submitted_at == first.submitted_at == NOW and again.correct_count == 1
    assert CardState.objects.filter(user=member).count() == 6


def test_close_overdue_attempts_command(assessment, member, other_member, lead):
    overdue = start(assessment, member)
    services.save_answers(attempt_id=overdue.pk, user=member, now=NOW,
                          data=answers_for(overdue, right={"example-headless"}))  # fmt: skip
    running = start(assessment, other_member, now=NOW + timedelta(minutes=20))
    out = StringIO()
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        call_command("close_overdue_attempts", stdout=out)
    assert out.getvalue().strip() == "Closed 1 overdue attempt."
    overdue.refresh_from_db()
    running.refresh_from_db()
    assert overdue.is_time_up and overdue.submitted_at == overdue.deadline
    assert overdue.correct_count == 1 and not overdue.passed
    assert not running.is_submitted
    # Cards of the misses are due when the command ran.
    card = CardState.objects.get(user=member, question__slug="example-layers")
    assert card.due == NOW + timedelta(minutes=31)
    with time_machine.travel(NOW + timedelta(minutes=60), tick=False):
        call_command("close_overdue_attempts", stdout=out)
    assert "Closed 1 overdue attempt." in out.getvalue().splitlines()[-1]
    assert Attempt.objects.submitted().count() == 2


def test_misses_enter_the_review_queue_due_now(assessment, member):
    headless = Question.objects.get(slug="example-headless")
    layers = Question.objects.get(slug="example-layers")
    later = NOW + timedelta(days=20)
    CardState.objects.create(user=member, question=layers, state=2, stability=30, difficulty=5,
                             due=later, last_review=NOW - timedelta(days=10), reps=4, version=7)  # fmt: skip
    attempt = start(assessment, member)
    right = {"example-headless", "example-nodeport-range"}
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=3),
                            data=answers_for(attempt, right=right))  # fmt: skip
    cards = {
        c.question.slug: c for c in CardState.objects.filter(user=member).select_related("question")
    }
    assert set(cards) == set(GRADED_SLUGS) - right
    assert headless.slug not in cards
    fresh = cards["example-cloze"]
    assert (fresh.state, fresh.step, fresh.due, fresh.version) == (
        1,
        0,
        NOW + timedelta(minutes=3),
        0,
    )
    kept = cards["example-layers"]
    assert kept.due == NOW + timedelta(minutes=3) and kept.version == 8
    assert (kept.state, kept.stability, kept.reps) == (2, 30, 4)
    # Study serves them now, learning first, and they can be answered and rated.
    settings = study_selectors.study_settings(member)
    question, card = study_selectors.next_card(member, settings, NOW + timedelta(minutes=4))
    assert card is not None and card.state == 1 and question.slug in cards
    response = ["true"] if question.type == "truefalse" else ["0"]  # an answer, if a wrong one
    answer = study_services.submit_answer(user=member, settings=settings, question=question,
                                          card_version=card.version, response=response,
                                          duration_ms=1, now=NOW + timedelta(minutes=4))  # fmt: skip
    study_services.rate_answer(user=member, settings=settings, answer_id=answer.pk, rating=1,
                               now=NOW + timedelta(minutes=4))  # fmt: skip


def test_misses_of_questions_retired_since_are_not_queued(assessment, member):
    attempt = start(assessment, member)
    Question.objects.filter(slug="example-cloze").update(is_retired=True)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    assert not CardState.objects.filter(question__slug="example-cloze").exists()
    assert CardState.objects.filter(user=member).count() == 6


def test_publishing_needs_items_and_stays_once_started(assessment, member, team):
    empty = AssessmentFactory(team=team, is_published=False)
    with pytest.raises(services.AssessmentError, match="at least one"):
        services.set_published(assessment=empty, published=True)
    start(assessment, member)
    with pytest.raises(services.AssessmentError, match="stays published"):
        services.set_published(assessment=assessment, published=False)


@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_and_submitting_at_once_make_one_attempt(assessment, member):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serializes writers (covered above)")
    barrier = threading.Barrier(2)
    started, submitted, errors = [], [], []

    def run(seed):
        try:
            barrier.wait()
            attempt = start(assessment, member, seed=seed)
            started.append(attempt.pk)
            barrier.wait()
            submitted.append(services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(started)) == 1 and Attempt.objects.count() == 1
    assert len({a.submitted_at for a in submitted}) == 1
    assert CardState.objects.filter(user=member).count() == 7

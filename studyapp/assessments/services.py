"""Writes of assessments: building one, starting, saving, submitting and closing attempts.

Each write is atomic; saving and submitting lock the attempt row, so a double click or a second
tab changes nothing twice. The deadline is checked here, against the server's clock.
"""

from __future__ import annotations

import contextlib
import random
import secrets
from collections.abc import Collection, Mapping
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, Q

from studyapp.accounts.models import User
from studyapp.banks.grading import grade
from studyapp.banks.models import Question, Topic
from studyapp.study import readiness_selectors
from studyapp.study.readiness import QuestionInfo
from studyapp.study.services import queue_now

from . import drawing, scoring
from .answering import answer_from_form, is_untouched, present_marker
from .models import Assessment, AssessmentItem, Attempt, AttemptQuestion
from .selectors import in_attempt_team
from .snapshots import html_to_data, spec_from_data, spec_to_data

CHOICE_TYPES = ("single", "multi")


class AssessmentError(Exception):
    """An assessment action that cannot be done, with a message for the person who tried."""


class AttemptClosedError(AssessmentError):
    """The attempt was already submitted."""


class LateAnswerError(AssessmentError):
    """An answer arrived after the deadline: it was refused and the attempt closed."""

    def __init__(self, deadline: datetime) -> None:
        super().__init__(
            f"Time is up: the deadline was {deadline:%H:%M:%S} UTC, so this answer was not saved. "
            "Your attempt was submitted with the answers saved before the deadline."
        )
        self.deadline = deadline


# Building ---------------------------------------------------------------------------------------


def _next_position(assessment: Assessment) -> int:
    last = assessment.items.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def add_question_item(*, assessment: Assessment, question: Question) -> AssessmentItem:
    """Add a fixed question; retired questions and flashcards (self-graded) are refused."""
    if question.is_retired:
        raise AssessmentError(f"“{question.slug}” is retired: it can't be added.")
    if question.type == Question.Type.FLASHCARD:
        raise AssessmentError(
            f"“{question.slug}” is a flashcard: flashcards are self-graded, so they can't be "
            "in an assessment."
        )
    try:
        with transaction.atomic():
            return AssessmentItem.objects.create(
                assessment=assessment, question=question, position=_next_position(assessment)
            )
    except IntegrityError as error:
        raise AssessmentError(f"“{question.slug}” is already in this assessment.") from error


def add_draw_item(
    *, assessment: Assessment, topic: Topic, count: int, difficulty: int | None
) -> AssessmentItem:
    """Add a random draw of `count` questions from a topic (optionally of one difficulty)."""
    if count < 1:
        raise AssessmentError("Draw at least one question.")
    return AssessmentItem.objects.create(
        assessment=assessment,
        topic=topic,
        count=count,
        difficulty=difficulty,
        position=_next_position(assessment),
    )


def add_random_questions(
    *,
    assessment: Assessment,
    topic: Topic,
    count: int,
    rng: random.Random,
    question_type: str = "",
    difficulty: int | None = None,
) -> list[AssessmentItem]:
    """Add `count` questions of a topic picked at random now, as fixed items (everyone gets the
    same ones); only questions not in the assessment yet, optionally of one type and level.

    Returns the items added (fewer than `count` when the topic has fewer left); AssessmentError
    when none is left.
    """
    if count < 1:
        raise AssessmentError("Add at least one question.")
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        candidates = (
            Question.objects.active()
            .exclude(type=Question.Type.FLASHCARD)
            .filter(topic=topic)
            .exclude(pk__in=assessment.items.filter(question__isnull=False).values("question_id"))
        )
        if question_type:
            candidates = candidates.filter(type=question_type)
        if difficulty:
            candidates = candidates.filter(difficulty=difficulty)
        ids = sorted(candidates.values_list("pk", flat=True))
        if not ids:
            raise AssessmentError(
                f"No question of {topic} matching these filters is left to add: "
                "they are all in this assessment already, or there are none."
            )
        chosen = rng.sample(ids, min(count, len(ids)))
        start = _next_position(assessment)
        return AssessmentItem.objects.bulk_create(
            AssessmentItem(assessment=assessment, question_id=pk, position=start + offset)
            for offset, pk in enumerate(chosen)
        )


def remove_item(*, item: AssessmentItem) -> None:
    """Remove an item; attempts already started keep their questions."""
    item.delete()


def move_item(*, item: AssessmentItem, offset: int) -> AssessmentItem:
    """Move an item `offset` places (-1 up, 1 down) in its assessment; at an end, nothing moves.

    The assessment's items are renumbered 0, 1, 2… under a lock, so two quick moves in two tabs
    apply one after the other.
    """
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=item.assessment_id).first()
        items = list(AssessmentItem.objects.filter(assessment_id=item.assessment_id))
        index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
        if index is None:
            raise AssessmentError("That question is no longer in this assessment.")
        target = max(0, min(len(items) - 1, index + offset))
        items.insert(target, items.pop(index))
        changed = []
        for position, other in enumerate(items):
            if other.position != position:
                other.position = position
                changed.append(other)
        AssessmentItem.objects.bulk_update(changed, ["position"])
    return items[target]


def delete_assessment(*, assessment: Assessment) -> None:
    """Delete an assessment nobody has started; AssessmentError once members have attempts."""
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        if locked is None:
            return
        if locked.attempts.exists():
            raise AssessmentError(
                "Members have started this assessment: it is kept with their results. "
                "Close it by moving its closing time to now."
            )
        locked.delete()


def set_published(*, assessment: Assessment, published: bool) -> Assessment:
    """Publish an assessment to its members, or take it back while nobody has started it."""
    if published and not assessment.items.exists():
        raise AssessmentError("Add at least one question or draw before publishing.")
    if not published and assessment.attempts.exists():
        raise AssessmentError("Members have started this assessment: it stays published.")
    assessment.is_published = published
    assessment.save(update_fields=["is_published", "updated_at"])
    return assessment


# Drawing ----------------------------------------------------------------------------------------


def _candidates(items: list[AssessmentItem]) -> list[drawing.Candidate]:
    fixed = [item.question_id for item in items if item.question_id]
    topics = {item.topic_id for item in items if item.topic_id}
    rows = (
        Question.objects.active()
        .exclude(type=Question.Type.FLASHCARD)
        .filter(Q(pk__in=fixed) | Q(topic_id__in=topics))
        .values_list("pk", "topic_id", "difficulty")
    )
    return [drawing.Candidate(pk, topic_id, difficulty) for pk, topic_id, difficulty in rows]


def _plans(items: list[AssessmentItem]) -> list[drawing.ItemPlan]:
    return [
        drawing.ItemPlan(item.question_id, item.topic_id, item.count, item.difficulty)
        for item in items
    ]


def draw_attempt_questions(*, assessment: Assessment, rng: random.Random) -> list[AttemptQuestion]:
    """Return unsaved questions of a new attempt: drawn, ordered and frozen as snapshots."""
    items = list(assessment.items.all())
    order = drawing.draw_questions(
        _plans(items), _candidates(items), rng, shuffle=assessment.shuffle_questions
    )
    questions = Question.objects.select_related("topic").prefetch_related("choices", "snippets")
    by_pk = {question.pk: question for question in questions.filter(pk__in=order)}
    drawn = []
    for position, pk in enumerate(order, start=1):
        question = by_pk[pk]
        spec = question.to_spec()
        drawn.append(
            AttemptQuestion(
                position=position,
                question=question,
                question_slug=question.slug,
                topic_slug=question.topic.slug,
                topic_title=question.topic.title,
                spec=spec_to_data(spec),
                html=html_to_data(question.stored_html()),
                choice_order=drawing.choice_order(
                    len(spec.choices),
                    rng,
                    shuffle=assessment.shuffle_choices and spec.type in CHOICE_TYPES,
                ),
                item_order=drawing.order_item_order(len(spec.items), rng),
            )
        )
    return drawn


# Attempts ---------------------------------------------------------------------------------------


def start_attempt(
    *, assessment: Assessment, user: User, now: datetime, rng: random.Random | None = None
) -> Attempt:
    """Start the member's next attempt, or return the one in progress (a second click resumes).

    The questions, their order and their choices' order are fixed here, for good.
    """
    close_overdue_attempts(now=now, user=user, assessment=assessment)
    current = assessment.attempts.in_progress().filter(user=user).first()
    if current is not None:
        return current
    if now < assessment.opens_at:
        raise AssessmentError(
            f"This assessment opens on {assessment.opens_at:%Y-%m-%d at %H:%M} UTC."
        )
    if now >= assessment.closes_at:
        raise AssessmentError(
            f"This assessment closed on {assessment.closes_at:%Y-%m-%d at %H:%M} UTC."
        )
    used = assessment.attempts.filter(user=user).count()
    if used >= assessment.attempts_allowed:
        raise AssessmentError(
            f"You have used your {assessment.attempts_allowed} "
            f"attempt{'s' if assessment.attempts_allowed != 1 else ''} at this assessment."
        )
    rng = rng or random.Random(secrets.randbits(64))  # noqa: S311 - a draw, not a secret
    drawn = draw_attempt_questions(assessment=assessment, rng=rng)
    if not drawn:
        raise AssessmentError(
            "This assessment has no questions to ask right now. Tell your team lead."
        )
    prediction = _predict(drawn, user=user, pass_mark=assessment.pass_mark, now=now)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                assessment=assessment,
                user=user,
                number=used + 1,
                started_at=now,
                deadline=min(now + assessment.time_limit, assessment.closes_at),
                question_count=len(drawn),
                predicted_score=prediction.readiness.expected_score if prediction else None,
                predicted_pass_probability=(
                    prediction.readiness.pass_probability if prediction else None
                ),
            )
            for question in drawn:
                question.attempt = attempt
            AttemptQuestion.objects.bulk_create(drawn)
    except IntegrityError as error:
        # Started at the same moment in another tab: resume that one.
        current = assessment.attempts.in_progress().filter(user=user).first()
        if current is not None:
            return current
        raise AssessmentError(
            "This attempt was just started and submitted in another tab or window."
        ) from error
    return attempt


def _predict(
    drawn: list[AttemptQuestion], *, user: User, pass_mark: float, now: datetime
) -> readiness_selectors.Prediction | None:
    """Predict the attempt's result from the member's memory now (kept for calibration), and set
    each question's predicted chance; None below readiness's minimum of reviews."""
    questions = [
        QuestionInfo(row.question_id, row.question.topic_id, row.question.difficulty)
        for row in drawn
    ]
    prediction = readiness_selectors.prediction(user.pk, questions, pass_mark, now)
    if prediction is not None:
        for row in drawn:
            row.predicted_probability = prediction.chances[row.question_id]
    return prediction


def _locked_attempt(attempt_id: int, user: User) -> Attempt:
    """Lock the user's attempt; refuse it once they are no longer in the assessment's team."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("assessment")
        .filter(pk=attempt_id, user=user)
        .filter(Exists(in_attempt_team(user)))
        .first()
    )
    if attempt is None:
        raise AssessmentError("That attempt does not exist.")
    return attempt


def save_answers(
    *,
    attempt_id: int,
    user: User,
    data: Mapping,
    now: datetime,
    positions: Collection[int] | None = None,
) -> list[AttemptQuestion]:
    """Save the answers the form holds (all, or those at `positions`); return the questions.

    Only questions whose fields are in the form are touched. After the deadline nothing is
    saved: the attempt is submitted with what was saved before, and LateAnswerError is raised.
    """
    with transaction.atomic():
        attempt = _locked_attempt(attempt_id, user)
        if attempt.is_submitted:
            raise AttemptClosedError(
                "This attempt was already submitted: its answers can no longer change."
            )
        is_late = now >= attempt.deadline
        rows = []
        if not is_late:
            rows = list(attempt.questions.all())
            if positions is not None:
                rows = [row for row in rows if row.position in positions]
            changed = []
            for row in rows:
                if present_marker(row.position) not in data:
                    continue
                spec = spec_from_data(row.spec)
                response = answer_from_form(
                    spec, row.item_order, row.position, data, row.choice_order
                )
                if is_untouched(spec, row.item_order, response):
                    response = []
                if response != row.response:
                    row.response = response
                    row.answered_at = now if response else None
                    changed.append(row)
            AttemptQuestion.objects.bulk_update(changed, ["response", "answered_at"])
    if is_late:
        close_attempt(attempt_id=attempt_id, now=now)
        raise LateAnswerError(attempt.deadline)
    return rows


def submit_attempt(
    *, attempt_id: int, user: User, now: datetime, data: Mapping | None = None
) -> Attempt:
    """Save the answers in `data` (if any), then grade and submit the attempt, exactly once.

    Submitting again returns the submitted attempt unchanged.
    """
    if data is not None:
        with contextlib.suppress(AttemptClosedError):  # submitted already: nothing to save
            save_answers(attempt_id=attempt_id, user=user, data=data, now=now)
    with transaction.atomic():
        attempt = _locked_attempt(attempt_id, user)
        if not attempt.is_submitted:
            _grade_and_close(attempt, now, is_time_up=now >= attempt.deadline)
    return attempt


def close_attempt(*, attempt_id: int, now: datetime) -> Attempt | None:
    """Submit an attempt whose deadline passed with what was saved; None if it was not overdue."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("assessment")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None or attempt.is_submitted or now < attempt.deadline:
            return None
        _grade_and_close(attempt, now, is_time_up=True)
    return attempt


def close_overdue_attempts(
    *, now: datetime, user: User | None = None, assessment: Assessment | None = None
) -> int:
    """Submit every attempt past its deadline (optionally of one member or assessment).

    Returns how many were closed.
    """
    overdue = Attempt.objects.overdue(now)
    if user is not None:
        overdue = overdue.filter(user=user)
    if assessment is not None:
        overdue = overdue.filter(assessment=assessment)
    closed = 0
    for attempt_id in overdue.values_list("pk", flat=True).order_by("deadline", "pk"):
        if close_attempt(attempt_id=attempt_id, now=now) is not None:
            closed += 1
    return closed


def _grade_and_close(attempt: Attempt, now: datetime, *, is_time_up: bool) -> None:
    """Grade every question from its snapshot, score the attempt and queue the misses.

    Called with the attempt row locked, inside the caller's transaction.
    """
    rows = list(attempt.questions.all())
    for row in rows:
        spec = spec_from_data(row.spec)
        verdict = grade(spec, row.response)
        row.is_correct = verdict.is_correct
        row.score = scoring.question_credit(spec.type, verdict.is_correct, verdict.score)
        row.feedback = list(verdict.feedback)
    AttemptQuestion.objects.bulk_update(rows, ["is_correct", "score", "feedback"])
    attempt.is_time_up = is_time_up
    attempt.submitted_at = min(now, attempt.deadline)
    _score(attempt, rows)
    attempt.save(
        update_fields=[
            "question_count",
            "correct_count",
            "score",
            "passed",
            "is_time_up",
            "submitted_at",
        ]
    )
    missed = [row.question_id for row in rows if not row.is_correct and row.question_id]
    queue_misses(attempt=attempt, question_ids=missed, now=now)


def _score(attempt: Attempt, rows: list[AttemptQuestion]) -> None:
    """Set the attempt's counts, score and pass from its graded questions (not saved)."""
    attempt.question_count = len(rows)
    attempt.correct_count = sum(1 for row in rows if row.is_correct)
    attempt.score = scoring.attempt_percent(row.score or 0.0 for row in rows)
    attempt.passed = attempt.score >= attempt.assessment.pass_mark


def regrade_question(
    *, attempt_id: int, position: int, is_correct: bool, by: User, now: datetime
) -> Attempt:
    """A lead's verdict on one question of a submitted attempt: right (the whole point) or wrong
    (none). The attempt's score and pass, and so the report, are recomputed. Saying the same
    again changes nothing."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("assessment")
            .filter(pk=attempt_id)
            .first()
        )
        if attempt is None:
            raise AssessmentError("That attempt does not exist.")
        if not attempt.is_submitted:
            raise AssessmentError("Only a submitted attempt can be regraded.")
        if attempt.user_id == by.pk:
            raise AssessmentError("You can't regrade your own attempt.")
        rows = list(attempt.questions.all())
        row = next((row for row in rows if row.position == position), None)
        if row is None:
            raise AssessmentError("This attempt has no such question.")
        if row.regraded_by_id is not None and row.is_correct == is_correct:
            return attempt
        row.is_correct = is_correct
        row.score = 1.0 if is_correct else 0.0
        row.regraded_by = by
        row.regraded_at = now
        row.save(update_fields=["is_correct", "score", "regraded_by", "regraded_at"])
        _score(attempt, rows)
        attempt.save(update_fields=["question_count", "correct_count", "score", "passed"])
    return attempt


def queue_misses(*, attempt: Attempt, question_ids: Collection[int], now: datetime) -> int:
    """Put the questions a member missed in their review queue; return how many.

    Public questions are due at once. A restricted bank's question shows its answer in review,
    so it comes due only when the assessment lets members see answers: now (after submitting),
    when the window closes, or never.
    """
    restricted = set(
        Question.objects.filter(pk__in=question_ids, bank__is_restricted=True).values_list(
            "pk", flat=True
        )
    )
    public = [pk for pk in question_ids if pk not in restricted]
    count = queue_now(user_id=attempt.user_id, question_ids=public, now=now)
    shown = attempt.assessment.answers_shown
    if restricted and shown != Assessment.AnswersShown.NEVER:
        due = now
        if shown == Assessment.AnswersShown.AFTER_CLOSE:
            due = max(now, attempt.assessment.closes_at)
        count += queue_now(
            user_id=attempt.user_id,
            question_ids=restricted,
            now=now,
            due=due,
            include_restricted=True,
        )
    return count

"""Writes of studying: answering, rating, undo, suspend and bury. Each one atomic and idempotent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from studyapp.banks.grading import grade
from studyapp.banks.models import Question

from . import scheduling
from .models import Answer, CardState, ReviewLog, StudySettings
from .scheduling import Memory


class StudyError(Exception):
    """A study action that cannot be done, with a message for the learner."""


@dataclass(frozen=True)
class RatingResult:
    review: ReviewLog
    became_leech: bool
    already_recorded: bool


def scheduler_for(settings: StudySettings):  # noqa: ANN201 - an fsrs.Scheduler
    """Return the learner's scheduler (their retention and, if fitted, their parameters)."""
    return scheduling.build_scheduler(
        desired_retention=settings.desired_retention, parameters=settings.parameters
    )


def memory_of(card: CardState) -> Memory:
    return Memory(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
    )


def _apply(card: CardState, memory: Memory) -> None:
    card.state = memory.state
    card.step = memory.step
    card.stability = memory.stability
    card.difficulty = memory.difficulty
    card.due = memory.due
    card.last_review = memory.last_review
    card.reps = memory.reps
    card.lapses = memory.lapses


def submit_answer(
    *,
    user: object,
    settings: StudySettings,
    question: Question,
    card_version: int,
    response: list,
    duration_ms: int,
    now: datetime,
    self_graded: bool = False,
) -> Answer:
    """Grade an answer and keep it with the outcome of each allowed rating.

    Flashcards, and any question drilled aloud (`self_graded`), are rated by the learner: every
    rating is allowed.

    Answering the same card version again (double click, resent POST, a second tab) returns the
    first answer unchanged.
    """
    card, _ = CardState.objects.get_or_create(
        user=user, question=question, defaults={"due": now, "state": CardState.State.NEW}
    )
    if card_version != card.version:
        existing = Answer.objects.filter(card=card, card_version=card_version).first()
        if existing is not None:
            return existing
        raise StudyError("This card changed in another tab or window; here is where it stands now.")
    spec = question.to_spec()
    if self_graded or question.type == Question.Type.FLASHCARD:
        is_correct, score, feedback = None, 0.0, []
    else:
        verdict = grade(spec, response)
        is_correct, score, feedback = verdict.is_correct, verdict.score, list(verdict.feedback)
    outcomes = scheduling.preview(
        scheduler_for(settings),
        card.pk,
        memory_of(card),
        scheduling.allowed_ratings(is_correct),
        now,
    )
    try:
        with transaction.atomic():
            return Answer.objects.create(
                user=user,
                card=card,
                card_version=card_version,
                response=response,
                is_correct=is_correct,
                score=score,
                feedback=feedback,
                duration_ms=max(0, min(duration_ms, 3_600_000)),
                outcomes={str(rating): memory.to_json() for rating, memory in outcomes.items()},
                created_at=now,
            )
    except IntegrityError:  # this version was answered already: keep the first answer
        return Answer.objects.get(card=card, card_version=card_version)


def rate_answer(
    *, user: object, settings: StudySettings, answer_id: int, rating: int, now: datetime
) -> RatingResult:
    """Apply the outcome that was shown for `rating` and log the review, exactly once."""
    with transaction.atomic():
        # The answer and its card, locked together: a second rating of the same answer (double
        # click, two tabs) waits here, then finds the first one's review.
        answer = (
            Answer.objects.select_related("card")
            .filter(pk=answer_id, user=user)
            .select_for_update(of=("self", "card"))
            .first()
        )
        if answer is None:
            raise StudyError("That answer does not exist.")
        existing = ReviewLog.objects.filter(answer=answer).first()
        if existing is not None:
            return RatingResult(existing, False, already_recorded=True)
        card = answer.card
        if card.version != answer.card_version:
            raise StudyError("This card was already reviewed in another tab or window.")
        outcome = answer.outcomes.get(str(rating))
        if outcome is None:
            allowed = ", ".join(scheduling.RATING_NAMES[int(r)] for r in answer.outcomes)
            raise StudyError(f"This answer can be rated {allowed}.")
        before = card.snapshot()
        state_before = card.state
        _apply(card, Memory.from_json(outcome))
        card.buried_until = None
        became_leech = (
            rating == scheduling.AGAIN
            and state_before == CardState.State.REVIEW
            and card.lapses >= settings.leech_threshold
            and not card.is_leech
        )
        if became_leech:
            card.is_leech = True
            card.is_suspended = True
        card.version += 1
        card.save()
        review = ReviewLog.objects.create(
            user=user,
            card=card,
            answer=answer,
            rating=rating,
            state_before=state_before,
            reviewed_at=now,
            duration_ms=answer.duration_ms,
            is_correct=answer.is_correct if answer.is_correct is not None else rating > 1,
            card_before=before,
        )
    return RatingResult(review, became_leech, already_recorded=False)


def undo_last_review(*, user: object) -> ReviewLog | None:
    """Restore the card of the learner's last review to its exact previous state; drop the log."""
    with transaction.atomic():
        review = (
            ReviewLog.objects.for_user(user)
            .select_for_update()
            .order_by("-reviewed_at", "-pk")
            .first()
        )
        if review is None:
            return None
        card = CardState.objects.select_for_update().get(pk=review.card_id)
        before = review.card_before
        card.state = before["state"]
        card.step = before["step"]
        card.stability = before["stability"]
        card.difficulty = before["difficulty"]
        card.due = datetime.fromisoformat(before["due"])
        card.last_review = (
            datetime.fromisoformat(before["last_review"]) if before["last_review"] else None
        )
        card.reps = before["reps"]
        card.lapses = before["lapses"]
        card.is_suspended = before["is_suspended"]
        card.is_leech = before["is_leech"]
        card.buried_until = (
            datetime.fromisoformat(before["buried_until"]) if before["buried_until"] else None
        )
        card.version += 1
        card.save()
        review.delete()
    return review


def _card_for(user: object, question: Question, now: datetime) -> CardState:
    card, _ = CardState.objects.get_or_create(
        user=user, question=question, defaults={"due": now, "state": CardState.State.NEW}
    )
    return card


def set_suspended(*, user: object, question: Question, suspended: bool, now: datetime) -> CardState:
    """Suspend (hide from study until unsuspended) or unsuspend a card."""
    with transaction.atomic():
        card = _card_for(user, question, now)
        card = CardState.objects.select_for_update().get(pk=card.pk)
        if card.is_suspended != suspended:
            card.is_suspended = suspended
            if not suspended:
                card.is_leech = False
            card.version += 1
            card.save()
    return card


def bury(*, user: object, settings: StudySettings, question: Question, now: datetime) -> CardState:
    """Hide a card until the learner's next study day starts."""
    with transaction.atomic():
        card = _card_for(user, question, now)
        card = CardState.objects.select_for_update().get(pk=card.pk)
        card.buried_until = scheduling.next_day_start(now, settings.time_zone)
        card.version += 1
        card.save()
    return card


def queue_now(*, user: object, question_ids: Collection[int], now: datetime) -> int:
    """Make these questions due now in the learner's review queue; return how many.

    A question never studied gets a learning card at its first step; a card that exists is made
    due now (its version bumped, so an answer shown in another tab is not applied twice).
    Retired questions and suspended cards are left out. Doing it twice changes nothing more.
    """
    ids = set(Question.objects.active().filter(pk__in=question_ids).values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        cards = CardState.objects.filter(user=user, question_id__in=ids)
        existing = set(cards.values_list("question_id", flat=True))
        suspended = set(cards.filter(is_suspended=True).values_list("question_id", flat=True))
        # A card only shown, never rated, is still new: the queue takes new cards in study
        # order, so it becomes a learning card at its first step, as if never shown.
        cards.filter(is_suspended=False, state=CardState.State.NEW).update(
            state=CardState.State.LEARNING, step=0
        )
        cards.filter(is_suspended=False).update(
            due=now, buried_until=None, version=F("version") + 1
        )
        CardState.objects.bulk_create(
            [
                CardState(
                    user=user,
                    question_id=question_id,
                    state=CardState.State.LEARNING,
                    step=0,
                    due=now,
                )
                for question_id in sorted(ids - existing)
            ],
            ignore_conflicts=True,
        )
    return len(ids - suspended)

"""Writes of studying: answering, rating, undo, suspend and bury. Each one atomic and idempotent."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from studyapp.banks import catalog
from studyapp.banks.grading import grade, unanswered_reason
from studyapp.banks.models import Question, Topic
from studyapp.core import sql

from . import scheduling, selectors, summaries
from .models import Answer, CardState, ReviewLog, StudySettings
from .scheduling import Memory

# Typed answers may be graded wrong for a spelling or wording the author did not foresee: the
# learner may say "I was right" (and the review log says they did).
OVERRIDABLE_TYPES = (Question.Type.SHORT, Question.Type.CLOZE)
STALE_MESSAGE = (
    "This card changed in another tab or window (reviewed, undone, buried or suspended there): "
    "here is where it stands now."
)


# What a rating changes in a card (the fields of a Memory, and the flags it may set).
CARD_CHANGES = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "buried_until",
    "is_leech",
    "is_suspended",
    "version",
)


class StudyError(Exception):
    """A study action that cannot be done, with a message for the learner."""


class NotGradedError(StudyError):
    """An answer that says nothing yet (empty, or a manifest that is not YAML): nothing recorded."""


@dataclass(frozen=True)
class RatingResult:
    review: ReviewLog
    became_leech: bool
    already_recorded: bool


def scheduler_for(settings: StudySettings):  # noqa: ANN201 - an fsrs.Scheduler
    """Return the learner's scheduler (their retention and, if fitted, their parameters)."""
    parameters = tuple(settings.parameters) if settings.parameters else None
    return _scheduler(settings.desired_retention, parameters)


@lru_cache(maxsize=256)
def _scheduler(desired_retention: float, parameters: tuple[float, ...] | None):  # noqa: ANN202
    # A scheduler holds nothing but its settings: one per retention and parameters is enough.
    return scheduling.build_scheduler(desired_retention=desired_retention, parameters=parameters)


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
    """Grade an answer and keep it with the outcome of each rating it may get.

    Flashcards, and any question drilled aloud (`self_graded`), are rated by the learner: every
    rating is allowed. A wrong typed answer also keeps the outcomes of the right-answer ratings,
    for an "I was right"; a near miss may be rated Hard.

    An answer that cannot be judged (see `unanswered_reason`) raises NotGradedError before
    anything is written. Answering the same card version again (double click, resent POST, a
    second tab) returns the first answer unchanged.
    """
    spec = catalog.grading_spec(question)
    if not self_graded:
        reason = unanswered_reason(spec, response)
        if reason:
            raise NotGradedError(reason)
    card = selectors.card_of(user, question.pk)
    if question.bank.is_restricted and (card is None or (card.due > now and not card.reps)):
        # Assessment questions come to a learner only through an assessment: a card it queued
        # (due once the answers may be shown) or one reviewed before. Never made here.
        raise StudyError(
            "This question is kept for assessments: it comes to your reviews once an "
            "assessment has asked it and its answers may be shown."
        )
    if card is not None and card_version != card.version:
        existing = Answer.objects.filter(card=card, card_version=card_version).first()
        if existing is not None:
            return existing
        raise StudyError(STALE_MESSAGE)
    is_near_miss = False
    if self_graded or question.type == Question.Type.FLASHCARD:
        is_correct, score, feedback = None, 0.0, []
    else:
        verdict = grade(spec, response)
        is_correct, score, feedback = verdict.is_correct, verdict.score, list(verdict.feedback)
        is_near_miss = verdict.is_near_miss and not is_correct
    ratings = scheduling.allowed_ratings(is_correct, is_near_miss=is_near_miss)
    if is_correct is False and question.type in OVERRIDABLE_TYPES:
        ratings = scheduling.allowed_ratings(None)  # Again now; Hard to Easy after an override
    answer = Answer(
        user=user,
        card=card,
        card_version=card_version,
        response=response,
        is_correct=is_correct,
        is_near_miss=is_near_miss,
        score=score,
        feedback=feedback,
        duration_ms=max(0, min(duration_ms, 3_600_000)),
        created_at=now,
    )
    try:
        if card is not None:
            answer.outcomes = _outcomes(settings, card, ratings, now)
            # One INSERT, atomic on its own; in a caller's transaction, a savepoint, so a
            # conflict leaves that transaction usable.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                return sql.insert(answer)
        if card_version != 0:
            raise StudyError(
                "This card changed in another tab or window; here is where it stands now."
            )
        with transaction.atomic():  # the card of a question never studied, then the answer
            answer.card = sql.insert(
                CardState(user=user, question=question, due=now, state=CardState.State.NEW)
            )
            answer.outcomes = _outcomes(settings, answer.card, ratings, now)
            return sql.insert(answer)
    except IntegrityError:
        # The same card or answer written at the same moment (double click, a second tab):
        # nothing of ours was kept; the first answer to this version is the answer.
        existing = Answer.objects.filter(
            card__user=user, card__question=question, card_version=card_version
        ).first()
        if existing is None:
            raise StudyError(
                "This card changed in another tab or window; here is where it stands now."
            ) from None
        return existing


def _outcomes(settings: StudySettings, card: CardState, ratings: list[int], now: datetime) -> dict:
    """Return the card state each rating gives, as the answer keeps them (JSON)."""
    outcomes = scheduling.preview(scheduler_for(settings), card.pk, memory_of(card), ratings, now)
    return {str(rating): memory.to_json() for rating, memory in outcomes.items()}


def override_answer(*, user: object, answer_id: int) -> Answer:
    """Mark a wrong typed answer right at the learner's word ("I was right"), before rating.

    It may then be rated Hard, Good or Easy, and its review is logged as overridden. Saying it
    twice changes nothing.
    """
    with transaction.atomic():
        answer = (
            Answer.objects.select_related("card")
            .filter(pk=answer_id, user=user)
            .select_for_update(of=("self", "card"))
            .first()
        )
        if answer is None:
            raise StudyError("That answer does not exist.")
        if answer.is_overridden:
            return answer
        if ReviewLog.objects.filter(answer=answer).exists():
            raise StudyError("This answer was already rated: undo the review to change it.")
        if answer.card.version != answer.card_version:
            raise StudyError(STALE_MESSAGE)
        if not answer.can_override:
            raise StudyError("Only a typed answer graded wrong can be marked right.")
        answer.is_overridden = True
        answer.save(update_fields=["is_overridden"])
    return answer


def rate_answer(
    *, user: object, settings: StudySettings, answer_id: int, rating: int, now: datetime
) -> RatingResult:
    """Apply the outcome that was shown for `rating` and log the review, exactly once."""
    with transaction.atomic():
        # The answer and its card, locked together: a second rating of the same answer (double
        # click, two tabs) waits here, then finds the first one's review.
        answer, reviewed = _answer_to_rate(answer_id, user)
        if answer is None:
            raise StudyError("That answer does not exist.")
        if reviewed:
            return RatingResult(ReviewLog.objects.get(answer=answer), False, already_recorded=True)
        card = answer.card
        if card.version != answer.card_version:
            # Rated meanwhile? The review joined above is as the query began, before the lock
            # was ours: look again.
            existing = ReviewLog.objects.filter(answer=answer).first()
            if existing is not None:
                return RatingResult(existing, False, already_recorded=True)
            raise StudyError(STALE_MESSAGE)
        outcome = answer.outcomes.get(str(rating))
        if outcome is None or rating not in answer.ratings:
            allowed = ", ".join(scheduling.RATING_NAMES[r] for r in answer.ratings)
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
        sql.update(card, CARD_CHANGES)
        review = sql.insert(
            ReviewLog(
                user=user,
                card=card,
                answer=answer,
                rating=rating,
                state_before=state_before,
                reviewed_at=now,
                duration_ms=answer.duration_ms,
                is_correct=(
                    True
                    if answer.is_overridden
                    else (answer.is_correct if answer.is_correct is not None else rating > 1)
                ),
                is_overridden=answer.is_overridden,
                card_before=before,
            )
        )
        summaries.add_review(review, settings.time_zone)
    return RatingResult(review, became_leech, already_recorded=False)


def _answer_to_rate(answer_id: int, user: object) -> tuple[Answer | None, bool]:
    """Return the learner's answer with its card, both locked until the transaction ends, and
    whether it has a review (as the query began). None when it is not theirs. One query."""
    lock = connection.features.has_select_for_update_of
    row = sql.fetchone(_answer_to_rate_sql(lock), [answer_id, user.pk])
    if row is None:
        return None, False
    width = len(Answer._meta.concrete_fields)
    answer = sql.instance(Answer, row[:width])
    answer.card = sql.instance(CardState, row[width:-1])
    return answer, row[-1] is not None


@cache
def _answer_to_rate_sql(lock: bool) -> str:
    # Plain SQL: the ORM takes longer to build this join than the database to run it. The
    # answer and its card are locked together (PostgreSQL; SQLite's writer holds the whole
    # database from BEGIN IMMEDIATE); the review is only looked at.
    return (
        f'SELECT {sql.columns(Answer, "a")}, {sql.columns(CardState, "c")}, r."id" '
        f'FROM "{Answer._meta.db_table}" AS a '
        f'INNER JOIN "{CardState._meta.db_table}" AS c ON c."id" = a."card_id" '
        f'LEFT OUTER JOIN "{ReviewLog._meta.db_table}" AS r ON r."answer_id" = a."id" '
        'WHERE a."id" = %s AND a."user_id" = %s' + (" FOR UPDATE OF a, c" if lock else "")
    )


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
        summaries.remove_review(review)
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


def add_topic_to_reviews(*, user: object, topic: Topic) -> bool:
    """Put a topic's questions in the learner's review queue: its new cards come before any
    other, within the daily new-card limit, and it is studied even outside the topics they chose.
    Returns False when it already was in their reviews (nothing changes)."""
    settings, _ = StudySettings.objects.get_or_create(user=user)
    through = StudySettings.added_topics.through
    try:
        with transaction.atomic():
            _, created = through.objects.get_or_create(
                studysettings_id=settings.pk, topic_id=topic.pk
            )
    except IntegrityError:  # added at the same moment in another tab
        return False
    return created


def remove_topic_from_reviews(*, user: object, topic: Topic) -> bool:
    """Take a topic out of the learner's added topics (cards already studied stay in the queue).
    Returns whether it was there."""
    through = StudySettings.added_topics.through
    deleted, _ = through.objects.filter(studysettings__user=user, topic=topic).delete()
    return bool(deleted)


def queue_now(
    *,
    user_id: int,
    question_ids: Collection[int],
    now: datetime,
    due: datetime | None = None,
    include_restricted: bool = False,
) -> int:
    """Make these questions due (now, or at `due`) in the learner's review queue; return how many.

    A question never studied gets a learning card at its first step; a card that exists is made
    due (its version bumped, so an answer shown in another tab is not applied twice). Retired
    questions and suspended cards are left out, and so are restricted banks' questions unless
    `include_restricted` (an assessment queuing what a member missed). Doing it twice changes
    nothing more.
    """
    due = due or now
    questions = Question.objects.active() if include_restricted else Question.objects.public()
    ids = set(questions.filter(pk__in=question_ids).values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        cards = CardState.objects.filter(user_id=user_id, question_id__in=ids)
        existing = set(cards.values_list("question_id", flat=True))
        suspended = set(cards.filter(is_suspended=True).values_list("question_id", flat=True))
        # A card only shown, never rated, is still new: the queue takes new cards in study
        # order, so it becomes a learning card at its first step, as if never shown.
        cards.filter(is_suspended=False, state=CardState.State.NEW).update(
            state=CardState.State.LEARNING, step=0
        )
        cards.filter(is_suspended=False).update(
            due=due, buried_until=None, version=F("version") + 1
        )
        CardState.objects.bulk_create(
            [
                CardState(
                    user_id=user_id,
                    question_id=question_id,
                    state=CardState.State.LEARNING,
                    step=0,
                    due=due,
                )
                for question_id in sorted(ids - existing)
            ],
            ignore_conflicts=True,
        )
    return len(ids - suspended)

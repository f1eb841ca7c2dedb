"""Personal FSRS parameters: fit them to a learner's review log with fsrs-rs; keep them if better.

The only importer of fsrs_rs_python. Turning reviews into training items, fitting, evaluating and
checking parameters are plain functions; `review_history` is the one read of the review log and
`optimize_parameters` the one write (the learner's settings).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

import fsrs_rs_python
from django.db import transaction
from django.utils import timezone

from . import scheduling
from .models import ReviewLog, StudySettings
from .selectors import study_settings

# fsrs-rs fits all 21 parameters only from 64 training items on (below that it fits just the four
# initial stabilities, below 8 it returns the defaults unchanged; fsrs-rs training.rs). An item is
# a review that comes a day or more after the card's previous one, so first reviews and same-day
# learning steps do not count: a few hundred reviews give well over 64 items, and 400 leaves
# room for the outlier filter fsrs-rs applies first while staying reachable in a few weeks.
MINIMUM_REVIEWS = 400
MINIMUM_TRAINING_ITEMS = 64
# fsrs-rs computes in 32-bit floats (0.8 comes back as 0.800000011920929, just above the bound
# fsrs.Scheduler accepts); four decimals is how FSRS publishes parameters and clears that noise.
PARAMETER_DECIMALS = 4

Rating = int
DaysElapsed = int


class OptimizationError(Exception):
    """Parameters that cannot be optimized now, with a message for the learner."""


class NotEnoughReviewsError(OptimizationError):
    """The learner has fewer reviews than optimizing needs."""

    def __init__(self, review_count: int) -> None:
        self.review_count = review_count
        super().__init__(
            f"Optimizing needs at least {MINIMUM_REVIEWS} reviews; you have {review_count}. "
            "Until then the FSRS defaults schedule your cards."
        )


@dataclass(frozen=True)
class Review:
    """One rated review, as the optimizer reads it."""

    card_id: int
    rating: int
    state_before: int
    reviewed_at: datetime


class TrainingHistory(NamedTuple):
    """A card's reviews up to one review, as (rating, whole days since the previous review)."""

    reviewed_at: datetime  # of its last review, the one fsrs-rs learns to predict
    reviews: list[tuple[Rating, DaysElapsed]]


@dataclass(frozen=True)
class TrainingSet:
    """The fsrs-rs items built from a review log, and what they came from."""

    items: list[fsrs_rs_python.FSRSItem]
    review_count: int
    incomplete_card_count: int


@dataclass(frozen=True)
class Evaluation:
    """How well parameters predict the items: log loss and RMSE over bins (both lower is better)."""

    log_loss: float
    rmse: float

    def __str__(self) -> str:
        return f"log loss {self.log_loss:.4f}, RMSE {self.rmse:.2%}"


@dataclass(frozen=True)
class OptimizationResult:
    """The figures of one optimization and whether its parameters were kept."""

    review_count: int
    item_count: int
    incomplete_card_count: int
    had_personal_parameters: bool
    before: Evaluation
    after: Evaluation
    parameters: tuple[float, ...]
    is_kept: bool


def review_history(user: object) -> list[Review]:
    """Return the learner's reviews, card by card, in the order they were made."""
    rows = (
        ReviewLog.objects.for_user(user)
        .order_by("card_id", "reviewed_at", "pk")
        .values_list("card_id", "rating", "state_before", "reviewed_at")
    )
    return [Review(*row) for row in rows.iterator(chunk_size=2000)]


def card_histories(history: Sequence[Review]) -> list[TrainingHistory]:
    """Return one training history per review that came a day or more after the previous one.

    `history` is one card's reviews in time order. Each training history is the card's reviews up
    to and including that review, starting with the review of the card as new (0 days). A card
    with no review as new (an imported, partial history) gives none: fsrs-rs needs to see how a
    card was first learned.

    Days are whole 24-hour periods, the way fsrs.Scheduler counts them when it uses the fitted
    parameters; a review less than a day after the previous one is a same-day (short-term) step.
    """
    starts = [
        index for index, review in enumerate(history) if review.state_before == scheduling.NEW
    ]
    if not starts:
        return []
    reviews: list[tuple[Rating, DaysElapsed]] = []
    histories = []
    previous = history[starts[-1]].reviewed_at
    for review in history[starts[-1] :]:
        days = (review.reviewed_at - previous).days
        reviews.append((review.rating, days))
        if days > 0:
            # fsrs-rs predicts the last review of an item from the ones before; an item whose
            # reviews all fall on one day has nothing to predict (and makes fsrs-rs panic).
            histories.append(TrainingHistory(review.reviewed_at, list(reviews)))
        previous = review.reviewed_at
    return histories


def fsrs_item(history: Sequence[tuple[Rating, DaysElapsed]]) -> fsrs_rs_python.FSRSItem:
    """Return the fsrs-rs item for one training history."""
    return fsrs_rs_python.FSRSItem(
        [fsrs_rs_python.FSRSReview(rating, days) for rating, days in history]
    )


def build_training_set(reviews: Iterable[Review]) -> TrainingSet:
    """Return the fsrs-rs training items of a review log (in any order).

    The items come in the order of the reviews they end with: fsrs-rs weighs later items more
    (its recency weighting expects items "sorted by the review timestamp").
    """
    ordered = sorted(reviews, key=attrgetter("card_id", "reviewed_at"))
    histories: list[TrainingHistory] = []
    incomplete = 0
    for _card_id, card_reviews in groupby(ordered, key=attrgetter("card_id")):
        history = list(card_reviews)
        if not any(review.state_before == scheduling.NEW for review in history):
            incomplete += 1
            continue
        histories.extend(card_histories(history))
    histories.sort(key=attrgetter("reviewed_at"))
    return TrainingSet(
        items=[fsrs_item(history.reviews) for history in histories],
        review_count=len(ordered),
        incomplete_card_count=incomplete,
    )


def checked_parameters(values: Sequence[float]) -> tuple[float, ...]:
    """Return fitted parameters rounded and confirmed usable by the scheduler.

    Raises OptimizationError when fsrs-rs gives a different number of parameters than the
    scheduler's FSRS version takes, or values the scheduler rejects.
    """
    expected = len(scheduling.DEFAULT_PARAMETERS)
    if len(values) != expected:
        raise OptimizationError(
            f"The optimizer returned {len(values)} parameters, but the scheduler (FSRS-6) takes "
            f"{expected}. Your parameters were not changed."
        )
    if not all(math.isfinite(value) for value in values):
        raise OptimizationError(
            "The optimizer returned parameters that are not numbers. "
            "Your parameters were not changed."
        )
    parameters = tuple(round(value, PARAMETER_DECIMALS) for value in values)
    try:
        scheduling.build_scheduler(parameters=parameters)
    except ValueError as error:
        raise OptimizationError(
            f"The scheduler does not accept the fitted parameters ({error}). "
            "Your parameters were not changed."
        ) from error
    return parameters


def fit_parameters(items: Sequence[fsrs_rs_python.FSRSItem]) -> tuple[float, ...]:
    """Return FSRS parameters fitted to the items, checked for the scheduler."""
    relearning_steps = len(scheduling.build_scheduler().relearning_steps)
    try:
        fitted = fsrs_rs_python.FSRS(list(scheduling.DEFAULT_PARAMETERS)).compute_parameters(
            list(items), enable_short_term=True, num_relearning_steps=relearning_steps
        )
    except ValueError as error:
        raise OptimizationError(f"The optimizer could not fit parameters ({error}).") from error
    return checked_parameters(fitted)


def evaluate(items: Sequence[fsrs_rs_python.FSRSItem], parameters: Sequence[float]) -> Evaluation:
    """Return how well the parameters predict the items."""
    try:
        evaluation = fsrs_rs_python.FSRS(list(parameters)).evaluate(list(items))
    except ValueError as error:
        raise OptimizationError(
            f"The optimizer could not evaluate parameters ({error})."
        ) from error
    return Evaluation(log_loss=evaluation.log_loss, rmse=evaluation.rmse_bins)


def fitted_evaluation(settings: StudySettings) -> Evaluation | None:
    """Return the figures the learner's fitted parameters were kept with, if any."""
    if settings.parameters_log_loss is None or settings.parameters_rmse is None:
        return None
    return Evaluation(log_loss=settings.parameters_log_loss, rmse=settings.parameters_rmse)


def is_improvement(before: Evaluation, after: Evaluation) -> bool:
    """Whether new parameters predict the reviews better than the current ones."""
    return after.log_loss < before.log_loss


def optimize_parameters(
    user: object,
    *,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> OptimizationResult:
    """Fit the learner's FSRS parameters to their reviews; keep them only if they predict better.

    The current parameters (the learner's fitted ones, or the defaults) and the new ones are
    evaluated on the same items; `progress` receives a line before each slow step.
    """
    report = progress or (lambda message: None)
    settings = study_settings(user)
    current = tuple(settings.parameters) if settings.parameters else scheduling.DEFAULT_PARAMETERS
    report("Loading reviews…")
    training = build_training_set(review_history(user))
    if training.review_count < MINIMUM_REVIEWS:
        raise NotEnoughReviewsError(training.review_count)
    if len(training.items) < MINIMUM_TRAINING_ITEMS:
        raise OptimizationError(
            f"Only {len(training.items)} of your {training.review_count} reviews came a day or "
            f"more after the card's previous review; optimizing needs at least "
            f"{MINIMUM_TRAINING_ITEMS} of those. Keep reviewing cards as they come due."
        )
    item_count = len(training.items)
    report(f"Evaluating the current parameters on {item_count} items…")
    before = evaluate(training.items, current)
    report(f"Fitting new parameters to {item_count} items…")
    parameters = fit_parameters(training.items)
    report("Evaluating the new parameters…")
    after = evaluate(training.items, parameters)
    is_kept = is_improvement(before, after)
    if is_kept:
        with transaction.atomic():
            locked = StudySettings.objects.select_for_update().get(pk=settings.pk)
            if locked.parameters != settings.parameters:
                raise OptimizationError(
                    "Your parameters changed while this optimization ran; run it again."
                )
            locked.parameters = list(parameters)
            locked.parameters_log_loss = after.log_loss
            locked.parameters_rmse = after.rmse
            locked.optimized_at = now or timezone.now()
            locked.save(
                update_fields=[
                    "parameters",
                    "parameters_log_loss",
                    "parameters_rmse",
                    "optimized_at",
                ]
            )
    return OptimizationResult(
        review_count=training.review_count,
        item_count=item_count,
        incomplete_card_count=training.incomplete_card_count,
        had_personal_parameters=bool(settings.parameters),
        before=before,
        after=after,
        parameters=parameters,
        is_kept=is_kept,
    )

"""Personal FSRS parameters: training items, fitting with fsrs-rs, keeping only better ones."""

from __future__ import annotations

import functools
import heapq
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO

import fsrs
import fsrs_rs_python
import pytest
from django.core.management import CommandError, call_command

from studyapp.banks.models import Question
from studyapp.study import optimizing, scheduling, selectors, services, summaries
from studyapp.study.models import Answer, CardState, ReviewLog
from studyapp.study.optimizing import Review
from tests.factories import BankFactory, QuestionFactory, UserFactory

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
# A learner who forgets new cards faster than the FSRS defaults assume (lower initial stability)
# and gains less from a successful review (w8); the scheduler they study with uses the defaults.
TRUE_PARAMETERS = (0.1, 0.5, 1.0, 4.0, *scheduling.DEFAULT_PARAMETERS[4:8], 1.2,
                   *scheduling.DEFAULT_PARAMETERS[9:])  # fmt: skip


@dataclass(frozen=True)
class SimulatedReview:
    card: int
    rating: int
    state_before: int
    reviewed_at: datetime


@functools.cache
def simulated_history(*, cards: int, days: int, new_per_day: int, seed: int = 7) -> tuple:
    """Reviews of a learner whose recall follows TRUE_PARAMETERS, scheduled by FSRS defaults.

    Each card is reviewed when the default scheduler says it is due (plus up to 90 minutes); the
    learner recalls it with the probability the true parameters give, then rates Hard, Good or
    Easy (10/80/10), or Again on a lapse. First ratings are Again/Hard/Good/Easy 20/10/60/10.
    """
    rng = random.Random(seed)
    app = fsrs.Scheduler(enable_fuzzing=False)
    truth = fsrs.Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    end = START + timedelta(days=days)
    due: list[tuple[datetime, int]] = []
    memory: dict[int, tuple[fsrs.Card, fsrs.Card]] = {}
    for card in range(cards):
        first = START + timedelta(days=card // new_per_day, minutes=rng.randint(0, 600))
        heapq.heappush(due, (first, card))
        memory[card] = (fsrs.Card(card_id=card + 1, due=first), fsrs.Card(card_id=card + 1))
    history = []
    while due:
        when, card = heapq.heappop(due)
        if when >= end:
            continue
        now = when + timedelta(minutes=rng.randint(0, 90))
        scheduled, true = memory[card]
        if true.last_review is None:
            state_before = CardState.State.NEW
            rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.6, 0.1])[0]
        else:
            state_before = int(scheduled.state)
            recalled = rng.random() < truth.get_card_retrievability(true, now)
            rating = rng.choices([2, 3, 4], [0.1, 0.8, 0.1])[0] if recalled else 1
        scheduled, _ = app.review_card(scheduled, fsrs.Rating(rating), now)
        true, _ = truth.review_card(true, fsrs.Rating(rating), now)
        memory[card] = (scheduled, true)
        history.append(SimulatedReview(card, rating, state_before, now))
        heapq.heappush(due, (scheduled.due, card))
    return tuple(history)


def store_history(user, history) -> int:
    """Write simulated reviews as the app would: a card state, and an answer per review."""
    cards_used = sorted({review.card for review in history})
    bank = BankFactory()
    questions = Question.objects.bulk_create(
        QuestionFactory.build_batch(len(cards_used), bank=bank, topic=bank.topic)
    )
    cards = dict(
        zip(
            cards_used,
            CardState.objects.bulk_create(
                CardState(user=user, question=question, state=CardState.State.REVIEW, due=NOW)
                for question in questions
            ),
            strict=True,
        )
    )
    versions = dict.fromkeys(cards_used, 0)
    answers, logs = [], []
    for review in history:
        card = cards[review.card]
        answer = Answer(user=user, card=card, card_version=versions[review.card],
                        outcomes={}, created_at=review.reviewed_at)  # fmt: skip
        versions[review.card] += 1
        answers.append(answer)
        logs.append(ReviewLog(user=user, card=card, answer=answer, rating=review.rating,
                              state_before=review.state_before, reviewed_at=review.reviewed_at,
                              duration_ms=4000, is_correct=review.rating > 1, card_before={}))  # fmt: skip
    Answer.objects.bulk_create(answers)
    ReviewLog.objects.bulk_create(logs)
    summaries.rebuild([user.pk])  # and their days, as the app keeps them
    return len(logs)


def full_history():
    return simulated_history(cards=70, days=100, new_per_day=7)


@pytest.fixture
def learner():
    return UserFactory(username="learner")


@pytest.fixture
def studied(learner):
    """The learner with about 580 simulated reviews over three months."""
    store_history(learner, full_history())
    return learner


# --- training items (pure) ---------------------------------------------------------------------


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return START + timedelta(days=day, hours=hour - 9, minutes=minute)


def test_a_card_gives_one_item_per_review_on_a_later_day():
    history = [
        Review(1, 3, 0, at(0)),  # new
        Review(1, 3, 1, at(0, minute=10)),  # learning step, same day: no item
        Review(1, 1, 2, at(1, hour=10)),  # 25 hours later: 1 day
        Review(1, 3, 3, at(1, hour=10, minute=10)),  # relearning step: no item
        Review(1, 3, 2, at(4, hour=8)),  # almost 3 days later: 2 whole days
    ]
    assert optimizing.card_histories(history) == [
        (at(1, hour=10), [(3, 0), (3, 0), (1, 1)]),
        (at(4, hour=8), [(3, 0), (3, 0), (1, 1), (3, 0), (3, 2)]),
    ]


def test_a_review_less_than_a_day_later_counts_as_the_same_day_like_the_scheduler():
    history = [Review(1, 3, 0, at(0, hour=20)), Review(1, 3, 2, at(1, hour=9))]
    assert optimizing.card_histories(history) == []


def test_a_history_that_does_not_start_as_new_gives_no_items():
    history = [Review(1, 3, 2, at(0)), Review(1, 3, 2, at(5))]
    training = optimizing.build_training_set(history)
    assert training.items == [] and training.incomplete_card_count == 1
    assert training.review_count == 2


def test_items_come_in_the_order_of_the_reviews_they_predict_whatever_the_log_order():
    # fsrs-rs weighs later items more, so it expects them in time order.
    log = [Review(2, 3, 2, at(3)), Review(1, 4, 0, at(0)), Review(1, 3, 2, at(9)),
           Review(2, 2, 0, at(1)), Review(1, 3, 2, at(4))]  # fmt: skip
    items = optimizing.build_training_set(log).items
    assert [repr(item) for item in items] == [
        repr(optimizing.fsrs_item(history))
        for history in ([(2, 0), (3, 2)], [(4, 0), (3, 4)], [(4, 0), (3, 4), (3, 5)])
    ]
    assert all(isinstance(item, fsrs_rs_python.FSRSItem) for item in items)
    assert [len(item.reviews) for item in items] == [2, 2, 3]
    assert [item.long_term_review_cnt() for item in items] == [1, 1, 2]


def test_a_simulated_log_gives_items_that_start_new_and_end_a_day_or_more_later():
    reviews = [Review(r.card, r.rating, r.state_before, r.reviewed_at) for r in full_history()]
    histories = [
        history
        for card in {review.card_id for review in reviews}
        for history in optimizing.card_histories([r for r in reviews if r.card_id == card])
    ]
    assert all(reviews[0][1] == 0 and reviews[-1][1] > 0 for _, reviews in histories)
    training = optimizing.build_training_set(reviews)
    assert training.review_count == len(reviews) and training.incomplete_card_count == 0
    assert optimizing.MINIMUM_TRAINING_ITEMS < len(training.items) == len(histories) < len(reviews)


# --- checking parameters (pure) ----------------------------------------------------------------


def test_fsrs_rs_32_bit_defaults_round_to_the_scheduler_defaults():
    assert len(fsrs_rs_python.DEFAULT_PARAMETERS) == 21
    checked = optimizing.checked_parameters(fsrs_rs_python.DEFAULT_PARAMETERS)
    assert checked == scheduling.DEFAULT_PARAMETERS


def test_a_parameter_at_a_32_bit_bound_is_accepted():
    values = list(fsrs_rs_python.DEFAULT_PARAMETERS)
    values[20] = 0.800000011920929  # 0.8 as fsrs-rs returns it, above fsrs's bound in 64 bits
    assert optimizing.checked_parameters(values)[20] == 0.8


@pytest.mark.parametrize("count", [17, 19, 22])
def test_a_parameter_count_the_scheduler_does_not_take_is_refused(count):
    with pytest.raises(
        optimizing.OptimizationError, match=f"returned {count} parameters.*takes 21"
    ):
        optimizing.checked_parameters([0.5] * count)


@pytest.mark.parametrize("index, value", [(20, 0.95), (0, math.nan), (4, -1.0)])
def test_parameters_the_scheduler_rejects_are_refused(index, value):
    values = list(scheduling.DEFAULT_PARAMETERS)
    values[index] = value
    with pytest.raises(optimizing.OptimizationError, match="not changed"):
        optimizing.checked_parameters(values)


@pytest.mark.parametrize(
    "before, after, expected",
    [(0.40, 0.39, True), (0.40, 0.40, False), (0.40, 0.41, False)],
)
def test_new_parameters_must_lower_the_log_loss(before, after, expected):
    evaluation = functools.partial(optimizing.Evaluation, rmse=0.05)
    assert optimizing.is_improvement(evaluation(before), evaluation(after)) is expected


# --- optimizing (database) ---------------------------------------------------------------------


@pytest.mark.django_db
def test_optimizing_a_simulated_learner_keeps_better_fsrs6_parameters(studied):
    result = optimizing.optimize_parameters(studied, now=NOW)
    assert result.review_count == len(full_history())
    assert result.item_count > optimizing.MINIMUM_TRAINING_ITEMS
    assert not result.had_personal_parameters
    assert len(result.parameters) == 21
    fsrs.Scheduler(parameters=result.parameters)  # accepted as they are
    assert result.parameters != scheduling.DEFAULT_PARAMETERS
    for evaluation in (result.before, result.after):
        assert 0 < evaluation.log_loss < 1 and 0 < evaluation.rmse < 1
    assert result.after.log_loss < result.before.log_loss and result.is_kept
    settings = selectors.study_settings(studied)
    assert settings.parameters == list(result.parameters)
    assert settings.parameters_log_loss == pytest.approx(result.after.log_loss)
    assert settings.parameters_rmse == pytest.approx(result.after.rmse)
    assert settings.optimized_at == NOW
    assert services.scheduler_for(settings).parameters == result.parameters


@pytest.mark.django_db
def test_parameters_that_are_already_optimal_are_not_replaced(studied):
    first = optimizing.optimize_parameters(studied, now=NOW)
    later = NOW + timedelta(days=1)
    again = optimizing.optimize_parameters(studied, now=later)
    assert again.had_personal_parameters
    assert again.before.log_loss == pytest.approx(first.after.log_loss)
    assert again.after.log_loss >= again.before.log_loss
    assert not again.is_kept
    settings = selectors.study_settings(studied)
    assert settings.parameters == list(first.parameters)
    assert settings.optimized_at == NOW  # untouched


@pytest.mark.django_db
def test_worse_parameters_are_not_kept_even_when_the_current_ones_are_the_defaults(learner):
    # A short history: what fsrs-rs fits to it predicts the reviews worse than the defaults.
    history = simulated_history(cards=60, days=120, new_per_day=6)
    store_history(learner, history)
    result = optimizing.optimize_parameters(learner, now=NOW)
    assert result.review_count == len(history) >= optimizing.MINIMUM_REVIEWS
    assert result.after.log_loss >= result.before.log_loss and not result.is_kept
    assert selectors.study_settings(learner).parameters is None


@pytest.mark.django_db
def test_too_few_reviews_gives_the_message(learner):
    store_history(UserFactory(), full_history())  # someone else's reviews do not count
    store_history(learner, full_history()[:399])
    with pytest.raises(optimizing.NotEnoughReviewsError) as raised:
        optimizing.optimize_parameters(learner)
    assert str(raised.value).startswith("Optimizing needs at least 400 reviews; you have 399.")
    assert selectors.study_settings(learner).parameters is None


@pytest.mark.django_db
def test_reviews_all_on_the_first_day_give_the_message(learner):
    day_one = [
        SimulatedReview(card, 3, state, at(0, minute=step))
        for card in range(200)
        for step, state in ((0, CardState.State.NEW), (10, CardState.State.LEARNING))
    ]
    store_history(learner, day_one)
    with pytest.raises(optimizing.OptimizationError, match="Only 0 of your 400 reviews"):
        optimizing.optimize_parameters(learner)


# --- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_the_figures_and_keeps_better_parameters(studied):
    out, err = StringIO(), StringIO()
    call_command("optimize_fsrs", user="learner", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"Reviews used: {len(full_history())} (")
    assert lines[1].startswith("Before (the FSRS defaults): log loss 0.")
    assert lines[2].startswith("After (new parameters): log loss 0.")
    assert "RMSE" in lines[1] and "%" in lines[2]
    assert lines[3].startswith("Kept")
    assert "Fitting new parameters" in err.getvalue() and "Done." in err.getvalue()
    assert selectors.study_settings(studied).parameters is not None

    out = StringIO()
    call_command("optimize_fsrs", user="learner", stdout=out, stderr=StringIO())
    assert "Before (your parameters)" in out.getvalue()
    assert out.getvalue().splitlines()[-1].startswith("Not kept")


@pytest.mark.django_db
def test_command_fails_for_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'nobody'") as raised:
        call_command("optimize_fsrs", user="nobody", stdout=StringIO(), stderr=StringIO())
    assert raised.value.returncode == 1


@pytest.mark.django_db
def test_command_fails_with_too_few_reviews(learner):
    store_history(learner, full_history()[:50])
    with pytest.raises(CommandError, match="at least 400 reviews; you have 50") as raised:
        call_command("optimize_fsrs", user="learner", stdout=StringIO(), stderr=StringIO())
    assert raised.value.returncode == 1


# --- the settings page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_settings_page_offers_optimizing_once_there_are_enough_reviews(client, studied):
    client.force_login(studied)
    page = client.get("/study/settings/").content.decode()
    assert 'action="/study/settings/optimize/"' in page
    assert f"your {len(full_history())} reviews" in page
    assert "FSRS default parameters" in page


@pytest.mark.django_db
def test_settings_page_says_how_many_reviews_are_needed(client, learner):
    store_history(learner, full_history()[:120])
    client.force_login(learner)
    page = client.get("/study/settings/").content.decode()
    assert "/study/settings/optimize/" not in page
    assert "You have 120 reviews; optimizing needs at least 400." in page


@pytest.mark.django_db
def test_optimize_button_fits_keeps_and_reports(client, studied):
    client.force_login(studied)
    response = client.post("/study/settings/optimize/")
    assert response.status_code == 302 and response["Location"] == "/study/settings/"
    page = client.get("/study/settings/").content.decode()
    assert "New parameters kept" in page and "Before (the FSRS defaults): log loss" in page
    assert "parameters fitted to your reviews on" in page
    assert selectors.study_settings(studied).parameters is not None


@pytest.mark.django_db
def test_optimize_button_with_too_few_reviews_shows_the_message(client, learner):
    client.force_login(learner)
    page = client.post("/study/settings/optimize/", follow=True).content.decode()
    assert "Optimizing needs at least 400 reviews; you have 0." in page


@pytest.mark.django_db
def test_optimize_is_post_only(client, learner):
    client.force_login(learner)
    assert client.get("/study/settings/optimize/").status_code == 405


@pytest.mark.django_db
def test_anonymous_optimize_is_sent_to_login(client):
    response = client.post("/study/settings/optimize/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

"""Readiness, pure: the exact Poisson-binomial tail, draws, the projection to a date, the prior."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.study import readiness, scheduling
from studyapp.study.readiness import (
    Draw,
    FirstTryPrior,
    Learner,
    QuestionInfo,
    QuestionSet,
    correct_count_distribution,
    passing_count,
    score_percent,
    subset_distributions,
    tail,
)
from studyapp.study.scheduling import Memory

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


# Brute force: every outcome of every question, every way the draws can go ----------------------


def brute_distribution(chances: list[float]) -> list[float]:
    """P(k right), summing every one of the 2^n outcomes."""
    result = [0.0] * (len(chances) + 1)
    for outcome in itertools.product([0, 1], repeat=len(chances)):
        mass = math.prod(p if right else 1 - p for p, right in zip(chances, outcome, strict=True))
        result[sum(outcome)] += mass
    return result


def brute_attempts(question_set: QuestionSet) -> list[tuple[float, tuple[int, ...]]]:
    """Every possible attempt with its probability, following the draw rule step by step."""
    fixed = tuple(dict.fromkeys(question_set.fixed))
    attempts = [(1.0, fixed)]
    for draw in question_set.draws:
        following = []
        for chance, taken in attempts:
            left = sorted(set(draw.pool) - set(taken))
            k = min(draw.count, len(left))
            combinations = list(itertools.combinations(left, k))
            following.extend((chance / len(combinations), taken + c) for c in combinations)
        attempts = following
    return attempts


def brute_readiness(question_set: QuestionSet, chances: dict[int, float], pass_mark: float):
    expected = passing = 0.0
    weights: dict[int, float] = {}
    for chance, attempt in brute_attempts(question_set):
        distribution = brute_distribution([chances[q] for q in attempt])
        need = passing_count(len(attempt), pass_mark)
        passing += chance * sum(distribution[need:])
        expected += chance * sum(k * m for k, m in enumerate(distribution)) * 100 / len(attempt)
        for q in attempt:
            weights[q] = weights.get(q, 0.0) + chance / len(attempt)
    return expected, passing, weights


# The tail ----------------------------------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=0, max_size=11))
@settings(max_examples=200, deadline=None)
def test_poisson_binomial_matches_brute_force(chances):
    exact = correct_count_distribution(chances)
    brute = brute_distribution(chances)
    assert len(exact) == len(brute)
    for least in range(len(chances) + 2):
        assert tail(exact, least) == pytest.approx(sum(brute[least:]), abs=1e-12)


def test_poisson_binomial_of_equal_chances_is_the_binomial():
    distribution = correct_count_distribution([0.3] * 40)
    for k in (0, 5, 12, 20, 40):
        assert distribution[k] == pytest.approx(math.comb(40, k) * 0.3**k * 0.7 ** (40 - k))
    assert math.fsum(distribution) == pytest.approx(1.0)


def test_the_tail_is_exact_where_a_normal_approximation_is_far_off():
    # 50 questions at 99%, pass at 50/50: the binomial gives 0.605; a normal approximation with
    # continuity correction gives 0.5 (the mean 49.5 sits just under the mark).
    distribution = correct_count_distribution([0.99] * 50)
    assert tail(distribution, 50) == pytest.approx(0.99**50, rel=1e-12)
    assert tail(distribution, 0) == 1.0
    assert tail(distribution, 51) == 0.0


@pytest.mark.parametrize(
    ("total", "pass_mark", "least"),
    [(10, 70, 7), (3, 70, 3), (3, 66, 2), (3, 67, 3), (7, 50, 4), (20, 0, 0), (20, 100, 20),
     (6, 33, 2), (9, 100, 9), (1, 1, 1)],
)  # fmt: skip
def test_passing_count_follows_the_graded_score(total, pass_mark, least):
    # 2/3 scores 66.67: it passes at 66, not at 67.
    assert passing_count(total, pass_mark) == least
    assert score_percent(least, total) >= pass_mark
    if least:
        assert score_percent(least - 1, total) < pass_mark


def test_passing_count_agrees_with_exact_fractions_wherever_rounding_does_not_matter():
    for total in range(1, 60):
        for pass_mark in range(0, 101):
            least = passing_count(total, pass_mark)
            exact = next(k for k in range(total + 1) if Fraction(100 * k, total) >= pass_mark)
            # Scores are rounded to 2 decimals, as grading stores them: a score a hair under the
            # mark (e.g. 69.999) rounds up and passes. Otherwise the two agree.
            assert least == exact or score_percent(exact - 1, total) >= pass_mark


# Draws -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("most", [0, 1, 3, 6])
def test_uniform_subset_distributions_match_brute_force(most):
    chances = [0.1, 0.95, 0.5, 0.7, 0.33, 0.0]
    rows = subset_distributions(chances, most)
    assert len(rows) == most + 1
    for j, row in enumerate(rows):
        subsets = list(itertools.combinations(chances, j))
        brute = [0.0] * (j + 1)
        for subset in subsets:
            for k, mass in enumerate(brute_distribution(list(subset))):
                brute[k] += mass / len(subsets)
        assert row == pytest.approx(brute, abs=1e-12)


CHANCES = {q: c for q, c in zip(range(1, 13), [0.9, 0.2, 0.65, 0.5, 0.99, 0.05, 0.8, 0.45,
                                                0.3, 0.7, 0.6, 0.15], strict=True)}  # fmt: skip
SETS = {
    "fixed only": QuestionSet(fixed=(1, 2, 3, 4)),
    "one draw": QuestionSet(draws=(Draw((1, 2, 3, 4, 5, 6), 3),)),
    "fixed and disjoint draws": QuestionSet(
        fixed=(7,), draws=(Draw((1, 2, 3, 4), 2), Draw((5, 6, 8, 9), 3))
    ),
    "a fixed question inside a pool": QuestionSet(fixed=(2, 9), draws=(Draw((1, 2, 3, 4), 2),)),
    "overlapping pools": QuestionSet(
        draws=(Draw((1, 2, 3, 4, 5), 2), Draw((4, 5, 6, 7), 2), Draw((1, 7, 8), 1))
    ),
    "a pool too small": QuestionSet(fixed=(1,), draws=(Draw((1, 2, 3), 4), Draw((3, 4, 5), 2))),
    "nested pools": QuestionSet(draws=(Draw((1, 2), 1), Draw((1, 2, 3, 4, 5, 6), 4))),
}


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("pass_mark", [0, 50, 70, 100])
def test_readiness_averages_exactly_over_the_draws(name, pass_mark):
    question_set = SETS[name]
    result = readiness.readiness(question_set, CHANCES, pass_mark)
    expected, passing, weights = brute_readiness(question_set, CHANCES, pass_mark)
    assert result.method == "exact"
    assert result.expected_score == pytest.approx(expected, abs=1e-9)
    assert result.pass_probability == pytest.approx(passing, abs=1e-12)
    assert result.score_weights == pytest.approx(weights, abs=1e-12)
    sizes = {len(attempt) for _, attempt in brute_attempts(question_set)}
    assert (result.fewest_questions, result.most_questions) == (min(sizes), max(sizes))


def test_the_sample_rule_is_the_exact_rule():
    # Drawn attempts follow the layout's distribution (the sampler is also what the fallback uses).
    question_set = SETS["overlapping pools"]
    rng = random.Random(3)
    counts: dict[tuple[int, ...], int] = {}
    for _ in range(20_000):
        attempt = tuple(sorted(readiness.sample_questions(question_set, rng)))
        counts[attempt] = counts.get(attempt, 0) + 1
    brute: dict[tuple[int, ...], float] = {}
    for chance, attempt in brute_attempts(question_set):
        key = tuple(sorted(attempt))
        brute[key] = brute.get(key, 0.0) + chance
    assert set(counts) == set(brute)
    for attempt, chance in brute.items():
        sd = math.sqrt(chance * (1 - chance) / 20_000)
        assert abs(counts[attempt] / 20_000 - chance) < 5 * sd + 1e-9


def test_past_the_state_limit_readiness_is_sampled_and_says_so(monkeypatch):
    question_set = SETS["overlapping pools"]
    exact = readiness.readiness(question_set, CHANCES, 50)
    monkeypatch.setattr(readiness, "EXACT_STATE_LIMIT", 2)
    sampled = readiness.readiness(question_set, CHANCES, 50)
    assert sampled.method == "sampled" and sampled.samples == readiness.SAMPLES
    assert 0 < sampled.standard_error < 0.05
    assert abs(sampled.pass_probability - exact.pass_probability) < 4 * sampled.standard_error
    assert sampled.expected_score == pytest.approx(exact.expected_score, abs=3)
    again = readiness.readiness(question_set, CHANCES, 50)
    assert again == sampled  # a fixed seed: the same figure on every page load


def test_draws_from_separate_topics_stay_exact_however_large():
    chances = {q: (q % 17) / 17 for q in range(1, 601)}
    pools = [tuple(range(start, start + 100)) for start in range(1, 601, 100)]
    question_set = QuestionSet(draws=tuple(Draw(pool, 10) for pool in pools))
    result = readiness.readiness(question_set, chances, 70)
    assert result.method == "exact" and result.question_count == 60
    expected = sum(sum(chances[q] for q in pool) / 100 * 10 for pool in pools) * 100 / 60
    assert result.expected_score == pytest.approx(expected)


# The projection to a date -------------------------------------------------------------------------


def fsrs_curve(parameters, stability: float, days: int) -> float:
    """FSRS-6's forgetting curve, written out: R(t) = (1 + f t / S) ^ -decay, f = 0.9^(-1/decay) - 1."""
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    return (1 + factor * days / stability) ** -decay


def studied(stability: float, days_ago: float) -> Memory:
    last = NOW - timedelta(days=days_ago)
    return Memory(state=scheduling.REVIEW, stability=stability, difficulty=5.0,
                  due=last + timedelta(days=stability), last_review=last, reps=4)  # fmt: skip


@pytest.mark.parametrize("days_ahead", [0, 1, 7, 30, 365])
def test_projection_to_a_date_follows_the_fsrs_forgetting_curve(days_ahead):
    learner = Learner(memories={1: studied(12.0, 3)}, first_tries={}, review_count=100)
    question = QuestionInfo(1, topic_id=1, difficulty=2)
    chance = readiness.chances_at(learner, [question], NOW + timedelta(days=days_ahead))[1]
    expected = fsrs_curve(scheduling.DEFAULT_PARAMETERS, 12.0, 3 + days_ahead)
    assert chance == pytest.approx(expected, rel=1e-9)


def test_stability_is_the_interval_at_ninety_percent():
    learner = Learner(memories={1: studied(20.0, 0)}, first_tries={}, review_count=100)
    chances = readiness.chances_at(learner, [QuestionInfo(1, 1, 2)], NOW + timedelta(days=20))
    assert chances[1] == pytest.approx(0.9)


def test_projection_uses_the_learners_own_parameters():
    parameters = list(scheduling.DEFAULT_PARAMETERS)
    parameters[20] = 0.5  # a steeper forgetting curve than the default decay
    memory = {1: studied(10.0, 0)}
    at = NOW + timedelta(days=40)
    mine = Learner(memories=memory, first_tries={}, review_count=100, parameters=parameters)
    default = Learner(memories=memory, first_tries={}, review_count=100)
    question = [QuestionInfo(1, 1, 2)]
    assert readiness.chances_at(mine, question, at)[1] == pytest.approx(
        fsrs_curve(parameters, 10.0, 40)
    )
    assert readiness.chances_at(mine, question, at)[1] != pytest.approx(
        readiness.chances_at(default, question, at)[1], abs=1e-3
    )


def test_projection_counts_whole_days_as_fsrs_does():
    learner = Learner(memories={1: studied(5.0, 0)}, first_tries={}, review_count=100)
    question = [QuestionInfo(1, 1, 2)]
    later_today = readiness.chances_at(learner, question, NOW + timedelta(hours=23))[1]
    assert later_today == 1.0
    tomorrow = readiness.chances_at(learner, question, NOW + timedelta(days=1))[1]
    assert tomorrow == pytest.approx(fsrs_curve(scheduling.DEFAULT_PARAMETERS, 5.0, 1))


# The prior ----------------------------------------------------------------------------------------


def test_prior_without_first_tries_is_the_default():
    prior = FirstTryPrior({})
    assert prior.overall == readiness.DEFAULT_FIRST_TRY_ACCURACY
    assert prior.chance(1, 2) == readiness.DEFAULT_FIRST_TRY_ACCURACY


def logit(p):
    return math.log(p / (1 - p))


def test_prior_adds_shrunk_topic_and_difficulty_effects_to_the_learners_share():
    k0, k = readiness.PRIOR_STRENGTH, readiness.EFFECT_STRENGTH
    tries = {(1, 2): (4, 4), (2, 2): (6, 3), (1, 3): (10, 2)}
    prior = FirstTryPrior(tries)
    pooled = 9 / 20
    overall = (9 + k0 * 0.5) / (20 + k0)
    topic_1 = logit((6 + k * pooled) / (14 + k)) - logit(pooled)
    level_2 = logit((7 + k * pooled) / (10 + k)) - logit(pooled)
    assert prior.overall == pytest.approx(overall)
    assert logit(prior.chance(1, 2)) == pytest.approx(logit(overall) + topic_1 + level_2)
    # A topic never tried: only the level's effect; a level never tried: only the topic's.
    assert logit(prior.chance(9, 2)) == pytest.approx(logit(overall) + level_2)
    assert logit(prior.chance(1, 1)) == pytest.approx(logit(overall) + topic_1)
    assert prior.chance(9, 1) == pytest.approx(overall)
    # Difficulty 2 went better (7 of 10) than 3 (2 of 10); topic 2 (3 of 6) than 1 (6 of 14).
    assert prior.chance(9, 2) > prior.chance(9, 3)
    assert prior.chance(2, 2) > prior.chance(1, 2)


def test_prior_with_plenty_of_first_tries_is_the_learners_own_rate():
    prior = FirstTryPrior({(1, 2): (2000, 1700), (2, 2): (2000, 400)})
    assert prior.chance(1, 2) == pytest.approx(0.85, abs=0.01)
    assert prior.chance(2, 2) == pytest.approx(0.20, abs=0.01)


def test_a_few_first_tries_move_the_prior_only_a_little():
    lucky = FirstTryPrior({(1, 2): (3, 3), (2, 2): (30, 15)})
    assert 0.5 < lucky.chance(1, 2) < 0.6  # three right out of three is not 100%


def test_unstudied_and_new_cards_get_the_prior():
    learner = Learner(memories={}, first_tries={(1, 2): (10, 9), (2, 3): (10, 2)}, review_count=40)
    chances = readiness.chances_at(learner, [QuestionInfo(5, 1, 2), QuestionInfo(6, 7, 3)], NOW)
    assert chances[5] == pytest.approx(learner.prior.chance(1, 2))
    assert chances[6] == pytest.approx(learner.prior.chance(7, 3))
    assert chances[5] > learner.prior.overall > chances[6]


def test_readiness_needs_the_minimum_of_reviews():
    few = Learner(memories={}, first_tries={}, review_count=readiness.MINIMUM_REVIEWS - 1)
    enough = Learner(memories={}, first_tries={}, review_count=readiness.MINIMUM_REVIEWS)
    assert not few.has_enough_reviews and enough.has_enough_reviews


# What would raise it ------------------------------------------------------------------------------


def test_topic_gains_put_first_the_weak_topic_that_raises_the_pass_chance_most():
    question_set = QuestionSet(fixed=tuple(range(1, 11)))
    chances = {q: 0.95 for q in range(1, 11)} | {9: 0.2, 10: 0.3}
    topic_of = {q: 1 for q in range(1, 9)} | {9: 2, 10: 2}
    current = readiness.readiness(question_set, chances, 90)
    gains = readiness.topic_gains(question_set, chances, 90, topic_of, current, target=0.9)
    assert [g.topic_id for g in gains] == [2, 1]
    weak = gains[0]
    assert weak.recall == pytest.approx(0.25)
    assert weak.gain == pytest.approx(100 * (0.7 + 0.6) / 10)
    assert weak.raised.pass_probability > current.pass_probability
    assert gains[1].gain == 0  # already above the target


def test_review_plan_orders_cards_by_gain_per_minute():
    learner = Learner(
        memories={1: studied(3.0, 6), 2: studied(200.0, 1), 3: studied(3.0, 6)},
        first_tries={(1, 2): (20, 10)},
        review_count=100,
    )
    questions = [QuestionInfo(q, 1, 2) for q in (1, 2, 3, 4)]
    at = NOW + timedelta(days=10)
    chances = readiness.chances_at(learner, questions, at)
    weights = {q: 0.25 for q in (1, 2, 3, 4)}
    minutes = {1: 2.0, 2: 0.5, 3: 0.5, 4: 1.0}
    plan = readiness.review_plan(learner, questions, weights, chances, NOW, at,
                                 minutes.__getitem__, size=10)  # fmt: skip
    rates = [step.gain_per_minute for step in plan]
    assert rates == sorted(rates, reverse=True)
    by_question = {step.question_id: step for step in plan}
    # The same weak memory: the quicker review comes first.
    assert plan.index(by_question[3]) < plan.index(by_question[1])
    assert by_question[3].gain == pytest.approx(by_question[1].gain)
    # A never-studied question can be worth studying; a card recalled anyway gains little.
    assert 4 in by_question
    assert by_question.get(2) is None or by_question[2].gain < by_question[3].gain / 5
    for step in plan:
        assert step.gain == pytest.approx(100 * 0.25 * (step.chance_after - step.chance_then))
        assert step.chance_after > step.chance_then
    assert len(readiness.review_plan(learner, questions, weights, chances, NOW, at,
                                     minutes.__getitem__, size=1)) == 1  # fmt: skip


def test_review_minutes_are_the_learners_own_medians():
    timed = [("single", 20_000)] * 6 + [("yaml", 180_000)] * 2 + [("single", 3_600_000)]
    minutes = readiness.review_minutes(timed)
    assert minutes("single") == pytest.approx(20_000 / 60_000)  # one review left open: ignored
    assert minutes("yaml") == pytest.approx(20_000 / 60_000)  # too few: the overall median
    assert minutes("cloze") == pytest.approx(20_000 / 60_000)
    assert readiness.review_minutes([])("single") == readiness.DEFAULT_REVIEW_MINUTES
    assert readiness.review_minutes([("single", 0)] * 9)("single") == 0.5


def test_mock_set_draws_across_topics_in_proportion():
    questions = [QuestionInfo(q, 1, 2) for q in range(100)]
    questions += [QuestionInfo(q, 2, 2) for q in range(100, 150)]
    questions += [QuestionInfo(q, 3, 2) for q in range(150, 160)]
    mock = readiness.mock_set(questions, 40)
    counts = {min(draw.pool) // 100: draw.count for draw in mock.draws}
    assert sum(draw.count for draw in mock.draws) == 40
    assert [draw.count for draw in mock.draws] == [25, 13, 2]  # 25.0, 12.5, 2.5 -> ties by topic
    assert counts
    few = readiness.mock_set(questions[:12], 40)
    assert few.fixed == tuple(range(12)) and not few.draws


def test_chance_after_a_review_weighs_recalling_and_forgetting():
    memory = studied(4.0, 9)
    learner = Learner(memories={1: memory}, first_tries={(1, 2): (10, 3)}, review_count=100)
    scheduler = learner.scheduler()
    at = NOW + timedelta(days=14)
    now_chance = scheduling.retrievability(scheduler, 1, memory, NOW)
    good = scheduling.review(scheduler, 1, memory, scheduling.GOOD, NOW)
    again = scheduling.review(scheduler, 1, memory, scheduling.AGAIN, NOW)
    expected = now_chance * scheduling.retrievability(scheduler, 1, good, at) + (
        1 - now_chance
    ) * scheduling.retrievability(scheduler, 1, again, at)
    question = QuestionInfo(1, 1, 2)
    assert readiness.chance_after_review(learner, question, NOW, at, scheduler) == pytest.approx(
        expected
    )
    # Never studied: right at first sight with the prior's chance.
    prior = learner.prior.chance(1, 2)
    new_good = scheduling.review(scheduler, 2, Memory(), scheduling.GOOD, NOW)
    new_again = scheduling.review(scheduler, 2, Memory(), scheduling.AGAIN, NOW)
    expected_new = prior * scheduling.retrievability(scheduler, 2, new_good, at) + (
        1 - prior
    ) * scheduling.retrievability(scheduler, 2, new_again, at)
    assert readiness.chance_after_review(
        learner, QuestionInfo(2, 1, 2), NOW, at, scheduler
    ) == pytest.approx(expected_new)
    assert expected_new != pytest.approx(scheduling.retrievability(scheduler, 2, new_good, at))

"""Readiness: how likely a learner is to pass a set of questions at a given moment. Pure.

**Each question's chance** is the probability that the learner answers it right at that moment:

- a studied card (it has an FSRS memory): its retrievability at that moment, from the learner's
  FSRS parameters (`scheduling.retrievability`), as if nothing more were reviewed before then;
- a question never studied (no card, or a card still new): the learner's *first-try accuracy*,
  the share of new cards of that topic and difficulty they got right on first sight, shrunk toward
  broader figures when there are few of them (`FirstTryPrior`).

**The pass probability**: given the memory states, FSRS treats recalls as independent, so the
number of right answers is a sum of independent Bernoulli trials with different chances: a
Poisson-binomial variable. Its distribution is computed exactly by dynamic programming over the
questions (O(n²); no normal approximation, at any size), and the pass probability is its tail from
the fewest right answers whose score reaches the pass mark, by the rule grading uses
(`score_percent`).

**Random draws** are averaged over the draw rule exactly (`layout`, `readiness`): questions are
grouped by the draws that may pick them; the sequential draws (each uniform, never repeating a
question) give a distribution over how many questions each group loses to them, and within a
group the questions taken are a uniform subset, whose right answers have their own exact
distribution (`subset_distributions`). Exact because it is cheap and stable: draws from separate
topics make a single state whatever their sizes, so a 50-question assessment costs a few
milliseconds per member, and the figure never wobbles between page loads. Only overlapping draws
multiply the states; past `EXACT_STATE_LIMIT` of them the average is taken over `SAMPLES` sampled
draws instead (seeded, so the figure is stable too), and its standard error is reported.

No ORM here: selectors build `Learner` records (studyapp/study/readiness_selectors.py).
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from . import scheduling
from .scheduling import AGAIN, GOOD, Memory

# Readiness is shown from this many reviews on. Below it most questions' chances would be the
# default guess rather than the learner's record: 30 first tries weigh 30 to the prior's 8 in the
# first-try accuracy (79%), and estimate it within about ±9 points (one standard error).
MINIMUM_REVIEWS = 30
# First-try accuracy (`FirstTryPrior`), and what it assumes before the learner's record speaks:
# - learners' first-try accuracy is 50% give or take 17 points (a Beta(4, 4) prior: worth 8
#   first tries);
# - one learner's share in a topic, or at a difficulty, is their overall share give or take about
#   10 points (a Beta prior worth 20 first tries around it).
# The simulation test draws learners that way and finds the chances calibrated; the calibration
# report and `manage.py readiness_calibration` check them against real results.
DEFAULT_FIRST_TRY_ACCURACY = 0.5
PRIOR_STRENGTH = 8.0
EFFECT_STRENGTH = 20.0
EXACT_STATE_LIMIT = 5000
SAMPLES = 400
SAMPLE_SEED = 19
# Review time when the learner has no timed reviews yet (a typical card: read, answer, rate).
DEFAULT_REVIEW_MINUTES = 0.5
MINIMUM_TIMED_REVIEWS = 5  # per question type, before its own median is used

Probabilities = Mapping[int, float]  # question id -> chance of a right answer


# Scores -----------------------------------------------------------------------------------------


def score_percent(correct: int, total: int) -> float:
    """Return an attempt's score: the percent of questions right, to two decimals."""
    return round(100.0 * correct / total, 2) if total else 0.0


def passing_count(total: int, pass_mark: float) -> int:
    """Return the fewest right answers out of `total` whose score reaches `pass_mark`."""
    for correct in range(total + 1):
        if score_percent(correct, total) >= pass_mark:
            return correct
    return total + 1


def correct_count_distribution(chances: Iterable[float]) -> list[float]:
    """Return P(exactly k right) for k = 0..n: the Poisson-binomial distribution, exactly."""
    distribution = [1.0]
    for chance in chances:
        miss = 1.0 - chance
        distribution = [
            kept * miss + moved * chance
            for kept, moved in zip([*distribution, 0.0], [0.0, *distribution], strict=True)
        ]
    return distribution


def tail(distribution: Sequence[float], least: int) -> float:
    """Return P(at least `least` right) of a distribution of right answers."""
    if least <= 0:
        return 1.0
    return min(1.0, max(0.0, math.fsum(distribution[least:])))


def convolve(first: Sequence[float], second: Sequence[float]) -> list[float]:
    """Return the distribution of the sum of two independent counts."""
    result = [0.0] * (len(first) + len(second) - 1)
    for i, a in enumerate(first):
        if a:
            for j, b in enumerate(second):
                result[i + j] += a * b
    return result


def subset_distributions(chances: Sequence[float], most: int) -> list[list[float]]:
    """For j = 0..most: the distribution of right answers among j of these questions picked
    uniformly at random (without replacement).

    A uniform j-subset of the first i questions holds question i with probability j / i, and the
    rest is then a uniform (j - 1)-subset of the first i - 1; otherwise it is a uniform j-subset
    of them. Every term stays a probability, so nothing overflows however large the pool.
    """
    most = min(most, len(chances))
    rows: list[list[float]] = [[1.0]]
    for i, chance in enumerate(chances, start=1):
        miss = 1.0 - chance
        nxt = [[1.0]]  # no question taken: none right
        for j in range(1, min(i, most) + 1):
            keep, take = 1.0 - j / i, j / i
            previous = rows[j - 1]
            kept = rows[j] if j < len(rows) else [0.0] * (j + 1)
            nxt.append(
                [
                    keep * stay + take * (miss * same + chance * moved)
                    for stay, same, moved in zip(
                        kept, [*previous, 0.0], [0.0, *previous], strict=True
                    )
                ]
            )
        rows = nxt
    return rows


# Question sets and their draws ------------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    """`count` questions picked uniformly at random from `pool` (what is left of it, if fewer)."""

    pool: tuple[int, ...]
    count: int


@dataclass(frozen=True)
class QuestionSet:
    """The questions of an attempt: the fixed ones, then each draw in order, never repeating one
    already taken (fixed questions are taken first), as assessments draw them."""

    fixed: tuple[int, ...] = ()
    draws: tuple[Draw, ...] = ()

    def question_ids(self) -> set[int]:
        """Return every question the set may hold."""
        return set(self.fixed).union(*(draw.pool for draw in self.draws))


def sample_questions(question_set: QuestionSet, rng: random.Random) -> list[int]:
    """Return the questions of one random attempt at the set (in no particular order)."""
    taken = list(dict.fromkeys(question_set.fixed))
    seen = set(taken)
    for draw in question_set.draws:
        pool = sorted(set(draw.pool) - seen)
        chosen = rng.sample(pool, min(draw.count, len(pool)))
        taken.extend(chosen)
        seen.update(chosen)
    return taken


@dataclass(frozen=True)
class Layout:
    """A set's questions grouped by the draws that may pick them, and how many each group loses
    to the draws: `states` maps each possible (taken from group 0, group 1, ...) to its chance."""

    fixed: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...]
    states: tuple[tuple[tuple[int, ...], float], ...]


class TooManyStatesError(Exception):
    """Averaging exactly over these draws would need too many combinations."""


def _splits(count: int, limits: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every way to take `count` items from groups holding `limits` items."""
    if not limits:
        if count == 0:
            yield ()
        return
    rest = sum(limits[1:])
    for first in range(max(0, count - rest), min(count, limits[0]) + 1):
        for others in _splits(count - first, limits[1:]):
            yield (first, *others)


def layout(question_set: QuestionSet, limit: int) -> Layout:
    """Return the set's groups and draw states; TooManyStatesError past `limit` states."""
    fixed = tuple(dict.fromkeys(question_set.fixed))
    fixed_ids = set(fixed)
    draws_of: dict[int, set[int]] = defaultdict(set)
    for index, draw in enumerate(question_set.draws):
        for question_id in draw.pool:
            if question_id not in fixed_ids:
                draws_of[question_id].add(index)
    by_signature: dict[frozenset[int], list[int]] = defaultdict(list)
    for question_id, indexes in draws_of.items():
        by_signature[frozenset(indexes)].append(question_id)
    signatures = sorted(by_signature, key=lambda s: (sorted(s), min(by_signature[s])))
    groups = tuple(tuple(sorted(by_signature[s])) for s in signatures)
    sizes = [len(group) for group in groups]
    states: dict[tuple[int, ...], float] = {(0,) * len(groups): 1.0}
    for index, draw in enumerate(question_set.draws):
        here = [g for g, signature in enumerate(signatures) if index in signature]
        following: dict[tuple[int, ...], float] = defaultdict(float)
        for taken, chance in states.items():
            left = [sizes[g] - taken[g] for g in here]
            total = sum(left)
            count = min(draw.count, total)
            ways_in_all = math.comb(total, count)
            for split in _splits(count, left):
                ways = math.prod(math.comb(n, k) for n, k in zip(left, split, strict=True))
                after = list(taken)
                for g, k in zip(here, split, strict=True):
                    after[g] += k
                following[tuple(after)] += chance * ways / ways_in_all
                if len(following) > limit:
                    raise TooManyStatesError
        states = following
    return Layout(fixed, groups, tuple(states.items()))


@dataclass(frozen=True)
class Readiness:
    """How an attempt at a set would go: the expected score and the chance to pass.

    `score_weights[q]` is the expected share of the score question q carries (its chance of being
    in the attempt over the attempt's size): raising q's chance by d raises the expected score by
    100 * d * weight. `method` is "exact" or "sampled" (then `standard_error` is that of
    `pass_probability`).
    """

    expected_score: float  # percent
    pass_probability: float
    pass_mark: float
    fewest_questions: int
    most_questions: int
    score_weights: Mapping[int, float]
    method: str = "exact"
    samples: int = 0
    standard_error: float = 0.0

    @property
    def question_count(self) -> int:
        return self.most_questions


def _exact(
    structure: Layout, chances: Probabilities, pass_mark: float, group_rows: list[list[list[float]]]
) -> Readiness:
    fixed_distribution = correct_count_distribution(chances[q] for q in structure.fixed)
    fixed_sum = math.fsum(chances[q] for q in structure.fixed)
    means = [
        math.fsum(chances[q] for q in group) / len(group) if group else 0.0
        for group in structure.groups
    ]
    expected = passing = 0.0
    weights: dict[int, float] = defaultdict(float)
    sizes = []
    for taken, chance in structure.states:
        total = len(structure.fixed) + sum(taken)
        sizes.append(total)
        if total == 0:
            continue
        distribution = fixed_distribution
        for g, k in enumerate(taken):
            if k:
                distribution = convolve(distribution, group_rows[g][k])
        passing += chance * tail(distribution, passing_count(total, pass_mark))
        right = fixed_sum + sum(k * mean for k, mean in zip(taken, means, strict=True))
        expected += chance * 100.0 * right / total
        for q in structure.fixed:
            weights[q] += chance / total
        for g, k in enumerate(taken):
            if k:
                share = chance * k / len(structure.groups[g]) / total
                for q in structure.groups[g]:
                    weights[q] += share
    return Readiness(
        expected_score=expected,
        pass_probability=min(1.0, passing),
        pass_mark=pass_mark,
        fewest_questions=min(sizes, default=0),
        most_questions=max(sizes, default=0),
        score_weights=dict(weights),
    )


def _sampled(question_set: QuestionSet, chances: Probabilities, pass_mark: float) -> Readiness:
    rng = random.Random(SAMPLE_SEED)  # noqa: S311 - a fixed seed: the same figure on every load
    passes, scores, sizes = [], [], []
    weights: dict[int, float] = defaultdict(float)
    for _ in range(SAMPLES):
        chosen = sample_questions(question_set, rng)
        sizes.append(len(chosen))
        if not chosen:
            passes.append(1.0 if pass_mark <= 0 else 0.0)
            scores.append(0.0)
            continue
        distribution = correct_count_distribution(chances[q] for q in chosen)
        passes.append(tail(distribution, passing_count(len(chosen), pass_mark)))
        scores.append(100.0 * math.fsum(chances[q] for q in chosen) / len(chosen))
        for q in chosen:
            weights[q] += 1.0 / len(chosen) / SAMPLES
    return Readiness(
        expected_score=statistics.fmean(scores),
        pass_probability=statistics.fmean(passes),
        pass_mark=pass_mark,
        fewest_questions=min(sizes),
        most_questions=max(sizes),
        score_weights=dict(weights),
        method="sampled",
        samples=SAMPLES,
        standard_error=statistics.stdev(passes) / math.sqrt(SAMPLES),
    )


def readiness(question_set: QuestionSet, chances: Probabilities, pass_mark: float) -> Readiness:
    """Return the expected score and the pass probability of an attempt at the set, averaged over
    its draws (exactly, or over sampled draws past EXACT_STATE_LIMIT: see the module docstring)."""
    try:
        structure = layout(question_set, EXACT_STATE_LIMIT)
    except TooManyStatesError:
        return _sampled(question_set, chances, pass_mark)
    most_taken = [0] * len(structure.groups)
    for taken, _ in structure.states:
        most_taken = [max(a, b) for a, b in zip(most_taken, taken, strict=True)]
    group_rows = [
        subset_distributions([chances[q] for q in group], most)
        for group, most in zip(structure.groups, most_taken, strict=True)
    ]
    return _exact(structure, chances, pass_mark, group_rows)


# Each question's chance -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionInfo:
    """What readiness needs to know of a question."""

    question_id: int
    topic_id: int
    difficulty: int


class FirstTryPrior:
    """The chance of answering a never-studied question right, from the learner's first tries.

    `first_tries[(topic id, difficulty)]` = (first reviews of new cards, how many were right, i.e.
    not rated Again). The chance of a question of topic t and difficulty d is, in log-odds,

        logit(overall) + topic effect(t) + difficulty effect(d)

    - overall: the learner's share of right first tries, shrunk toward
      DEFAULT_FIRST_TRY_ACCURACY by a Beta prior worth PRIOR_STRENGTH first tries;
    - each effect: how far the share of the topic (all its levels), or of the level (all topics),
      sits from the learner's share, in log-odds, once shrunk toward the learner's share by a
      Beta prior worth EFFECT_STRENGTH first tries (`shrunk_effects`): a topic's own record
      counts for half once it holds that many first tries.

    Topic and difficulty add up rather than being read cell by cell: a learner has too few first
    tries per topic and level for each cell to say much. With cell-by-cell estimates, or effects
    shrunk less, the simulation of learners drawn from a known model
    (tests/assessments/test_calibration_simulation.py) finds the chances over-confident: 94%
    predicted where 85% came right.
    """

    def __init__(
        self,
        first_tries: Mapping[tuple[int, int], tuple[int, int]],
        strength: float | None = None,
        default: float = DEFAULT_FIRST_TRY_ACCURACY,
    ) -> None:
        strength = PRIOR_STRENGTH if strength is None else strength
        self.first_tries = first_tries
        by_topic: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
        by_difficulty: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for (topic, difficulty), (tries, right) in first_tries.items():
            by_topic[topic] = (by_topic[topic][0] + tries, by_topic[topic][1] + right)
            by_difficulty[difficulty] = (
                by_difficulty[difficulty][0] + tries,
                by_difficulty[difficulty][1] + right,
            )
        self.tries = sum(tries for tries, _ in by_topic.values())
        self.right = sum(right for _, right in by_topic.values())
        self.overall = (self.right + strength * default) / (self.tries + strength)
        self.topic_effects = shrunk_effects(by_topic, EFFECT_STRENGTH)
        self.difficulty_effects = shrunk_effects(by_difficulty, EFFECT_STRENGTH)

    def chance(self, topic_id: int, difficulty: int) -> float:
        """Return the chance of a right first answer to a question of this topic and level."""
        log_odds = (
            _logit(self.overall)
            + self.topic_effects.get(topic_id, 0.0)
            + self.difficulty_effects.get(difficulty, 0.0)
        )
        return 1.0 / (1.0 + math.exp(-log_odds))


def _logit(p: float) -> float:
    p = min(1 - 1e-9, max(1e-9, p))
    return math.log(p / (1 - p))


def shrunk_effects(groups: Mapping[int, tuple[int, int]], strength: float) -> dict[int, float]:
    """Return each group's log-odds effect against the learner's pooled share of right first
    tries: the group's share shrunk toward the pooled one by a Beta prior worth `strength` first
    tries, (right + K p) / (tries + K), in log-odds minus the pooled share's.

    `groups[key]` = (tries, right). A group with no tries, or a learner with none: effect 0.
    """
    total = sum(tries for tries, _ in groups.values())
    if total == 0:
        return dict.fromkeys(groups, 0.0)
    pooled = sum(right for _, right in groups.values()) / total
    return {
        key: _logit((right + strength * pooled) / (tries + strength)) - _logit(pooled)
        for key, (tries, right) in groups.items()
    }


@dataclass(frozen=True)
class Learner:
    """What readiness knows of one learner: the memory of each studied card (by question id),
    their first tries at new cards, their number of reviews, their FSRS parameters and the
    retention they aim at."""

    memories: Mapping[int, Memory]
    first_tries: Mapping[tuple[int, int], tuple[int, int]]
    review_count: int
    parameters: Sequence[float] | None = None
    desired_retention: float = 0.9

    @property
    def has_enough_reviews(self) -> bool:
        return self.review_count >= MINIMUM_REVIEWS

    @cached_property
    def prior(self) -> FirstTryPrior:
        return FirstTryPrior(self.first_tries)

    def scheduler(self):  # noqa: ANN201 - an fsrs.Scheduler, built in scheduling
        return scheduling.build_scheduler(parameters=self.parameters, enable_fuzzing=False)


def chances_at(
    learner: Learner, questions: Iterable[QuestionInfo], at: datetime
) -> dict[int, float]:
    """Return each question's chance of a right answer at `at`, if nothing is reviewed before."""
    scheduler = learner.scheduler()
    prior = learner.prior
    chances = {}
    for question in questions:
        memory = learner.memories.get(question.question_id)
        if memory is None:
            chances[question.question_id] = prior.chance(question.topic_id, question.difficulty)
        else:
            chances[question.question_id] = scheduling.retrievability(
                scheduler, question.question_id, memory, at
            )
    return chances


# What would raise it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicGain:
    """A topic of the set: its questions' mean chance now, and the readiness if they reached the
    target chance (each one below it raised to it)."""

    topic_id: int
    recall: float
    raised: Readiness
    gain: float  # points of expected score


def topic_gains(
    question_set: QuestionSet,
    chances: Probabilities,
    pass_mark: float,
    topic_of: Mapping[int, int],
    current: Readiness,
    target: float,
) -> list[TopicGain]:
    """Return the set's topics, the one whose review would raise the pass chance most first."""
    topics: dict[int, list[int]] = defaultdict(list)
    for question_id in question_set.question_ids():
        topics[topic_of[question_id]].append(question_id)
    gains = []
    for topic_id, question_ids in topics.items():
        raised_chances = dict(chances)
        weight = math.fsum(current.score_weights.get(q, 0.0) for q in question_ids)
        for q in question_ids:
            raised_chances[q] = max(chances[q], target)
        raised = readiness(question_set, raised_chances, pass_mark)
        recall = (
            math.fsum(current.score_weights.get(q, 0.0) * chances[q] for q in question_ids) / weight
            if weight
            else statistics.fmean(chances[q] for q in question_ids)
        )
        gains.append(
            TopicGain(topic_id, recall, raised, raised.expected_score - current.expected_score)
        )
    return sorted(
        gains,
        key=lambda g: (
            -round(g.raised.pass_probability - current.pass_probability, 4),
            -g.gain,
            g.recall,
            g.topic_id,
        ),
    )


@dataclass(frozen=True)
class PlanStep:
    """A card to review now, and what it adds to the expected score on the day."""

    question_id: int
    chance_then: float  # on the day, without this review
    chance_after: float  # on the day, after reviewing it now
    gain: float  # points of expected score
    minutes: float

    @property
    def gain_per_minute(self) -> float:
        return self.gain / self.minutes if self.minutes else 0.0


def chance_after_review(
    learner: Learner, question: QuestionInfo, now: datetime, at: datetime, scheduler: object
) -> float:
    """Return the chance at `at` of a question reviewed now: recalled (rated Good) with its chance
    now, forgotten (Again) otherwise; a never-studied one is answered right with its prior."""
    memory = learner.memories.get(question.question_id, Memory())
    if question.question_id in learner.memories:
        now_chance = scheduling.retrievability(scheduler, question.question_id, memory, now)
    else:
        now_chance = learner.prior.chance(question.topic_id, question.difficulty)
    outcomes = scheduling.preview(scheduler, question.question_id, memory, [GOOD, AGAIN], now)
    recalled = scheduling.retrievability(scheduler, question.question_id, outcomes[GOOD], at)
    forgotten = scheduling.retrievability(scheduler, question.question_id, outcomes[AGAIN], at)
    return now_chance * recalled + (1.0 - now_chance) * forgotten


def review_plan(
    learner: Learner,
    questions: Sequence[QuestionInfo],
    weights: Mapping[int, float],
    chances: Probabilities,
    now: datetime,
    at: datetime,
    minutes_for: Callable[[int], float],
    size: int,
) -> list[PlanStep]:
    """Return up to `size` cards to review now, the most expected score per minute first.

    A card's gain is 100 * weight * (its chance on the day after a review now - without it):
    expected scores add up, so the gains of the steps add up too.
    """
    scheduler = learner.scheduler()
    steps = []
    for question in questions:
        weight = weights.get(question.question_id, 0.0)
        if not weight:
            continue
        before = chances[question.question_id]
        after = chance_after_review(learner, question, now, at, scheduler)
        gain = 100.0 * weight * (after - before)
        if gain > 0:
            minutes = minutes_for(question.question_id)
            steps.append(PlanStep(question.question_id, before, after, gain, minutes))
    steps.sort(key=lambda step: (-step.gain_per_minute, step.question_id))
    return steps[:size]


def review_minutes(timed: Iterable[tuple[str, int]]) -> Callable[[str], float]:
    """Return minutes per review of a question type, from the learner's timed reviews.

    `timed` holds (question type, duration in ms) of recent reviews. A type's median once it has
    MINIMUM_TIMED_REVIEWS of them, else the median of all, else DEFAULT_REVIEW_MINUTES. Medians,
    because one review left open during a break would pull a mean far off.
    """
    by_type: dict[str, list[int]] = defaultdict(list)
    every = []
    for question_type, duration in timed:
        if duration > 0:
            by_type[question_type].append(duration)
            every.append(duration)
    overall = statistics.median(every) / 60_000 if every else DEFAULT_REVIEW_MINUTES
    medians = {
        question_type: statistics.median(durations) / 60_000
        for question_type, durations in by_type.items()
        if len(durations) >= MINIMUM_TIMED_REVIEWS
    }
    return lambda question_type: medians.get(question_type, overall)


def mock_set(questions: Sequence[QuestionInfo], size: int) -> QuestionSet:
    """Return a mock set of `size` questions drawn across topics in proportion to their number of
    questions (largest remainders; all of them when there are fewer)."""
    by_topic: dict[int, list[int]] = defaultdict(list)
    for question in questions:
        by_topic[question.topic_id].append(question.question_id)
    total = sum(len(ids) for ids in by_topic.values())
    if total <= size:
        return QuestionSet(fixed=tuple(sorted(q.question_id for q in questions)))
    quotas = {topic: size * len(ids) / total for topic, ids in by_topic.items()}
    counts = {topic: math.floor(quota) for topic, quota in quotas.items()}
    left = size - sum(counts.values())
    by_remainder = sorted(quotas, key=lambda topic: (-(quotas[topic] - counts[topic]), topic))
    for topic in by_remainder[:left]:
        counts[topic] += 1
    draws = tuple(
        Draw(tuple(sorted(by_topic[topic])), counts[topic])
        for topic in sorted(by_topic)
        if counts[topic]
    )
    return QuestionSet(draws=draws)

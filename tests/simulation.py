"""Simulated learners whose memory follows a known FSRS model, for calibration tests.

Each learner has a true first-try accuracy per (topic, difficulty) and a true FSRS model (its
parameters): every review they do succeeds with the model's recall probability at that moment,
and the scheduler (the real one, through scheduling.py) sets their next review from the rating.
What readiness then predicts can be compared with outcomes drawn from the same truth.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from studyapp.study import scheduling
from studyapp.study.readiness import Learner, QuestionInfo
from studyapp.study.scheduling import AGAIN, GOOD, Memory

# A known model far from FSRS's defaults: a steeper forgetting curve and weaker first memories,
# so predicting with the default parameters instead is visibly wrong.
TRUE_PARAMETERS = list(scheduling.DEFAULT_PARAMETERS)
TRUE_PARAMETERS[0:4] = [0.1, 0.6, 1.5, 6.0]
TRUE_PARAMETERS[20] = 0.45


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@dataclass
class SimulatedLearner:
    """A learner's true abilities and the study history the true model produced."""

    ability: float
    topic_skill: dict[int, float]
    memories: dict[int, Memory] = field(default_factory=dict)
    first_tries: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    reviews: list[tuple[int, datetime, int, int]] = field(
        default_factory=list
    )  # q, at, rating, state

    def first_try_chance(self, question: QuestionInfo) -> float:
        """The true chance of a right first answer to a question never studied."""
        return logistic(
            self.ability + self.topic_skill[question.topic_id] - 0.6 * (question.difficulty - 2)
        )

    def true_chance(self, question: QuestionInfo, at: datetime, scheduler: object) -> float:
        memory = self.memories.get(question.question_id)
        if memory is None:
            return self.first_try_chance(question)
        return scheduling.retrievability(scheduler, question.question_id, memory, at)

    def record(self, parameters: list[float] | None) -> Learner:
        """What readiness would read of this learner (with these parameters as their fitted ones)."""
        return Learner(
            memories=dict(self.memories),
            first_tries={cell: (len(v), sum(v)) for cell, v in self.first_tries.items()},
            review_count=len(self.reviews),
            parameters=parameters,
        )


def questions(topics: int, per_topic: int) -> list[QuestionInfo]:
    return [QuestionInfo(t * per_topic + i + 1, t + 1, 1 + i % 3)
            for t in range(topics) for i in range(per_topic)]  # fmt: skip


def simulate_learner(
    rng: random.Random, catalog: list[QuestionInfo], now: datetime, *, studied_share: float = 0.6,
    days: int = 60,
) -> SimulatedLearner:  # fmt: skip
    """Return a learner who studied a share of the catalog over the last `days` days, each review
    an outcome of the true model, each next review when the scheduler set it (often late)."""
    scheduler = scheduling.build_scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    topics = {q.topic_id for q in catalog}
    learner = SimulatedLearner(
        ability=rng.gauss(0.0, 0.8), topic_skill={t: rng.gauss(0, 0.3) for t in topics}
    )
    for question in catalog:
        if rng.random() >= studied_share:
            continue
        at = now - timedelta(days=rng.uniform(2, days), hours=rng.uniform(0, 12))
        memory = Memory()
        first = True
        while at < now:
            if first:
                chance = learner.first_try_chance(question)
            else:
                chance = scheduling.retrievability(scheduler, question.question_id, memory, at)
            right = rng.random() < chance
            if first:
                cell = (question.topic_id, question.difficulty)
                learner.first_tries.setdefault(cell, []).append(int(right))
            rating = GOOD if right else AGAIN
            learner.reviews.append((question.question_id, at, rating, memory.state))
            memory = scheduling.review(scheduler, question.question_id, memory, rating, at)
            first = False
            # Learning steps are done on time; reviews come due later, and are often late.
            late = (
                timedelta(days=rng.expovariate(1 / 3))
                if memory.state == scheduling.REVIEW
                else timedelta()
            )
            at = max(memory.due + late, at + timedelta(minutes=1))
        learner.memories[question.question_id] = memory
    return learner

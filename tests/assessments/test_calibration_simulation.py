"""Simulated learners from a known FSRS model take simulated attempts: readiness must be
calibrated within the sampling error, and visibly not with the wrong model.

Pure first (hundreds of learners, in memory), then through the database: attempts started and
submitted by the services keep their predictions, and the calibration report reads them back.
"""

from __future__ import annotations

import io
import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from studyapp.assessments import calibration
from studyapp.study import readiness, scheduling
from studyapp.study.readiness import Draw, QuestionSet
from tests.simulation import TRUE_PARAMETERS, questions, simulate_learner

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
CATALOG = questions(topics=4, per_topic=15)  # question ids 1-60, topic t holds 15(t-1)+1..15t
BY_ID = {q.question_id: q for q in CATALOG}
ASSESSMENT = QuestionSet(
    fixed=(1, 2, 3, 16, 17, 31),
    draws=(Draw(tuple(range(16, 31)), 6), Draw(tuple(range(31, 61)), 8)),  # a fixed one in each
)
PASS_MARK = 70


def simulate(predict_with: list[float] | None, *, learners: int, seed: int):
    """Return (question rows, attempt rows, rows of the questions never studied) of (learner,
    predicted chance, what happened)."""
    rng = random.Random(seed)
    truth = scheduling.build_scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    question_pairs, attempt_pairs, unstudied = [], [], []
    for who in range(learners):
        learner = simulate_learner(rng, CATALOG, NOW)
        record = learner.record(predict_with)
        at = NOW + timedelta(days=rng.choice([0, 4, 15, 30]))  # most later: projected
        chances = readiness.chances_at(record, [BY_ID[q] for q in ASSESSMENT.question_ids()], at)
        predicted = readiness.readiness(ASSESSMENT, chances, PASS_MARK)
        drawn = readiness.sample_questions(ASSESSMENT, rng)
        right = 0
        for question_id in drawn:
            happened = rng.random() < learner.true_chance(BY_ID[question_id], at, truth)
            right += happened
            question_pairs.append((who, chances[question_id], happened))
            if question_id not in learner.memories:
                unstudied.append((who, chances[question_id], happened))
        passed = readiness.score_percent(right, len(drawn)) >= PASS_MARK
        attempt_pairs.append((who, predicted.pass_probability, passed))
    return question_pairs, attempt_pairs, unstudied


def _z(rows, residual, variance) -> float:
    """Sum of residuals over its standard error. The larger of two standard errors: learners as
    the sampling unit (one learner's chances share the error of their estimated prior, so their
    answers are not independent: a cluster-robust error), and the binomial one (the
    cluster-robust error understates it where the rare outcome never came)."""
    by_learner: dict[int, float] = defaultdict(float)
    for who, p, y in rows:
        by_learner[who] += residual(p, y)
    robust = sum(v * v for v in by_learner.values())
    binomial = sum(variance(p) for _, p, _ in rows)
    return sum(by_learner.values()) / math.sqrt(max(robust, binomial))


def calibration_problems(rows, *, least: int = 40, limit: float = 3.0) -> list[str]:
    """Return what is off beyond the sampling error: Spiegelhalter's z, each decile, the mean."""
    problems = []
    z = _z(rows, lambda p, y: (y - p) * (1 - 2 * p), lambda p: (1 - 2 * p) ** 2 * p * (1 - p))
    if abs(z) > limit:
        problems.append(f"Spiegelhalter z {z:+.2f}")
    result = calibration.calibration((p, y) for _, p, y in rows)
    for row in result.bins:
        inside = [
            (who, p, y)
            for who, p, y in rows
            if row.low <= p < row.high or (row.high == 1 and p == 1)
        ]
        if (
            row.count >= least
            and abs(deviation := _z(inside, lambda p, y: y - p, lambda p: p * (1 - p))) > limit
        ):
            problems.append(
                f"decile {row.low:.1f}: predicted {row.mean_predicted:.3f}, observed "
                f"{row.observed:.3f} over {row.count} ({deviation:+.1f} SE)"
            )
    if abs(overall := _z(rows, lambda p, y: y - p, lambda p: p * (1 - p))) > limit:
        problems.append(
            f"overall: predicted {result.mean_predicted:.3f}, observed {result.observed:.3f} ({overall:+.1f} SE)"
        )
    return problems


@pytest.fixture(scope="module")
def known_model():
    return simulate(TRUE_PARAMETERS, learners=500, seed=19)


def test_question_chances_are_calibrated_within_the_sampling_error(known_model):
    question_pairs, _, _ = known_model
    assert len(question_pairs) == 500 * 20
    assert calibration_problems(question_pairs) == []
    result = calibration.calibration((p, y) for _, p, y in question_pairs)
    assert sum(row.count >= 40 for row in result.bins) >= 6  # the predictions spread out
    assert result.brier < result.reference_brier  # and they know something


def test_the_first_try_prior_is_calibrated_and_tells_learners_apart(known_model):
    _, _, unstudied = known_model
    assert len(unstudied) > 2000
    assert calibration_problems(unstudied) == []
    # Calibrated is not enough (always saying the average share is calibrated too): the prior
    # must know something of each learner, topic and level.
    result = calibration.calibration((p, y) for _, p, y in unstudied)
    assert result.brier < 0.95 * result.reference_brier  # 0.228 against 0.250 (seed 19)


def test_pass_chances_are_calibrated_within_the_sampling_error(known_model):
    _, attempt_pairs, _ = known_model
    assert calibration_problems(attempt_pairs, least=30) == []
    result = calibration.calibration((p, y) for _, p, y in attempt_pairs)
    assert 0.2 < result.observed < 0.8  # the pass mark is neither trivial nor out of reach
    assert result.brier < 0.8 * result.reference_brier


@pytest.mark.slow
def test_the_check_catches_predictions_from_the_wrong_model():
    # The same learners predicted with FSRS's default parameters instead of their own.
    question_pairs, attempt_pairs, _ = simulate(None, learners=500, seed=19)
    assert calibration_problems(question_pairs) != []
    assert calibration_problems(attempt_pairs, least=30) != []


@pytest.mark.slow
def test_the_check_catches_a_prior_that_trusts_thin_data(monkeypatch):
    # First tries read nearly at face value (a Beta prior worth one try at each level): the
    # chances of questions never studied come out over-confident.
    monkeypatch.setattr(readiness, "PRIOR_STRENGTH", 1.0)
    monkeypatch.setattr(readiness, "EFFECT_STRENGTH", 1.0)
    question_pairs, _, _ = simulate(TRUE_PARAMETERS, learners=500, seed=19)
    assert calibration_problems(question_pairs) != []


# Through the database: the services keep the predictions, the report reads them back ------------


def store(user, learner, questions_by_id):
    """Write a simulated learner's history: their parameters, cards and review log."""
    from studyapp.study import summaries
    from studyapp.study.models import Answer, CardState, ReviewLog
    from studyapp.study.selectors import study_settings

    settings = study_settings(user)
    settings.parameters = TRUE_PARAMETERS
    settings.save()
    cards = {
        question_id: CardState.objects.create(
            user=user,
            question=questions_by_id[question_id],
            state=m.state,
            step=m.step,
            stability=m.stability,
            difficulty=m.difficulty,
            due=m.due,
            last_review=m.last_review,
            reps=m.reps,
            lapses=m.lapses,
        )  # fmt: skip
        for question_id, m in learner.memories.items()
    }
    answers = Answer.objects.bulk_create(
        Answer(user=user, card=cards[q], card_version=i, created_at=at)
        for i, (q, at, _, _) in enumerate(learner.reviews)
    )
    ReviewLog.objects.bulk_create(
        ReviewLog(
            user=user,
            card=cards[q],
            answer=answer,
            rating=rating,
            state_before=state,
            reviewed_at=at,
            card_before={},
        )  # fmt: skip
        for answer, (q, at, rating, state) in zip(answers, learner.reviews, strict=True)
    )
    summaries.rebuild([user.pk])  # written in bulk: the days counted again


@pytest.mark.slow
@pytest.mark.django_db
def test_attempts_keep_calibrated_predictions_of_the_known_model(team):
    from django.core.management import call_command

    from studyapp.accounts.models import Membership, User
    from studyapp.assessments import services
    from studyapp.assessments.models import AssessmentItem, AttemptQuestion
    from studyapp.assessments.readiness import calibration_report
    from studyapp.study.readiness import QuestionInfo
    from tests.factories import AssessmentFactory, BankFactory, QuestionFactory, TopicFactory

    rng = random.Random(7)
    made = []
    for _ in range(2):
        topic = TopicFactory()
        bank = BankFactory(topic=topic)
        made += [QuestionFactory(topic=topic, bank=bank, difficulty=1 + i % 3) for i in range(12)]
    infos = [QuestionInfo(q.pk, q.topic_id, q.difficulty) for q in made]
    by_id = {q.pk: q for q in made}
    assessment = AssessmentFactory(team=team, pass_mark=70, opens_at=NOW - timedelta(days=1),
                                   closes_at=NOW + timedelta(days=1))  # fmt: skip
    for position, question in enumerate(made[:6]):
        AssessmentItem.objects.create(assessment=assessment, question=question, position=position)
    AssessmentItem.objects.create(assessment=assessment, topic=made[12].topic, count=6, position=9)
    truth = scheduling.build_scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    learners = {}
    for i in range(60):
        user = User.objects.create(username=f"simulated-{i}")
        Membership.objects.create(team=team, user=user)
        learners[user.pk] = simulate_learner(rng, infos, NOW, studied_share=0.7)
        store(user, learners[user.pk], by_id)
        attempt = services.start_attempt(assessment=assessment, user=user, now=NOW, rng=rng)
        data = {}
        for row in attempt.questions.all():
            info = next(q for q in infos if q.question_id == row.question_id)
            right = rng.random() < learners[user.pk].true_chance(info, NOW, truth)
            data[f"q{row.position}-present"] = "1"
            data[f"q{row.position}-truth"] = "true" if right else "false"
        services.submit_attempt(attempt_id=attempt.pk, user=user, now=NOW, data=data)

    # Each kept chance is the known model's: recall for studied cards, the prior for the others.
    rows = AttemptQuestion.objects.select_related("attempt").filter(
        predicted_probability__isnull=False
    )
    for row in rows:
        learner = learners[row.attempt.user_id]
        memory = learner.memories.get(row.question_id)
        info = next(q for q in infos if q.question_id == row.question_id)
        if memory is not None:
            expected = scheduling.retrievability(truth, row.question_id, memory, NOW)
        else:
            expected = learner.record(TRUE_PARAMETERS).prior.chance(info.topic_id, info.difficulty)
        assert row.predicted_probability == pytest.approx(expected, abs=1e-9)
    report = calibration_report(assessment.attempts.all())
    assert len(report.predicted_attempts) + report.unpredicted == 60
    assert len(report.predicted_attempts) >= 50
    assert report.questions.count == 12 * len(report.predicted_attempts)
    triples = [
        (row.attempt.user_id, row.predicted_probability, bool(row.is_correct)) for row in rows
    ]
    assert calibration_problems(triples, least=30) == []
    assert abs(report.attempts.z) < 3
    out = io.StringIO()
    call_command("readiness_calibration", "--assessment", str(assessment.pk), stdout=out)
    assert (
        f"Questions (chance of a right answer): {report.questions.count} predictions"
        in out.getvalue()
    )

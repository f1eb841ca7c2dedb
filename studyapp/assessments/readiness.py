"""Readiness of members for assessments: before they start, on the team page, and calibration.

The figures are studyapp/study/readiness.py's over an assessment's draw rule; each read here
runs a fixed number of queries, whatever the numbers of members, assessments and questions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from studyapp.accounts.models import Membership, Team, User
from studyapp.banks.models import Topic
from studyapp.study import readiness, readiness_selectors
from studyapp.study.readiness import Draw, Learner, QuestionInfo, QuestionSet, Readiness, TopicGain

from . import calibration, drawing
from .models import Assessment, AssessmentItem, Attempt, AttemptQuestion
from .services import _candidates, _plans

ADVICE_TOPICS = 3


def question_set_for(
    items: Sequence[AssessmentItem], candidates: Sequence[drawing.Candidate]
) -> QuestionSet:
    """Return an assessment's draw rule as readiness reads it: the candidates and the order of
    `drawing.draw_questions` (fixed questions still in study, then each draw's pool)."""
    allowed = {candidate.question_id for candidate in candidates}
    fixed, draws = [], []
    for plan in _plans(list(items)):
        if plan.question_id is not None:
            if plan.question_id in allowed:
                fixed.append(plan.question_id)
            continue
        pool = tuple(sorted(c.question_id for c in drawing.draw_pool(plan, candidates)))
        draws.append(Draw(pool, plan.count))
    return QuestionSet(tuple(fixed), tuple(draws))


def _infos(candidates: Sequence[drawing.Candidate]) -> dict[int, QuestionInfo]:
    return {
        c.question_id: QuestionInfo(c.question_id, c.topic_id, c.difficulty) for c in candidates
    }


def _readiness_of(
    learner: Learner, question_set: QuestionSet, infos: dict[int, QuestionInfo], pass_mark: float,
    now: datetime,
) -> tuple[Readiness, dict[int, float]] | None:  # fmt: skip
    question_ids = question_set.question_ids()
    if not question_ids or not learner.has_enough_reviews:
        return None
    chances = readiness.chances_at(learner, [infos[q] for q in question_ids], now)
    return readiness.readiness(question_set, chances, pass_mark), chances


# A member, before starting ----------------------------------------------------------------------


@dataclass(frozen=True)
class TopicAdvice:
    topic: Topic
    gain: TopicGain


@dataclass(frozen=True)
class MemberReadiness:
    """A member's readiness for an assessment now; `readiness` is None below the minimum of
    reviews (`review_count` says how many they have)."""

    review_count: int
    readiness: Readiness | None
    studied: int  # questions the attempt may hold that the member has studied
    question_total: int  # questions the attempt may hold
    first_try_accuracy: float
    target: float  # the retention the member aims at: what "reviewing a topic" brings it to
    advice: tuple[TopicAdvice, ...]

    @property
    def minimum_reviews(self) -> int:
        return readiness.MINIMUM_REVIEWS

    @property
    def is_drawn(self) -> bool:
        """Whether attempts draw their questions at random (the figure is then an average)."""
        return self.question_total > (self.readiness.most_questions if self.readiness else 0)


def member_readiness(user: User, assessment: Assessment, now: datetime) -> MemberReadiness | None:
    """Return the member's readiness for the assessment now, and the topics whose review would
    raise it most; None when it has no question to ask. Seven queries."""
    items = list(assessment.items.all())
    candidates = _candidates(items)
    question_set = question_set_for(items, candidates)
    question_ids = question_set.question_ids()
    if not question_ids:
        return None
    infos = _infos(candidates)
    learner = readiness_selectors.learners([user.pk], question_ids)[user.pk]
    computed = _readiness_of(learner, question_set, infos, assessment.pass_mark, now)
    advice: tuple[TopicAdvice, ...] = ()
    if computed is not None:
        result, chances = computed
        topic_of = {q: infos[q].topic_id for q in question_ids}
        gains = readiness.topic_gains(question_set, chances, assessment.pass_mark, topic_of,
                                      result, learner.desired_retention)  # fmt: skip
        useful = [gain for gain in gains if gain.gain >= 0.05][:ADVICE_TOPICS]
        topics = Topic.objects.in_bulk([gain.topic_id for gain in useful])
        advice = tuple(TopicAdvice(topics[gain.topic_id], gain) for gain in useful)
    return MemberReadiness(
        review_count=learner.review_count,
        readiness=computed[0] if computed else None,
        studied=sum(1 for q in question_ids if q in learner.memories),
        question_total=len(question_ids),
        first_try_accuracy=learner.prior.overall,
        target=learner.desired_retention,
        advice=advice,
    )


def topic_question_ids(assessment: Assessment, topic_id: int) -> list[int]:
    """Return the questions of the assessment in this topic (fixed, or in a draw's pool)."""
    items = list(assessment.items.all())
    candidates = _candidates(items)
    question_ids = question_set_for(items, candidates).question_ids()
    return sorted(c.question_id for c in candidates
                  if c.topic_id == topic_id and c.question_id in question_ids)  # fmt: skip


# The lead's team page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberCell:
    """One member at one open assessment."""

    user: User
    review_count: int
    readiness: Readiness | None
    best_score: float | None
    passed: bool | None
    is_in_progress: bool
    has_attempt_left: bool  # readiness is left out for members who cannot start again

    @property
    def minimum_reviews(self) -> int:
        return readiness.MINIMUM_REVIEWS


@dataclass(frozen=True)
class AssessmentReadiness:
    assessment: Assessment
    rows: tuple[MemberCell, ...]


def open_assessments(team: Team, now: datetime) -> list[Assessment]:
    """Return the team's published assessments not yet closed, the soonest to close first."""
    return list(
        Assessment.objects.filter(team=team, is_published=True, closes_at__gt=now).order_by(
            "closes_at", "pk"
        )
    )


def team_readiness(team: Team, now: datetime) -> list[AssessmentReadiness]:
    """Return each assigned member's readiness for each open assessment of the team.

    Ten queries whatever the numbers of members, assessments and questions: the assessments,
    their items, the candidates, the memberships, the assignees, the attempts, and four reads of
    what readiness knows of the members.
    """
    assessments = open_assessments(team, now)
    if not assessments:
        return []
    items_of: dict[int, list[AssessmentItem]] = defaultdict(list)
    all_items = list(AssessmentItem.objects.filter(assessment__in=assessments))
    for item in all_items:
        items_of[item.assessment_id].append(item)
    candidates = _candidates(all_items)
    infos = _infos(candidates)
    sets = {a.pk: question_set_for(items_of[a.pk], candidates) for a in assessments}
    memberships = list(
        Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    )
    in_team = {m.user_id: m.user for m in memberships}
    members = [m.user for m in memberships if m.role == Membership.Role.MEMBER]
    chosen: dict[int, set[int]] = defaultdict(set)
    through = Assessment.assignees.through.objects.filter(assessment__in=assessments)
    for assessment_id, user_id in through.values_list("assessment_id", "user_id"):
        chosen[assessment_id].add(user_id)
    attempts = {
        (row["assessment_id"], row["user_id"]): row
        for row in Attempt.objects.filter(assessment__in=assessments)
        .values("assessment_id", "user_id")
        .annotate(
            best=Max("score", filter=Q(submitted_at__isnull=False)),
            open=Count("pk", filter=Q(submitted_at__isnull=True)),
            used=Count("pk"),
        )
        .order_by()
    }
    assigned = {
        a.pk: members
        if a.assigned_to_all
        else sorted((in_team[u] for u in chosen[a.pk] if u in in_team), key=User.get_username)
        for a in assessments
    }
    user_ids = {user.pk for users in assigned.values() for user in users}
    question_ids = set().union(*(s.question_ids() for s in sets.values()))
    learners = readiness_selectors.learners(sorted(user_ids), question_ids)
    tables = []
    for assessment in assessments:
        question_set = sets[assessment.pk]
        rows = []
        for user in assigned[assessment.pk]:
            learner = learners[user.pk]
            attempt = attempts.get((assessment.pk, user.pk), {})
            has_attempt_left = attempt.get("used", 0) < assessment.attempts_allowed
            computed = (
                _readiness_of(learner, question_set, infos, assessment.pass_mark, now)
                if has_attempt_left
                else None
            )
            best = attempt.get("best")
            rows.append(
                MemberCell(
                    user=user,
                    review_count=learner.review_count,
                    readiness=computed[0] if computed else None,
                    best_score=best,
                    passed=None if best is None else best >= assessment.pass_mark,
                    is_in_progress=bool(attempt.get("open")),
                    has_attempt_left=has_attempt_left,
                )
            )
        tables.append(AssessmentReadiness(assessment, tuple(rows)))
    return tables


# Calibration: predicted at the start against the result -----------------------------------------


@dataclass(frozen=True)
class CalibrationReport:
    """Predictions made when attempts started against their results."""

    questions: calibration.Calibration  # each question's chance against its right answer
    attempts: calibration.Calibration  # each attempt's pass chance against its pass
    predicted_attempts: tuple[Attempt, ...]  # submitted attempts that have a prediction
    unpredicted: int  # submitted attempts without one (too few reviews at the start)

    @property
    def mean_predicted_score(self) -> float | None:
        scores = [a.predicted_score for a in self.predicted_attempts]
        return sum(scores) / len(scores) if scores else None

    @property
    def mean_score(self) -> float | None:
        scores = [a.score or 0.0 for a in self.predicted_attempts]
        return sum(scores) / len(scores) if scores else None


def calibration_report(attempts: QuerySet[Attempt]) -> CalibrationReport:
    """Return predicted against actual over these attempts (those submitted). Two queries."""
    submitted = list(
        attempts.submitted().select_related("user", "assessment").order_by("submitted_at", "pk")
    )
    predicted = [a for a in submitted if a.predicted_pass_probability is not None]
    pairs = AttemptQuestion.objects.filter(
        attempt_id__in=[a.pk for a in predicted], predicted_probability__isnull=False
    ).values_list("predicted_probability", "is_correct")
    return CalibrationReport(
        questions=calibration.calibration((p, bool(right)) for p, right in pairs),
        attempts=calibration.calibration(
            (a.predicted_pass_probability, bool(a.passed)) for a in predicted
        ),
        predicted_attempts=tuple(predicted),
        unpredicted=len(submitted) - len(predicted),
    )

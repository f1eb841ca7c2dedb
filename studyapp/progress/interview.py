"""Readiness for the learner's interview: a mock set on the day, and what to review before it.

The mock set is MOCK_SET_SIZE questions drawn from the learner's study scope, each topic giving
its share of them in proportion to its number of questions (`readiness.mock_set`), marked like an
assessment with a MOCK_PASS_MARK pass mark. Each question's chance is projected to the morning of
the interview (INTERVIEW_HOUR in the learner's time zone), as if nothing more were reviewed
before; the plan lists the cards whose review now adds the most expected score per minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils.text import Truncator

from studyapp.banks.format import CLOZE_RE
from studyapp.banks.models import Question, Topic
from studyapp.study import readiness, readiness_selectors
from studyapp.study.models import StudySettings
from studyapp.study.readiness import PlanStep, QuestionInfo, Readiness
from studyapp.study.selectors import questions_in_scope

MOCK_SET_SIZE = 40
MOCK_PASS_MARK = 70
PLAN_SIZE = 10
INTERVIEW_HOUR = 9
CODE_BLOCK_RE = re.compile(r"```.*?(?:```|\Z)", re.S)
MARKUP_RE = re.compile(r"[`*_#>]")


@dataclass(frozen=True)
class PlanRow:
    """A card of the plan, with what the page shows of its question."""

    question: Question
    prompt: str
    step: PlanStep


@dataclass(frozen=True)
class TopicRecall:
    topic: Topic
    recall: float  # mean chance of its questions on the day


@dataclass(frozen=True)
class InterviewReadiness:
    """The interview block of the progress page; `status` says which of its states to show:
    "unset", "past", "few_reviews", "empty" (no question in scope) or "ready"."""

    status: str
    day: date | None = None
    at: datetime | None = None
    days_left: int = 0
    review_count: int = 0
    readiness: Readiness | None = None
    studied: int = 0
    question_total: int = 0
    first_try_accuracy: float = 0.0
    topics: tuple[TopicRecall, ...] = ()
    plan: tuple[PlanRow, ...] = ()

    @property
    def minimum_reviews(self) -> int:
        return readiness.MINIMUM_REVIEWS

    @property
    def mock_size(self) -> int:
        return MOCK_SET_SIZE

    @property
    def plan_minutes(self) -> float:
        return sum(row.step.minutes for row in self.plan)

    @property
    def plan_gain(self) -> float:
        return sum(row.step.gain for row in self.plan)

    @property
    def score_after_plan(self) -> float:
        return (self.readiness.expected_score if self.readiness else 0.0) + self.plan_gain


def interview_moment(day: date, time_zone: str, now: datetime) -> datetime:
    """Return the moment readiness is projected to: the interview morning, or now if later."""
    morning = datetime.combine(day, time(INTERVIEW_HOUR), tzinfo=ZoneInfo(time_zone))
    return max(morning, now)


def _plain(prompt: str) -> str:
    """Return a prompt's opening words as plain text: no code blocks, marks or cloze answers."""
    text = CODE_BLOCK_RE.sub(" […] ", CLOZE_RE.sub("[…]", prompt or ""))
    text = MARKUP_RE.sub("", text)
    return Truncator(" ".join(text.split())).chars(90)


def interview_readiness(user: object, settings: StudySettings, now: datetime) -> InterviewReadiness:
    """Return the learner's readiness for a mock set on their interview day, and their plan.

    No query without an interview date to come; eight with one (`settings` as
    `study_settings` returns it): the questions in scope, the learner's four reads, their timed
    reviews, the plan's questions and the topics.
    """
    day = settings.interview_date
    if day is None:
        return InterviewReadiness(status="unset")
    today = now.astimezone(ZoneInfo(settings.time_zone)).date()
    if day < today:
        return InterviewReadiness(status="past", day=day)
    at = interview_moment(day, settings.time_zone, now)
    base = {"day": day, "at": at, "days_left": (day - today).days}
    scope = questions_in_scope(settings)
    rows = list(scope.order_by().values_list("pk", "topic_id", "difficulty", "type"))
    questions = [QuestionInfo(pk, topic_id, difficulty) for pk, topic_id, difficulty, _ in rows]
    types = {pk: question_type for pk, _, _, question_type in rows}
    learner = readiness_selectors.learners([user.pk], scope.values("pk"))[user.pk]
    base["review_count"] = learner.review_count
    if not questions:
        return InterviewReadiness(status="empty", **base)
    if not learner.has_enough_reviews:
        return InterviewReadiness(status="few_reviews", **base)
    chances = readiness.chances_at(learner, questions, at)
    mock = readiness.mock_set(questions, MOCK_SET_SIZE)
    result = readiness.readiness(mock, chances, MOCK_PASS_MARK)
    minutes = readiness.review_minutes(readiness_selectors.timed_reviews(user))
    steps = readiness.review_plan(
        learner,
        questions,
        result.score_weights,
        chances,
        now,
        at,
        lambda question_id: minutes(types[question_id]),
        PLAN_SIZE,
    )
    shown = Question.objects.select_related("topic").in_bulk([step.question_id for step in steps])
    topic_of = {q.question_id: q.topic_id for q in questions}
    return InterviewReadiness(
        status="ready",
        **base,
        readiness=result,
        studied=sum(1 for q in questions if q.question_id in learner.memories),
        question_total=len(questions),
        first_try_accuracy=learner.prior.overall,
        topics=_topic_recall(questions, chances, topic_of),
        plan=tuple(
            PlanRow(shown[step.question_id], _plain(shown[step.question_id].prompt), step)
            for step in steps
        ),
    )


def _topic_recall(questions, chances, topic_of) -> tuple[TopicRecall, ...]:  # noqa: ANN001
    totals: dict[int, list[float]] = {}
    for question in questions:
        totals.setdefault(topic_of[question.question_id], []).append(chances[question.question_id])
    topics = Topic.objects.in_bulk(list(totals))
    rows = [TopicRecall(topics[t], sum(values) / len(values)) for t, values in totals.items()]
    return tuple(sorted(rows, key=lambda row: (row.recall, row.topic.position)))


def plan_question_ids(user: object, settings: StudySettings, now: datetime) -> list[int]:
    """Return the question ids of the learner's current plan (empty when there is none)."""
    result = interview_readiness(user, settings, now)
    return [row.step.question_id for row in result.plan]

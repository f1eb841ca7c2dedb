"""Reads of assessments: who may see which one, what members have to do, and the reports.

Every object a URL names is fetched through one helper per kind that 404s for anyone else:
`get_assessment_to_manage`, `get_assessment_to_take`, `get_attempt_for`. Each page runs a fixed
number of queries whatever the size of the team or the assessment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from studyapp.accounts.models import Membership, Team, User
from studyapp.banks.models import Question, Topic

from . import analysis
from .display import RevealedAnswer, revealed_answer
from .models import Assessment, AssessmentItem, Attempt, AttemptQuestion
from .snapshots import html_from_data

# Access -----------------------------------------------------------------------------------------


def _leads(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, role=Membership.Role.LEAD)


def in_attempt_team(user: User) -> QuerySet[Membership]:
    """The user's membership in the team of the attempt at OuterRef (for an Exists filter)."""
    return Membership.objects.filter(user=user, team_id=OuterRef("assessment__team_id"))


def managed_assessments_queryset(user: User) -> QuerySet[Assessment]:
    """Assessments the user may build and see reports of: their teams' as a lead, all for staff."""
    assessments = Assessment.objects.all()
    if not user.is_staff:
        assessments = assessments.filter(team__in=_leads(user).values("team_id"))
    return assessments


def assigned_assessments_queryset(user: User) -> QuerySet[Assessment]:
    """Published assessments assigned to the user while they are in the assessment's team."""
    in_team = Membership.objects.filter(team=OuterRef("team"), user=user)
    as_member = in_team.filter(role=Membership.Role.MEMBER)
    chosen = Assessment.assignees.through.objects.filter(assessment=OuterRef("pk"), user=user)
    return Assessment.objects.filter(is_published=True).filter(
        (Q(assigned_to_all=True) & Exists(as_member)) | (Exists(chosen) & Exists(in_team))
    )


def get_assessment_to_manage(user: User, pk: int) -> Assessment:
    """Return an assessment the user leads the team of (any, for staff); 404 otherwise."""
    if not user.is_authenticated:
        raise Http404("No such assessment.")
    assessment = managed_assessments_queryset(user).select_related("team").filter(pk=pk).first()
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def get_assessment_to_take(user: User, pk: int) -> Assessment:
    """Return a published assessment assigned to the user; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404("No such assessment.")
    assessment = assigned_assessments_queryset(user).select_related("team").filter(pk=pk).first()
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def get_attempt_for(user: User, pk: int, *, to_answer: bool = False) -> Attempt:
    """Return an attempt the user may see: their own while they are in its team, or any of a team
    they lead (staff: all).

    With `to_answer`, only the user's own attempt. 404 otherwise: someone removed from a team
    loses their attempts there at once (saving, submitting, viewing).
    """
    if not user.is_authenticated:
        raise Http404("No such attempt.")
    attempts = Attempt.objects.select_related("assessment__team", "user").filter(pk=pk)
    own = Q(user=user) & Exists(in_attempt_team(user))
    if to_answer:
        attempts = attempts.filter(own)
    elif not user.is_staff:
        leads = _leads(user).filter(team_id=OuterRef("assessment__team_id"))
        attempts = attempts.filter(own | Exists(leads))
    attempt = attempts.first()
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def can_manage(user: User, assessment: Assessment) -> bool:
    """Return whether the user leads the assessment's team (or is staff)."""
    return user.is_staff or _leads(user).filter(team_id=assessment.team_id).exists()


# What members have to do ------------------------------------------------------------------------


STATUS_LABELS = {
    "upcoming": "Opens soon",
    "todo": "To do",
    "in_progress": "In progress",
    "time_up": "Time up",
    "passed": "Passed",
    "not_passed": "Not passed",
    "missed": "Missed",
    "not_started": "Not started",
}
_LIST_ORDER = {"in_progress": 0, "time_up": 0, "todo": 1, "upcoming": 2, "not_passed": 3}


@dataclass(frozen=True)
class Assignment:
    """An assessment as one member stands with it."""

    assessment: Assessment
    attempts_used: int
    best_score: float | None
    open_attempt_id: int | None
    open_attempt_deadline: datetime | None
    status: str
    can_start: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def attempts_left(self) -> int:
        return max(0, self.assessment.attempts_allowed - self.attempts_used)


def assignment_status(
    assessment: Assessment,
    *,
    now: datetime,
    attempts_used: int,
    best_score: float | None,
    open_deadline: datetime | None,
) -> tuple[str, bool]:
    """Return (status, whether a new attempt may start) of one member at one assessment."""
    if open_deadline is not None:
        return ("in_progress" if now < open_deadline else "time_up"), False
    can_start = assessment.is_open(now) and attempts_used < assessment.attempts_allowed
    if best_score is not None:
        return ("passed" if best_score >= assessment.pass_mark else "not_passed"), can_start
    if now < assessment.opens_at:
        return "upcoming", False
    if can_start:
        return "todo", True
    return "missed", False


def assignments_for(
    user: User, now: datetime, *, limit: int | None = None, team: Team | None = None
) -> list[Assignment]:
    """Return the member's assigned assessments (of one team, if given) with their status: open
    ones first, by due date. One query.
    """
    if not user.is_authenticated:
        return []
    open_attempt = Attempt.objects.filter(
        assessment=OuterRef("pk"), user=user, submitted_at__isnull=True
    )
    assigned = assigned_assessments_queryset(user)
    if team is not None:
        assigned = assigned.filter(team=team)
    assessments = (
        assigned.select_related("team")
        .annotate(
            attempts_used=Count("attempts", filter=Q(attempts__user=user)),
            best_score=Max(
                "attempts__score",
                filter=Q(attempts__user=user, attempts__submitted_at__isnull=False),
            ),
            open_attempt_id=Subquery(open_attempt.values("pk")[:1]),
            open_attempt_deadline=Subquery(open_attempt.values("deadline")[:1]),
        )
        .order_by("closes_at", "pk")
    )
    result = []
    for assessment in assessments:
        status, can_start = assignment_status(
            assessment,
            now=now,
            attempts_used=assessment.attempts_used,
            best_score=assessment.best_score,
            open_deadline=assessment.open_attempt_deadline,
        )
        result.append(
            Assignment(
                assessment=assessment,
                attempts_used=assessment.attempts_used,
                best_score=assessment.best_score,
                open_attempt_id=assessment.open_attempt_id,
                open_attempt_deadline=assessment.open_attempt_deadline,
                status=status,
                can_start=can_start,
            )
        )
    result.sort(key=lambda a: 1 if a.can_start else _LIST_ORDER.get(a.status, 4))
    return result[:limit] if limit else result


def attempts_of(user: User, assessment: Assessment) -> list[Attempt]:
    """Return the member's attempts at an assessment, the first first."""
    return list(assessment.attempts.filter(user=user).order_by("number"))


def _with_counts(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    # Questions an attempt gets: one per fixed question, `count` per draw.
    per_item = Case(When(question__isnull=True, then=F("count")), default=Value(1))
    questions = (
        AssessmentItem.objects.filter(assessment=OuterRef("pk"))
        .order_by()
        .values("assessment")
        .annotate(total=Sum(per_item))
        .values("total")
    )
    return (
        assessments.select_related("team")
        .annotate(
            item_count=Count("items", distinct=True),
            question_count=Coalesce(Subquery(questions), 0),
            submitted_count=Count(
                "attempts", filter=Q(attempts__submitted_at__isnull=False), distinct=True
            ),
        )
        .order_by("-opens_at", "pk")
    )


def managed_assessments(user: User) -> list[Assessment]:
    """Return the assessments the user manages with `item_count` and `submitted_count`."""
    return list(_with_counts(managed_assessments_queryset(user)))


def team_assessments(team: Team) -> list[Assessment]:
    """Return a team's assessments, drafts too, with `item_count` and `submitted_count` (for its
    leads; members see their assignments). One query."""
    return list(_with_counts(Assessment.objects.filter(team=team)))


# Building ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    item: AssessmentItem
    available: int | None  # draws: how many questions the topic offers
    problem: str


def assessment_items(assessment: Assessment) -> list[ItemRow]:
    """Return the assessment's items with what a draw can take and what went wrong since."""
    items = list(assessment.items.select_related("question__topic", "question__bank", "topic"))
    topics = {item.topic_id for item in items if item.topic_id}
    counts: dict[tuple[int, int], int] = defaultdict(int)
    eligible = (
        Question.objects.active()
        .exclude(type=Question.Type.FLASHCARD)
        .filter(topic_id__in=topics)
        .values("topic_id", "difficulty")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in eligible:
        counts[(row["topic_id"], row["difficulty"])] += row["n"]
    rows = []
    for item in items:
        if item.question_id:
            problem = ""
            if item.question.is_retired:
                problem = "Retired since it was added: new attempts leave it out."
            rows.append(ItemRow(item, None, problem))
            continue
        available = sum(
            n
            for (topic_id, difficulty), n in counts.items()
            if topic_id == item.topic_id and item.difficulty in (None, difficulty)
        )
        problem = (
            f"Only {available} question{'s' if available != 1 else ''} to draw from."
            if available < item.count
            else ""
        )
        rows.append(ItemRow(item, available, problem))
    return rows


def question_options() -> list[tuple[str, list[Question]]]:
    """Return the questions that may be added, grouped by topic (in study, no flashcards)."""
    questions = (
        Question.objects.active()
        .exclude(type=Question.Type.FLASHCARD)
        .select_related("topic")
        .order_by("topic__position", "topic__slug", "slug")
        .only("pk", "slug", "type", "difficulty", "topic__title", "topic__position")
    )
    groups: dict[str, list[Question]] = {}
    for question in questions:
        groups.setdefault(question.topic.title, []).append(question)
    return list(groups.items())


SEARCH_LIMIT = 20
SEARCH_MAX_TERMS = 8


@dataclass(frozen=True)
class SearchFilters:
    """What a lead searches the banks for: words, a topic, a type, a level (all optional)."""

    text: str = ""
    topic: str = ""
    type: str = ""
    difficulty: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.topic or self.type or self.difficulty)


@dataclass(frozen=True)
class SearchResult:
    question: Question
    is_added: bool
    answer: RevealedAnswer


@dataclass(frozen=True)
class QuestionSearch:
    filters: SearchFilters
    results: list[SearchResult]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.results)


def question_search(
    assessment: Assessment, filters: SearchFilters, limit: int = SEARCH_LIMIT
) -> QuestionSearch:
    """Return the questions that may be added matching the filters, the first `limit` with their
    answer for a preview and whether they are in the assessment already. Four queries."""
    questions = Question.objects.active().exclude(type=Question.Type.FLASHCARD)
    for term in filters.text.split()[:SEARCH_MAX_TERMS]:
        questions = questions.filter(Q(prompt__icontains=term) | Q(slug__icontains=term))
    if filters.topic:
        questions = questions.filter(topic__slug=filters.topic)
    if filters.type:
        questions = questions.filter(type=filters.type)
    if filters.difficulty:
        questions = questions.filter(difficulty=filters.difficulty)
    total = questions.count()
    in_assessment = AssessmentItem.objects.filter(assessment=assessment, question=OuterRef("pk"))
    page = list(
        questions.select_related("topic", "bank")
        .prefetch_related("choices", "snippets")
        .annotate(is_added=Exists(in_assessment))
        .order_by("topic__position", "study_order", "pk")[:limit]
    )
    results = []
    for question in page:
        spec = question.to_spec()
        answer = revealed_answer(
            spec=spec,
            html=question.stored_html(),
            choice_order=list(range(len(spec.choices))),
            response=[],
            is_correct=None,
            feedback=(),
        )
        results.append(SearchResult(question, question.is_added, answer))
    return QuestionSearch(filters, results, total)


def topic_options() -> QuerySet[Topic]:
    """Return the topics to draw from."""
    return Topic.objects.order_by("position", "slug")


def assigned_members(assessment: Assessment) -> list[User]:
    """Return the users the assessment is assigned to, by username."""
    memberships = Membership.objects.filter(team_id=assessment.team_id)
    if assessment.assigned_to_all:
        users = User.objects.filter(
            pk__in=memberships.filter(role=Membership.Role.MEMBER).values("user_id")
        )
    else:
        users = assessment.assignees.filter(pk__in=memberships.values("user_id"))
    return list(users.order_by("username"))


# Attempts ---------------------------------------------------------------------------------------


def attempt_questions(attempt: Attempt) -> list[AttemptQuestion]:
    """Return an attempt's questions in the order shown."""
    return list(attempt.questions.order_by("position"))


# Reports ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    user: User
    status: str
    attempts: int
    score: float | None
    passed: bool | None
    started_at: datetime | None
    time_taken: timedelta | None
    attempt_id: int | None
    is_former_member: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class QuestionRow:
    question_slug: str
    topic_slug: str
    question_type: str
    prompt_excerpt_html: str
    asked: int
    answered: int
    correct: int
    facility_index: float | None
    discrimination_index: float | None
    url: str

    @property
    def missed(self) -> int:
        """Members given the question who did not get it right (wrong or unanswered)."""
        return self.asked - self.correct

    @property
    def unanswered(self) -> int:
        return self.asked - self.answered


@dataclass(frozen=True)
class Report:
    members: list[MemberRow]
    questions: list[QuestionRow]
    analysed_members: int


def _best(attempts: list[Attempt]) -> Attempt | None:
    submitted = [a for a in attempts if a.is_submitted]
    if not submitted:
        return None
    return max(submitted, key=lambda a: (a.score or 0.0, -a.number))


def _member_row(
    user: User,
    attempts: list[Attempt],
    assessment: Assessment,
    now: datetime,
    *,
    is_former_member: bool = False,
) -> MemberRow:
    best = _best(attempts)
    current = next((a for a in attempts if not a.is_submitted), None)
    status, _ = assignment_status(
        assessment,
        now=now,
        attempts_used=len(attempts),
        best_score=best.score if best else None,
        open_deadline=current.deadline if current else None,
    )
    if status in ("todo", "upcoming") and not attempts:
        status = "not_started" if status == "todo" else "upcoming"
    shown = current or best
    return MemberRow(
        user=user,
        status=status,
        attempts=len(attempts),
        score=best.score if best else None,
        passed=best.passed if best else None,
        started_at=shown.started_at if shown else None,
        time_taken=best.time_taken if best else None,
        attempt_id=shown.pk if shown else None,
        is_former_member=is_former_member,
    )


def assessment_report(assessment: Assessment, now: datetime) -> Report:
    """Return the per-member and per-question report of an assessment. Four queries.

    The item analysis reads each member's first submitted attempt: later attempts follow seeing
    the answers, and would make questions look easier than they are.
    """
    members = assigned_members(assessment)
    in_team = Membership.objects.filter(team_id=assessment.team_id, user_id=OuterRef("user_id"))
    attempts = list(
        assessment.attempts.select_related("user")
        .annotate(by_member=Exists(in_team))
        .order_by("user_id", "number")
    )
    by_user: dict[int, list[Attempt]] = defaultdict(list)
    users = {user.pk: user for user in members}
    for attempt in attempts:
        by_user[attempt.user_id].append(attempt)
        users.setdefault(attempt.user_id, attempt.user)
    # Assigned users are members; anyone else with an attempt may have left the team since.
    former = {attempt.user_id for attempt in attempts if not attempt.by_member}
    member_rows = [
        _member_row(
            user,
            by_user.get(user.pk, []),
            assessment,
            now,
            is_former_member=user.pk in former,
        )
        for user in sorted(users.values(), key=lambda u: u.get_username())
    ]

    first = {}
    for attempt in attempts:
        if attempt.is_submitted and attempt.user_id not in first:
            first[attempt.user_id] = attempt
    scores = {user_id: attempt.score or 0.0 for user_id, attempt in first.items()}
    user_of = {attempt.pk: user_id for user_id, attempt in first.items()}
    results: dict[str, dict[int, bool]] = defaultdict(dict)
    answered: dict[str, set[int]] = defaultdict(set)
    sample: dict[str, tuple[int, str]] = {}
    rows = AttemptQuestion.objects.filter(attempt_id__in=user_of).values_list(
        "pk", "attempt_id", "question_slug", "topic_slug", "is_correct", "response"
    )
    for pk, attempt_id, slug, topic_slug, is_correct, response in rows:
        results[slug][user_of[attempt_id]] = bool(is_correct)
        if response:  # saved empty when the member left it blank
            answered[slug].add(user_of[attempt_id])
        sample.setdefault(slug, (pk, topic_slug))
    snapshots = {
        slug: (spec, html)
        for slug, spec, html in AttemptQuestion.objects.filter(
            pk__in=[pk for pk, _ in sample.values()]
        ).values_list("question_slug", "spec", "html")
    }
    type_labels = dict(Question.Type.choices)
    question_rows = []
    for statistics in analysis.item_analysis(scores, results, answered=answered):
        slug = statistics.question
        topic_slug = sample[slug][1]
        spec, html = snapshots.get(slug, ({}, {}))
        question_rows.append(
            QuestionRow(
                question_slug=slug,
                topic_slug=topic_slug,
                question_type=type_labels.get(spec.get("type", ""), ""),
                prompt_excerpt_html=html_from_data(html).excerpt,
                asked=statistics.asked,
                answered=statistics.answered,
                correct=statistics.correct,
                facility_index=statistics.facility_index,
                discrimination_index=statistics.discrimination_index,
                url=f"{reverse('topic_detail', args=[topic_slug])}#q-{slug}",
            )
        )
    return Report(member_rows, question_rows, analysed_members=len(first))

"""Assessment pages: building and assigning (leads), taking (members), reports (leads, staff)."""

from __future__ import annotations

import csv
import random
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts.forms import TeamForm
from studyapp.accounts.selectors import get_led_team_for, get_team_for, led_teams
from studyapp.accounts.views import team_panel_context
from studyapp.core.confirm import confirm_page, is_confirmed
from studyapp.core.http import HtmxHttpRequest, is_fragment_request
from studyapp.study.readiness import MINIMUM_REVIEWS
from studyapp.study.services import queue_now

from . import readiness, selectors, services
from .display import item_label, revealed_answer, shown_question
from .forms import (
    AddDrawForm,
    AddQuestionForm,
    AddRandomForm,
    AssessmentForm,
    MoveItemForm,
    QuestionSearchForm,
)
from .models import Assessment, AttemptQuestion
from .snapshots import html_from_data, spec_from_data

# Lists ------------------------------------------------------------------------------------------


@login_required
@require_GET
def assessment_list(request: HtmxHttpRequest) -> TemplateResponse:
    """Assessments assigned to me, and those I manage as a team lead."""
    now = timezone.now()
    services.close_overdue_attempts(now=now, user=request.user)
    context = {
        "assignments": selectors.assignments_for(request.user, now),
        "managed": selectors.managed_assessments(request.user),
        "leads_a_team": led_teams(request.user).exists(),
        "now": now,
    }
    return TemplateResponse(request, "assessments/assessment_list.html", context)


# The team page ----------------------------------------------------------------------------------


@login_required
@require_GET
def team_detail(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """A team: its members and invite links (the accounts panel), and its assessments.

    Composed here because it shows assessments and accounts never imports assessments: each
    section is an include fed by its own app, so another section is one more include.
    """
    access = get_team_for(request.user, pk)
    now = timezone.now()
    context = team_panel_context(request, access)
    if is_fragment_request(request):  # the members-and-invites panel alone
        response = TemplateResponse(request, "accounts/_team_panel.html", context)
        response["Vary"] = "HX-Request"
        return response
    if access.is_lead:
        context["team_assessments"] = selectors.team_assessments(access.team)
    else:
        context["assignments"] = selectors.assignments_for(request.user, now, team=access.team)
    context["now"] = now
    response = TemplateResponse(request, "assessments/team_detail.html", context)
    response["Vary"] = "HX-Request"
    return response


# Building ---------------------------------------------------------------------------------------


def _default_window() -> dict:
    start = timezone.now().replace(second=0, microsecond=0)
    return {"opens_at": start, "closes_at": start + timedelta(days=7)}


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HtmxHttpRequest) -> HttpResponse:
    """A new assessment for one of the teams I lead; without one, the way to start a team."""
    teams = led_teams(request.user)
    has_team = teams.exists()
    initial = _default_window()
    team_id = request.GET.get("team", "")
    if team_id.isdigit():
        initial["team"] = int(team_id)
    form = AssessmentForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and has_team and form.is_valid():
        assessment = form.save(commit=False)
        assessment.created_by = request.user
        assessment.save()
        messages.success(request, "Assessment created. Add its questions, then publish it.")
        return redirect("assessment_manage", assessment.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "has_team": has_team, "team_form": TeamForm()}
    return TemplateResponse(request, "assessments/assessment_create.html", context, status=status)


def _picker_filters(data: QueryDict) -> tuple[QuestionSearchForm, selectors.SearchFilters]:
    """Return the picker's filter form and what it asks for (nothing, when it is invalid)."""
    form = QuestionSearchForm(data, topics=list(selectors.topic_options()))
    if not form.is_valid():
        return form, selectors.SearchFilters()
    data = form.cleaned_data
    filters = selectors.SearchFilters(
        text=data["q"], topic=data["topic"], type=data["type"], difficulty=data["level"]
    )
    return form, filters


def _manage_context(
    request: HtmxHttpRequest, assessment: Assessment, filters_from: QueryDict | None = None, **extra
) -> dict:
    search_form, filters = _picker_filters(request.GET if filters_from is None else filters_from)
    topics = search_form.fields["topic"].choices[1:]
    return {
        "assessment": assessment,
        "form": AssessmentForm(instance=assessment, teams=led_teams(request.user)),
        "items": selectors.assessment_items(assessment),
        "search_form": search_form,
        "search": selectors.question_search(assessment, filters),
        "filter_fields": _filter_fields(filters),
        "topic_options": topics,
        "type_options": search_form.fields["type"].choices[1:],
        "add_draw_form": AddDrawForm(),
        "attempt_count": assessment.attempts.count(),
        **extra,
    }


def _filter_fields(filters: selectors.SearchFilters) -> list[tuple[str, str]]:
    """The picker's filters as hidden fields, so a POST from the results keeps the search."""
    fields = [("q", filters.text), ("topic", filters.topic), ("type", filters.type),
              ("level", str(filters.difficulty or ""))]  # fmt: skip
    return [(name, value) for name, value in fields if value]


def _render_manage(request: HtmxHttpRequest, context: dict, status: int = 200) -> TemplateResponse:
    template = "assessments/assessment_manage.html"
    if is_fragment_request(request):
        target = request.htmx.target
        template += "#picker-results" if target == "picker-results" else "#builder"
    response = TemplateResponse(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def assessment_manage(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An assessment's questions (with the picker), settings, assignment and publishing (the
    team's leads); `?q=&topic=&type=&level=` search the questions to add."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    if request.method == "POST":
        form = AssessmentForm(request.POST, instance=assessment, teams=led_teams(request.user))
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("assessment_manage", assessment.pk)
        assessment.refresh_from_db()
        context = _manage_context(request, assessment, filters_from=QueryDict(), form=form)
        return TemplateResponse(request, "assessments/assessment_manage.html", context, status=400)
    return _render_manage(request, _manage_context(request, assessment))


def _after_item_change(request: HtmxHttpRequest, assessment: Assessment) -> HttpResponse:
    """The builder again (htmx), or the page at the same search (plain forms)."""
    _, filters = _picker_filters(request.POST)
    if is_fragment_request(request):
        return _render_manage(request, _manage_context(request, assessment, request.POST))
    query = urlencode(_filter_fields(filters))
    target = reverse("assessment_manage", args=[assessment.pk])
    return redirect(f"{target}?{query}#items" if query else f"{target}#items")


@login_required
@require_POST
def item_add_question(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Add a fixed question to the assessment."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    form = AddQuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That question is not in the banks any more: search again.")
        return _after_item_change(request, assessment)
    try:
        services.add_question_item(assessment=assessment, question=form.cleaned_data["question"])
    except services.AssessmentError as error:
        messages.error(request, str(error))
    return _after_item_change(request, assessment)


@login_required
@require_POST
def item_add_random(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Add N questions of a topic picked at random now, as fixed questions."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    form = AddRandomForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a topic and how many questions (1 to 50) to add.")
        return _after_item_change(request, assessment)
    data = form.cleaned_data
    try:
        added = services.add_random_questions(
            assessment=assessment,
            topic=data["topic"],
            count=data["count"],
            question_type=data["type"],
            difficulty=data["level"],
            rng=random.Random(secrets.randbits(64)),  # noqa: S311 - a draw, not a secret
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        fewer = f" (only {len(added)} were left)" if len(added) < data["count"] else ""
        messages.success(
            request,
            f"Added {len(added)} question{pluralize(len(added))} of {data['topic']}{fewer}.",
        )
    return _after_item_change(request, assessment)


@login_required
@require_POST
def item_add_draw(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Add a random draw from a topic to the assessment (drawn again for each attempt)."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    form = AddDrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a topic and how many questions (1 to 100) to draw.")
        return _after_item_change(request, assessment)
    services.add_draw_item(
        assessment=assessment,
        topic=form.cleaned_data["topic"],
        count=form.cleaned_data["count"],
        difficulty=form.cleaned_data["difficulty"],
    )
    return _after_item_change(request, assessment)


@login_required
@require_POST
def item_move(request: HtmxHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Move an item one place up or down."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    item = get_object_or_404(assessment.items, pk=item_pk)
    form = MoveItemForm(request.POST)
    if form.is_valid():
        offset = -1 if form.cleaned_data["direction"] == "up" else 1
        services.move_item(item=item, offset=offset)
    return _after_item_change(request, assessment)


@login_required
@require_POST
def item_remove(request: HtmxHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Remove an item from the assessment, once confirmed."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    item = get_object_or_404(assessment.items.select_related("question", "topic"), pk=item_pk)
    if not is_confirmed(request):
        return confirm_page(
            request,
            title="Remove this question?",
            question=f"“{item_label(item)}” leaves {assessment}. Attempts already started keep "
            "their questions.",
            button="Remove",
            cancel_url=reverse("assessment_manage", args=[assessment.pk]) + "#items",
            fields=_filter_fields(_picker_filters(request.POST)[1]),
        )
    services.remove_item(item=item)
    return _after_item_change(request, assessment)


@login_required
@require_POST
def assessment_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Delete an assessment nobody has started, once confirmed."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    if not is_confirmed(request):
        return confirm_page(
            request,
            title=f"Delete “{assessment}”?",
            question="Its questions and settings are deleted for good; nobody has started it.",
            button="Delete the assessment",
            cancel_url=reverse("assessment_manage", args=[assessment.pk]),
        )
    try:
        services.delete_assessment(assessment=assessment)
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return redirect("assessment_manage", assessment.pk)
    messages.success(request, f"“{assessment}” was deleted.")
    return redirect("team_detail", assessment.team_id)


@login_required
@require_POST
def assessment_publish(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Publish the assessment to its members, or take it back while nobody has started."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    publish = request.POST.get("publish") == "1"
    try:
        services.set_published(assessment=assessment, published=publish)
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Published: its members see it now."
            if publish
            else "Back to draft: members no longer see it.",
        )
    return redirect("assessment_manage", assessment.pk)


@login_required
@require_GET
def assessment_preview(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """One sample draw as a member would see it, each question with its answer (leads)."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    drawn = services.draw_attempt_questions(assessment=assessment, rng=random.Random())  # noqa: S311
    questions = []
    for row in drawn:
        spec, html = spec_from_data(row.spec), html_from_data(row.html)
        questions.append(
            (
                shown_question(
                    spec=spec,
                    html=html,
                    position=row.position,
                    topic_title=row.topic_title,
                    choice_order=row.choice_order,
                    item_order=row.item_order,
                    response=[],
                ),
                revealed_answer(
                    spec=spec,
                    html=html,
                    choice_order=row.choice_order,
                    response=[],
                    is_correct=None,
                    feedback=(),
                    question_slug=row.question_slug,
                    topic_slug=row.topic_slug,
                ),
            )
        )
    context = {"assessment": assessment, "questions": questions}
    return TemplateResponse(request, "assessments/assessment_preview.html", context)


# Taking -----------------------------------------------------------------------------------------


@login_required
@require_GET
def assessment_detail(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """An assigned assessment: instructions, window, my attempts, and Start or Resume."""
    assessment = selectors.get_assessment_to_take(request.user, pk)
    now = timezone.now()
    services.close_overdue_attempts(now=now, user=request.user, assessment=assessment)
    attempts = selectors.attempts_of(request.user, assessment)
    current = next((a for a in attempts if not a.is_submitted), None)
    submitted = [a for a in attempts if a.is_submitted]
    status, can_start = selectors.assignment_status(
        assessment,
        now=now,
        attempts_used=len(attempts),
        best_score=max((a.score or 0.0 for a in submitted), default=None),
        open_deadline=current.deadline if current else None,
    )
    context = {
        "assessment": assessment,
        "attempts": attempts,
        "current": current,
        "status": status,
        "status_label": selectors.STATUS_LABELS[status],
        "can_start": can_start,
        "attempts_left": max(0, assessment.attempts_allowed - len(attempts)),
        "now": now,
        "readiness": readiness.member_readiness(request.user, assessment, now)
        if current is None and (can_start or status == "upcoming")
        else None,
    }
    return TemplateResponse(request, "assessments/assessment_detail.html", context)


@login_required
@require_POST
def assessment_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Start an attempt (or resume the one in progress: starting twice starts once)."""
    assessment = selectors.get_assessment_to_take(request.user, pk)
    try:
        attempt = services.start_attempt(
            assessment=assessment, user=request.user, now=timezone.now()
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
        return redirect("assessment_detail", assessment.pk)
    return redirect("attempt_detail", attempt.pk)


def _shown_questions(rows: list[AttemptQuestion]) -> list:
    return [
        shown_question(
            spec=spec_from_data(row.spec),
            html=html_from_data(row.html),
            position=row.position,
            topic_title=row.topic_title,
            choice_order=row.choice_order,
            item_order=row.item_order,
            response=row.response,
        )
        for row in rows
    ]


def _revealed(rows: list[AttemptQuestion]) -> list:
    result = []
    for shown, row in zip(_shown_questions(rows), rows, strict=True):
        answer = revealed_answer(
            spec=spec_from_data(row.spec),
            html=html_from_data(row.html),
            choice_order=row.choice_order,
            response=row.response,
            is_correct=row.is_correct,
            feedback=row.feedback,
            question_slug=row.question_slug,
            topic_slug=row.topic_slug,
            score=row.score,
            is_regraded=row.regraded_by_id is not None,
        )
        result.append((shown, answer))
    return result


@login_required
@require_GET
def attempt_detail(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """An attempt: the questions while it runs (its member), the result once submitted."""
    attempt = selectors.get_attempt_for(request.user, pk)
    now = timezone.now()
    is_own = attempt.user_id == request.user.pk
    if is_own and not attempt.is_submitted and now >= attempt.deadline:
        services.close_attempt(attempt_id=attempt.pk, now=now)
        messages.info(request, "Time is up: your attempt was submitted with your saved answers.")
        attempt = selectors.get_attempt_for(request.user, pk)
    assessment = attempt.assessment
    rows = selectors.attempt_questions(attempt)
    if is_own and not attempt.is_submitted:
        context = {
            "attempt": attempt,
            "assessment": assessment,
            "questions": _shown_questions(rows),
            "answered_count": sum(1 for row in rows if row.response),
        }
        return TemplateResponse(request, "assessments/attempt_take.html", context)
    is_lead_view = not is_own or selectors.can_manage(request.user, assessment)
    reveal = attempt.is_submitted and (is_lead_view or assessment.answers_visible(now))
    context = {
        "attempt": attempt,
        "assessment": assessment,
        "is_own": is_own,
        "reveal": reveal,
        # Leads (and staff) regrade others' attempts by hand; members never override a verdict.
        "can_regrade": attempt.is_submitted and not is_own and is_lead_view,
        "answers": _revealed(rows) if reveal else [],
        "missed_count": sum(1 for row in rows if row.is_correct is False),
        "now": now,
    }
    return TemplateResponse(request, "assessments/attempt_result.html", context)


def _refused(
    request: HtmxHttpRequest, attempt_pk: int, message: str, position: int | None = None
) -> TemplateResponse:
    """Answer 409: the answer was not saved, and why."""
    context = {"message": message, "attempt_pk": attempt_pk, "position": position}
    if is_fragment_request(request):
        return TemplateResponse(
            request, "assessments/_save_status.html", {**context, "refused": True}, status=409
        )
    return TemplateResponse(request, "assessments/refused.html", context, status=409)


@login_required
@require_POST
def attempt_save(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Save every answer of the attempt form (the plain Save buttons)."""
    attempt = selectors.get_attempt_for(request.user, pk, to_answer=True)
    try:
        services.save_answers(
            attempt_id=attempt.pk, user=request.user, data=request.POST, now=timezone.now()
        )
    except services.AssessmentError as error:
        return _refused(request, attempt.pk, str(error))
    messages.success(request, "Your answers are saved.")
    anchor = request.POST.get("save", "")
    target = reverse("attempt_detail", args=[attempt.pk])
    return redirect(
        f"{target}#question-{anchor}" if re.fullmatch(r"[0-9]{1,4}", anchor) else target
    )


@login_required
@require_POST
def attempt_save_question(request: HtmxHttpRequest, pk: int, position: int) -> HttpResponse:
    """Save one question's answer as the member goes (htmx); answers with its status."""
    attempt = selectors.get_attempt_for(request.user, pk, to_answer=True)
    now = timezone.now()
    try:
        rows = services.save_answers(
            attempt_id=attempt.pk,
            user=request.user,
            data=request.POST,
            now=now,
            positions={position},
        )
    except services.AssessmentError as error:
        return _refused(request, attempt.pk, str(error), position)
    if not rows:
        raise Http404("This attempt has no such question.")
    if not is_fragment_request(request):
        target = reverse("attempt_detail", args=[attempt.pk])
        return redirect(f"{target}#question-{position}")
    context = {"position": position, "saved_at": now, "is_answered": bool(rows[0].response)}
    return TemplateResponse(request, "assessments/_save_status.html", context)


@login_required
@require_POST
def attempt_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Save the form's answers, then grade and submit the attempt (once, however many clicks)."""
    attempt = selectors.get_attempt_for(request.user, pk, to_answer=True)
    try:
        services.submit_attempt(
            attempt_id=attempt.pk, user=request.user, now=timezone.now(), data=request.POST
        )
    except services.LateAnswerError as error:
        return _refused(request, attempt.pk, str(error))
    except services.AssessmentError as error:
        messages.error(request, str(error))
    return redirect("attempt_detail", attempt.pk)


@login_required
@require_POST
def attempt_regrade(request: HtmxHttpRequest, pk: int, position: int) -> HttpResponse:
    """A lead marks one question of a member's submitted attempt right or wrong by hand."""
    attempt = selectors.get_attempt_for(request.user, pk)
    if attempt.user_id == request.user.pk or not selectors.can_manage(
        request.user, attempt.assessment
    ):
        raise Http404("No such attempt.")
    verdict = request.POST.get("verdict", "")
    if verdict not in ("right", "wrong"):
        return HttpResponseBadRequest("Choose right or wrong.")
    try:
        attempt = services.regrade_question(
            attempt_id=attempt.pk,
            position=position,
            is_correct=verdict == "right",
            by=request.user,
            now=timezone.now(),
        )
    except services.AssessmentError as error:
        messages.error(request, str(error))
    else:
        outcome = "passed" if attempt.passed else "not passed"
        messages.success(
            request,
            f"Question {position} marked {verdict}: the score is now "
            f"{attempt.score:.0f}% ({outcome}), and the report counts it so.",
        )
    target = reverse("attempt_detail", args=[attempt.pk])
    return redirect(f"{target}#question-{position}")


# Reports ----------------------------------------------------------------------------------------


@login_required
@require_GET
def assessment_report(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """Who passed, and which questions the team gets wrong (the team's leads and staff)."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    report = selectors.assessment_report(assessment, timezone.now())
    context = {
        "assessment": assessment,
        "report": report,
        "calibration": readiness.calibration_report(assessment.attempts.all()),
        "minimum_reviews": MINIMUM_REVIEWS,
    }
    return TemplateResponse(request, "assessments/report.html", context)


def _csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _text_cell(value: str) -> str:
    """Return text safe in a spreadsheet: never read as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


@login_required
@require_GET
def report_members_csv(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The per-member report as CSV."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    report = selectors.assessment_report(assessment, timezone.now())
    rows = [
        [
            _text_cell(row.user.get_username()),
            _text_cell(row.user.get_full_name()),
            row.status_label,
            _number(row.score, 1),
            "" if row.passed is None else ("yes" if row.passed else "no"),
            row.started_at.isoformat() if row.started_at else "",
            "" if row.time_taken is None else int(row.time_taken.total_seconds()),
            row.attempts,
        ]
        for row in report.members
    ]
    header = ["username", "name", "status", "score_percent", "passed", "started_at",
              "time_taken_seconds", "attempts"]  # fmt: skip
    return _csv_response(f"assessment-{assessment.pk}-members.csv", header, rows)


@login_required
@require_GET
def report_questions_csv(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The per-question report (item analysis) as CSV, the most missed first."""
    assessment = selectors.get_assessment_to_manage(request.user, pk)
    report = selectors.assessment_report(assessment, timezone.now())
    rows = [
        [
            row.question_slug,
            row.topic_slug,
            row.question_type,
            row.asked,
            row.answered,
            row.correct,
            _number(row.facility_index, 1),
            _number(row.discrimination_index, 2),
            request.build_absolute_uri(row.url),
        ]
        for row in report.questions
    ]
    header = ["question", "topic", "type", "asked", "answered", "correct",
              "facility_index_percent", "discrimination_index", "url"]  # fmt: skip
    return _csv_response(f"assessment-{assessment.pk}-questions.csv", header, rows)


# Readiness --------------------------------------------------------------------------------------


@login_required
@require_POST
def readiness_review_topic(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Put the assessment's questions of one topic in the member's review queue now."""
    assessment = selectors.get_assessment_to_take(request.user, pk)
    topic = request.POST.get("topic", "")
    question_ids = (
        readiness.topic_question_ids(assessment, int(topic))
        if re.fullmatch(r"[0-9]{1,18}", topic)
        else []
    )
    if not question_ids:
        messages.error(request, "That topic has no question in this assessment.")
        return redirect("assessment_detail", assessment.pk)
    count = queue_now(user_id=request.user.pk, question_ids=question_ids, now=timezone.now())
    messages.success(
        request,
        f"{count} card{'s' if count != 1 else ''} of this topic are due now. Reviewing them "
        "raises your readiness.",
    )
    return redirect("study")


@login_required
@require_GET
def team_readiness(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """Each member's readiness for each open assessment of a team (its leads and staff)."""
    team = get_led_team_for(request.user, pk)
    now = timezone.now()
    context = {
        "team": team,
        "tables": readiness.team_readiness(team, now),
        "now": now,
        "minimum_reviews": MINIMUM_REVIEWS,
    }
    template = "assessments/team_readiness.html"
    if is_fragment_request(request):
        template += "#readiness-tables"
    response = TemplateResponse(request, template, context)
    response["Vary"] = "HX-Request"
    return response

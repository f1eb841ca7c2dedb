"""The learner's progress at a glance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studyapp.core.http import HtmxHttpRequest
from studyapp.study.selectors import study_settings
from studyapp.study.services import queue_now

from . import charts, interview, selectors


@login_required
@require_GET
def progress(request: HtmxHttpRequest) -> TemplateResponse:
    """Due and done today, streak, time, mastery per topic, retention, heatmap and forecast."""
    now = timezone.now()
    settings = study_settings(request.user)
    today = selectors.study_day(now, settings.time_zone)
    days = selectors.review_days(request.user, settings, now)
    forecast = selectors.forecast(request.user, settings, now)
    cells = charts.heatmap(days, today)
    context = {
        "settings": settings,
        "summary": selectors.summary(request.user, settings, now, days),
        "mastery": selectors.topic_mastery(request.user, settings, now),
        "mature_days": selectors.MATURE_DAYS,
        "heatmap": cells,
        "heatmap_width": (cells[-1].x + charts.CELL) if cells else 0,
        "heatmap_total": sum(days.values()),
        "active_days": [
            (charts.day_label(day), n) for day, n in sorted(days.items(), reverse=True) if n
        ],
        "forecast": forecast,
        "forecast_bars": charts.bars(forecast, width=600, height=120),
        "forecast_total": sum(n for _, n in forecast),
        "interview": interview.interview_readiness(request.user, settings, now),
    }
    return TemplateResponse(request, "progress/progress.html", context)


@login_required
@require_POST
def interview_plan_queue(request: HtmxHttpRequest) -> HttpResponse:
    """Put the cards of the interview plan in the review queue now, then study."""
    now = timezone.now()
    settings = study_settings(request.user)
    question_ids = interview.plan_question_ids(request.user, settings, now)
    if not question_ids:
        messages.info(request, "There is no plan to follow right now.")
        return redirect("progress")
    count = queue_now(user_id=request.user.pk, question_ids=question_ids, now=now)
    messages.success(
        request, f"{count} card{'s' if count != 1 else ''} from your plan are due now."
    )
    return redirect("study")

"""The learner's progress at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from studyapp.core.http import HtmxHttpRequest
from studyapp.study.selectors import study_settings

from . import charts, selectors


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
    }
    return TemplateResponse(request, "progress/progress.html", context)

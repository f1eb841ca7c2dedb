"""Destructive actions ask first: a confirmation page without JavaScript, hx-confirm with it."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.template.response import TemplateResponse


def is_confirmed(request: HttpRequest) -> bool:
    """Return whether the POST says the person confirmed (`confirmed=1`)."""
    return request.POST.get("confirmed") == "1"


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    button: str,
    cancel_url: str,
    fields: Iterable[tuple[str, str]] = (),
) -> TemplateResponse:
    """Return a page asking to confirm the POST that led here; it posts again, confirmed."""
    context = {
        "title": title,
        "question": question,
        "button": button,
        "cancel_url": cancel_url,
        "action": request.get_full_path(),
        "fields": list(fields),
    }
    return TemplateResponse(request, "core/confirm.html", context)

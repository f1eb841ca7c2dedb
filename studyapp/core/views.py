"""Health endpoints for load balancers and Kubernetes probes, and the favicon."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe

FAVICON = Path(__file__).resolve().parent / "static" / "core" / "favicon.ico"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers (liveness): no database, no cache, nothing that can hang."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers (readiness): 503 until it does."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon browsers and other clients ask for at /favicon.ico, whatever the page says."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")

"""Request typing shared by every view."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


def is_fragment_request(request: HtmxHttpRequest) -> bool:
    """Return whether to answer with a fragment: an htmx request that is not a history restore."""
    return bool(request.htmx) and not request.htmx.history_restore_request

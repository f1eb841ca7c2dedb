"""What every page needs to know of accounts: whether open sign-up is on."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def accounts(request: HttpRequest) -> dict:
    """Return `signup_open` for the header and the login page."""
    return {"signup_open": settings.SIGNUP_OPEN}

"""System checks of the accounts settings: a rate that cannot be read stops the start, not a
sign-up."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from .ratelimit import parse_rate


@register()
def rate_limits_are_readable(app_configs: object, **kwargs: object) -> list[Error]:
    """Return an error for each rate-limit setting that is not like "10/h"."""
    errors = []
    for name in ("SIGNUP_RATE_LIMIT", "PASSWORD_RESET_RATE_LIMIT"):
        try:
            parse_rate(getattr(settings, name))
        except ValueError as error:
            errors.append(Error(f"{name}: {error}", id="accounts.E001"))
    return errors

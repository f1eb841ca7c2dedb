"""Limits on how often one client address may sign up or ask for a password reset.

A fixed window per address in the cache (Redis when REDIS_URL is set, else each process's own
memory): simple, and enough to stop a script from making accounts or mailing resets in bulk.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_RE = re.compile(r"^\s*([0-9]{1,6})\s*/\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    """At most `count` requests in `seconds`."""

    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """Return the rate written as "10/h" (count per s, m, h or d); ValueError otherwise."""
    match = RATE_RE.match(text or "")
    if not match:
        raise ValueError(f"A rate is written like 10/h (per s, m, h or d), not {text!r}.")
    return Rate(int(match.group(1)), UNIT_SECONDS[match.group(2)])


@dataclass(frozen=True)
class Verdict:
    is_limited: bool
    retry_after: int  # seconds until the window ends


def window_of(now: float, rate: Rate) -> tuple[int, int]:
    """Return (the window number `now` falls in, the seconds left in it)."""
    window = int(now // rate.seconds)
    return window, max(1, int((window + 1) * rate.seconds - now))


def hit(scope: str, key: str, rate: Rate, now: float | None = None) -> Verdict:
    """Count one request of `key` (a client address) in `scope`; say whether it is over the rate."""
    now = time.time() if now is None else now
    window, left = window_of(now, rate)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=rate.seconds + 1)
        count = 1
    return Verdict(is_limited=count > rate.count, retry_after=left)


def hit_request(request: HttpRequest, scope: str, rate_text: str) -> Verdict:
    """Count one request from the client's address (as django-axes sees it) in `scope`."""
    address = get_client_ip_address(request) or "unknown"
    return hit(scope, address, parse_rate(rate_text))

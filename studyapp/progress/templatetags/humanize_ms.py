"""Small number formats for the progress page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration_ms(milliseconds: int) -> str:
    """Return a duration like "0m", "12m" or "3h 05m"."""
    minutes = int(milliseconds or 0) // 60_000
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h {minutes % 60:02d}m"


@register.filter
def percent(share: float) -> str:
    """Return a share as a whole percentage: 0.9 -> "90%"."""
    return f"{round(float(share) * 100)}%"

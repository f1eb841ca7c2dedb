"""Readiness figures as people read them: chances and minutes."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def chance(probability: float | None) -> str:
    """Return a probability as a whole percentage, never a false certainty: "under 1%" for what
    would round to 0%, "over 99%" for what would round to 100%."""
    if probability is None:
        return "–"
    percent = float(probability) * 100
    if percent < 0.5:
        return "under 1%"
    if percent >= 99.5:
        return "over 99%"
    return f"{round(percent)}%"


@register.filter
def share(value: float | None) -> str:
    """Return an observed share as a whole percentage, exactly: 0.0 -> "0%", 1.0 -> "100%"."""
    return "–" if value is None else f"{round(float(value) * 100)}%"


@register.filter
def minutes(value: float) -> str:
    """Return a time estimate: "40 s" under a minute, else "2.5 min" or "12 min"."""
    value = float(value)
    if value < 1:
        return f"{max(1, round(value * 60))} s"
    if value < 10:
        return f"{value:.1f} min".replace(".0 min", " min")
    return f"{round(value)} min"

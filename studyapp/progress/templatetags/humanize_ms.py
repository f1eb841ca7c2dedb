"""Small number formats and the heatmap's cells for the progress page."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


@register.simple_tag
def heatmap_rects(cells: list) -> SafeString:
    """Return the 365 SVG cells of the heatmap: one join instead of a template loop over 365
    cells, which was most of the page's time. Coordinates and levels are ints; labels escaped."""
    return mark_safe(  # noqa: S308 - ints and escaped labels only
        "".join(
            f'<rect x="{int(cell.x)}" y="{int(cell.y)}" width="10" height="10" rx="2" '
            f'class="heat-{int(cell.level)}"><title>{escape(cell.label)}</title></rect>'
            for cell in cells
        )
    )

"""Template filters shared by every app."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from studyapp.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render bank markdown as sanitized HTML."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - sanitized by nh3

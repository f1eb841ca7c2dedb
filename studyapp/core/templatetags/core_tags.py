"""Template filters shared by every app."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from studyapp.core.markdown import markdown_excerpt, markdown_plain, render_inline, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render bank markdown as sanitized HTML."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - sanitized by nh3


@register.filter(name="markdown_inline")
def markdown_inline_filter(text: str) -> SafeString:
    """Render a short markdown text (an order item, a label) as inline HTML: code, emphasis."""
    return mark_safe(render_inline(text or ""))  # noqa: S308 - sanitized by nh3


@register.filter(name="markdown_excerpt")
def markdown_excerpt_filter(text: str, chars: int = 140) -> SafeString:
    """Render the start of a markdown text on one line, cut at about `chars` characters."""
    return mark_safe(markdown_excerpt(text or "", int(chars)))  # noqa: S308 - sanitized by nh3


@register.filter(name="markdown_plain")
def markdown_plain_filter(text: str) -> str:
    """A short markdown text as plain text, escaped like any text (for attributes)."""
    return markdown_plain(text or "")

"""Markdown from bank authors, rendered and sanitized: bank text can never inject a script."""

from __future__ import annotations

from functools import lru_cache
from html import unescape

import markdown as markdown_lib
import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "td": {"align"},
    "th": {"align"},
}


@lru_cache(maxsize=8192)
def render_markdown(text: str) -> str:
    """Return sanitized HTML for a markdown text (fenced code and tables enabled)."""
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


INLINE_TAGS = {"b", "code", "del", "em", "i", "kbd", "strong", "sub", "sup"}


@lru_cache(maxsize=8192)
def render_inline(text: str) -> str:
    """Return sanitized HTML of a short markdown text (code, emphasis) without block elements."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"])
    return nh3.clean(html, tags=INLINE_TAGS, attributes={}).strip()


def markdown_excerpt(text: str, chars: int) -> str:
    """Return the start of a markdown text on one line as inline HTML, about `chars` long.

    It stops before the first fenced code block: a manifest flattened onto one line reads as
    noise.
    """
    text = text or ""
    before_code, fence, _rest = text.partition("```")
    one_line = " ".join(before_code.split()) + (" …" if fence else "")
    return Truncator(render_inline(one_line)).chars(chars, html=True)


def markdown_plain(text: str) -> str:
    """Return a short markdown text as plain text (for attributes such as aria-label)."""
    return unescape(strip_tags(render_inline(text)))

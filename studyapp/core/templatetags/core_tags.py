"""Template filters shared by every app.

Markdown is never rendered here: pages print the HTML stored when the text was written (see
core/fields.py), which comes back from the database marked safe.
"""

from __future__ import annotations

from django import template

from studyapp.core.markdown import html_text

register = template.Library()


@register.filter(name="html_text")
def html_text_filter(html: str) -> str:
    """Stored HTML as plain text, escaped like any text (for attributes such as aria-label)."""
    return html_text(html)

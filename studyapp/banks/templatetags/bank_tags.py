"""Template filters for question text."""

from __future__ import annotations

from django import template

from studyapp.banks.format import CLOZE_RE

register = template.Library()


@register.filter(name="cloze_blanks")
def cloze_blanks(text: str) -> str:
    """Replace cloze deletions `{{c1::answer::hint}}` with a blank (showing the hint, if any)."""
    return CLOZE_RE.sub(lambda m: f"[{m.group(3) or '…'}]", text or "")

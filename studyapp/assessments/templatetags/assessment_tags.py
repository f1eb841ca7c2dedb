"""Assessment bits for other apps' pages (the home page's "Assigned to you"), and cloze inputs."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from studyapp.assessments.display import ShownQuestion
from studyapp.assessments.display import item_label as item_label_text
from studyapp.assessments.selectors import assignments_for
from studyapp.banks.format import cloze_deletions
from studyapp.banks.rendering import fill_cloze

register = template.Library()

HOME_LIMIT = 5


@register.inclusion_tag("assessments/_assigned.html", takes_context=True)
def assigned_to_you(context: template.Context) -> dict:
    """The member's open and upcoming assessments, for the home page (one query; none when
    logged out)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"assignments": [], "show": False}
    now = timezone.now()
    assignments = [
        a
        for a in assignments_for(user, now)
        if a.can_start or a.open_attempt_id or a.status == "upcoming"
    ]
    return {"assignments": assignments[:HOME_LIMIT], "more": len(assignments) > HOME_LIMIT,
            "show": bool(assignments), "now": now}  # fmt: skip


@register.simple_tag
def cloze_inputs(question: ShownQuestion, disabled: bool = False) -> SafeString:
    """A cloze prompt (its stored HTML) with one input per blank, holding what was saved; never
    the answers."""
    fields = []
    for index, (_number, _answer, hint) in enumerate(cloze_deletions(question.prompt or "")):
        value = question.cloze_values[index] if index < len(question.cloze_values) else ""
        field = format_html(
            '<input type="text" class="cloze-input" name="{}cloze-{}" aria-label="Blank {}" '
            'placeholder="{}" value="{}" autocomplete="off" spellcheck="false"{}>',
            question.prefix,
            index,
            index + 1,
            hint or "…",
            value,
            mark_safe(" disabled") if disabled else "",
        )
        fields.append(field)
    return fill_cloze(question.cloze_html, fields)


@register.filter
def duration(value: timedelta | None) -> str:
    """Format a time taken: "42 s", "12 min 05 s", "1 h 03 min"."""
    if value is None:
        return "—"
    hours, rest = divmod(max(0, int(value.total_seconds())), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


@register.filter
def item_label(item: object) -> str:
    """One line naming an assessment item (for buttons' labels and confirmations)."""
    return item_label_text(item)

"""Rendering cloze prompts as inputs (before answering) or filled in (after)."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from studyapp.banks.format import cloze_deletions
from studyapp.banks.grading import match_typed
from studyapp.banks.rendering import fill_cloze

register = template.Library()


@register.simple_tag
def cloze_form(cloze_html: str, prompt: str, values: list | None = None) -> SafeString:
    """The stored cloze HTML with one text input per deletion of the prompt (holding `values`,
    when the form comes back); the answers are not in the page."""
    values = list(values or [])
    fields = []
    for index, (_number, _answer, hint) in enumerate(cloze_deletions(prompt or "")):
        field = format_html(
            '<input type="text" class="cloze-input" name="cloze-{}" aria-label="Blank {}" '
            'placeholder="{}" value="{}" autocomplete="off" spellcheck="false">',
            index,
            index + 1,
            hint or "…",
            str(values[index]) if index < len(values) else "",
        )
        fields.append(field)
    return fill_cloze(cloze_html, fields)


@register.simple_tag
def cloze_filled(
    cloze_html: str,
    prompt: str,
    given: list | None = None,
    typo_tolerance: bool = True,
    dash_underscore: bool = False,
) -> SafeString:
    """The stored cloze HTML with each deletion of the prompt shown, marked right or wrong
    against what was given (as the grader compares them)."""
    given = list(given or [])
    marks = []
    for index, (_number, answer, _hint) in enumerate(cloze_deletions(prompt or "")):
        value = str(given[index]) if index < len(given) else None
        if value is None:
            filled = format_html('<mark class="cloze-answer">{}</mark>', answer)
        elif match_typed(
            value, [answer], typo_tolerance=typo_tolerance, dash_underscore=dash_underscore
        ):
            filled = format_html('<mark class="cloze-answer right">{}</mark>', answer)
        else:
            filled = format_html(
                '<mark class="cloze-answer wrong"><del>{}</del> {}</mark>', value or "∅", answer
            )
        marks.append(filled)
    return fill_cloze(cloze_html, marks)


@register.filter
def shown(value: object) -> str:
    """Escape a learner's text for display."""
    return escape(str(value))

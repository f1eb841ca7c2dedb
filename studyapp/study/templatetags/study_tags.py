"""Rendering cloze prompts as inputs (before answering) or filled in (after)."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from studyapp.banks.format import CLOZE_RE
from studyapp.banks.grading import match_typed
from studyapp.core.markdown import render_markdown

register = template.Library()


def _with_placeholders(prompt: str) -> tuple[str, list[tuple[str, str]]]:
    deletions: list[tuple[str, str]] = []

    def placeholder(match) -> str:  # noqa: ANN001 - re.Match
        deletions.append((match.group(2), match.group(3) or ""))
        return f"KPCLOZE{len(deletions) - 1}X"

    return CLOZE_RE.sub(placeholder, prompt or ""), deletions


@register.simple_tag
def cloze_form(prompt: str, values: list | None = None) -> SafeString:
    """The prompt with one text input per deletion (holding `values`, when the form comes back);
    the answers are not in the page."""
    text, deletions = _with_placeholders(prompt)
    html = render_markdown(text)
    values = list(values or [])
    for index, (_answer, hint) in enumerate(deletions):
        field = format_html(
            '<input type="text" class="cloze-input" name="cloze-{}" aria-label="Blank {}" '
            'placeholder="{}" value="{}" autocomplete="off" spellcheck="false">',
            index,
            index + 1,
            hint or "…",
            str(values[index]) if index < len(values) else "",
        )
        html = html.replace(f"KPCLOZE{index}X", field)
    return mark_safe(html)  # noqa: S308 - markdown sanitized, inputs escaped


@register.simple_tag
def cloze_filled(
    prompt: str,
    given: list | None = None,
    typo_tolerance: bool = True,
    dash_underscore: bool = False,
) -> SafeString:
    """The prompt with each deletion shown, marked right or wrong against what was given (as the
    grader compares them)."""
    text, deletions = _with_placeholders(prompt)
    html = render_markdown(text)
    given = list(given or [])
    for index, (answer, _hint) in enumerate(deletions):
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
        html = html.replace(f"KPCLOZE{index}X", str(filled))
    return mark_safe(html)  # noqa: S308 - markdown sanitized, values escaped


@register.filter
def shown(value: object) -> str:
    """Escape a learner's text for display."""
    return escape(str(value))

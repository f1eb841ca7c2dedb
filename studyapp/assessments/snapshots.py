"""A question frozen as data when an attempt starts, and read back for showing and grading. Pure.

The spec is what grading reads; the HTML, copied from the question's stored HTML, is what the
attempt's pages show.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from studyapp.banks.format import CheckSpec, ChoiceSpec, QuestionSpec
from studyapp.banks.rendering import ChoiceHtml, QuestionHtml

# Where the question was in its file says nothing about the question itself.
_LEFT_OUT = {"line", "snippet_lines", "topic_line"}
_FIELDS = {f.name for f in dataclasses.fields(QuestionSpec)} - _LEFT_OUT
_HTML_TEXTS = [f.name for f in dataclasses.fields(QuestionHtml) if f.type == "str"]


def spec_to_data(spec: QuestionSpec) -> dict[str, Any]:
    """Return a question as JSON-ready data (what `spec_from_data` reads back to the same spec)."""
    data = dataclasses.asdict(spec)
    for name in _LEFT_OUT:
        data.pop(name, None)
    return {
        name: list(value) if isinstance(value, tuple) else value for name, value in data.items()
    }


def spec_from_data(data: dict[str, Any]) -> QuestionSpec:
    """Return the question a snapshot holds."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _FIELDS:
            continue
        if name == "choices":
            value = tuple(ChoiceSpec(**choice) for choice in value)
        elif name == "checks":
            value = tuple(CheckSpec(**check) for check in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return QuestionSpec(**values)


def html_to_data(html: QuestionHtml) -> dict[str, Any]:
    """Return a question's stored HTML as JSON-ready data (what `html_from_data` reads back)."""
    data = dataclasses.asdict(html)
    data["items"] = list(html.items)
    data["choices"] = [dataclasses.asdict(choice) for choice in html.choices]
    return data


def html_from_data(data: dict[str, Any]) -> QuestionHtml:
    """Return the HTML a snapshot holds, marked safe: only `html_to_data` of HTML rendered by
    core/markdown.py (sanitized by nh3) is stored."""
    data = data or {}

    def safe(value: object) -> SafeString:
        return mark_safe(str(value or ""))  # noqa: S308 - sanitized when rendered

    return QuestionHtml(
        **{name: safe(data.get(name)) for name in _HTML_TEXTS},
        items=tuple(safe(item) for item in data.get("items", ())),
        choices=tuple(
            ChoiceHtml(safe(choice.get("text")), safe(choice.get("why")))
            for choice in data.get("choices", ())
        ),
    )

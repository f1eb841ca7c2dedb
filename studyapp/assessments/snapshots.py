"""A question frozen as data when an attempt starts, and read back for showing and grading. Pure."""

from __future__ import annotations

import dataclasses
from typing import Any

from studyapp.banks.format import CheckSpec, ChoiceSpec, QuestionSpec

# Where the question was in its file says nothing about the question itself.
_LEFT_OUT = {"line", "snippet_lines", "topic_line"}
_FIELDS = {f.name for f in dataclasses.fields(QuestionSpec)} - _LEFT_OUT


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

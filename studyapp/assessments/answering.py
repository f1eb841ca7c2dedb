"""From the attempt form to answers the graders read, one question at a time. Pure.

Every question's fields carry a prefix (`q3-choice`), so one form can hold a whole attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.datastructures import MultiValueDict

from studyapp.banks.format import QuestionSpec
from studyapp.study.answering import MAX_VALUES, parse_response


def field_prefix(position: int) -> str:
    """Return the prefix of the form fields of the question at `position`."""
    return f"q{position}-"


def present_marker(position: int) -> str:
    """Return the name of the hidden field that says a question's fields are in the form."""
    return f"{field_prefix(position)}present"


def _fields_of(data: Mapping, prefix: str) -> MultiValueDict:
    getlist = getattr(data, "getlist", None)
    fields = MultiValueDict()
    for name in data:
        if str(name).startswith(prefix):
            values = getlist(name) if getlist else [data[name]]
            fields.setlist(str(name)[len(prefix) :], list(values)[:MAX_VALUES])
    return fields


def answer_from_form(
    spec: QuestionSpec,
    item_order: Sequence[int],
    position: int,
    data: Mapping,
    choice_order: Sequence[int] = (),
) -> list:
    """Return the answer to one question from the attempt form, as its grader reads it.

    Choices come as the positions they were shown at (`choice_order`); the answer holds their
    indexes in the question.
    """
    fields = _fields_of(data, field_prefix(position))
    if spec.type != "order":
        order = list(choice_order) or list(range(len(spec.choices)))
        return parse_response(
            spec.type, spec.prompt, "", len(spec.items), fields, choice_order=order
        )
    ranked = []
    for display_index, original in enumerate(item_order):
        try:
            rank = int(fields.get(f"position-{display_index}", ""))
        except ValueError:
            rank = display_index + 1
        ranked.append((rank, display_index, original))
    return [original for _, _, original in sorted(ranked)]


def is_blank(response: Sequence) -> bool:
    """Return whether an answer says nothing (no choice, only empty texts)."""
    return not any(str(value).strip() for value in response)


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in str(text).splitlines()).strip()


def is_untouched(spec: QuestionSpec, item_order: Sequence[int], response: Sequence) -> bool:
    """Return whether an answer is what the page showed before the member did anything.

    A manifest still equal to the starter, or items still in the order shown, is not an answer
    (the shown order is never the right one, so nothing is lost by not counting it).
    """
    if is_blank(response):
        return True
    if spec.type == "yaml":
        return len(response) == 1 and _lines(response[0]) == _lines(spec.starter)
    if spec.type == "order":
        return list(response) == list(item_order)
    return False

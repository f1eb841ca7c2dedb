"""Varying the authoring order of choices in bank files, as text. Pure.

Authors tend to write the right answer first. Study and the exports shuffle choices anyway, but
the files are read by people, by other tools and by anyone who exports without shuffling, so the
files vary the order too. `reorder_choices` rewrites only the order of the choice blocks of each
`single` and `multi` question: every other byte of the file stays as it was (comments, quoting,
blank lines, key order). Each question's order is a hash of its id and its choices' texts
(`shuffling.hashed_order`), so it does not depend on the order the choices were written in: run
again, on its own output or after an author adds a choice, it changes only what must change.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .shuffling import hashed_order

CHOICE_TYPES = ("single", "multi")


class ReorderError(Exception):
    """A bank file the tool cannot rewrite safely, with where and why."""


@dataclass(frozen=True)
class _Question:
    id: str
    texts: list[str]
    first_lines: list[int]  # 0-based line of each choice's dash
    dash_column: int


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _value_of(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    return next((value for name, value in mapping.value if _scalar(name) == key), None)


def _choice_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return _scalar(_value_of(node, "text"))
    return None


def _dash(text: str, node: yaml.Node) -> tuple[int, int]:
    """Return the (line, column) of the `-` that opens a block sequence item."""
    index = node.start_mark.index - 1
    while index >= 0 and text[index] in " \t\r\n":
        index -= 1
    if index < 0 or text[index] != "-":
        raise ReorderError(f"line {node.start_mark.line + 1}: a choice without its '-'")
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return line, column


def _questions(text: str) -> list[_Question]:
    """Return the choice questions of a bank file whose choices are a block list."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ReorderError(f"not valid YAML: {exc}") from None
    if not isinstance(root, yaml.MappingNode):
        return []
    questions = _value_of(root, "questions")
    if not isinstance(questions, yaml.SequenceNode):
        return []
    found = []
    for question in questions.value:
        if not isinstance(question, yaml.MappingNode):
            continue
        question_id, kind = _scalar(_value_of(question, "id")), _scalar(_value_of(question, "type"))
        choices = _value_of(question, "choices")
        if (
            kind not in CHOICE_TYPES
            or not question_id
            or not isinstance(choices, yaml.SequenceNode)
        ):
            continue
        if choices.flow_style or len(choices.value) < 2:
            continue  # `choices: [a, b]` on one line: left as written
        texts = [_choice_text(item) for item in choices.value]
        if any(text is None for text in texts):
            continue  # invalid; the loader reports it
        dashes = [_dash(text, item) for item in choices.value]
        columns = {column for _, column in dashes}
        if len(columns) != 1:
            raise ReorderError(f"line {dashes[0][0] + 1}: choices of '{question_id}' not aligned")
        found.append(_Question(question_id, texts, [line for line, _ in dashes], columns.pop()))
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blocks(
    lines: list[str], question: _Question
) -> tuple[int, int, list[list[str]], list[list[str]]]:
    """Return where the choices start and end (lines) and each choice's lines, with the blank
    lines after it kept apart (they stay where they are)."""
    starts = question.first_lines
    end = starts[-1] + 1
    while end < len(lines) and (
        not lines[end].strip() or _indent(lines[end]) > question.dash_column
    ):
        end += 1
    while end > starts[-1] + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after the last choice are not part of it
    bounds = list(zip(starts, [*starts[1:], end], strict=True))
    cores, gaps = [], []
    for first, last in bounds:
        block = lines[first:last]
        keep = len(block)
        while keep > 1 and not block[keep - 1].strip():
            keep -= 1
        cores.append(block[:keep])
        gaps.append(block[keep:])
    return starts[0], end, cores, gaps


def reorder_choices(text: str) -> tuple[str, list[str]]:
    """Return a bank file's text with each choice question's choices in their hashed order, and
    the ids of the questions whose order changed. Raises ReorderError when it cannot be sure."""
    lines = text.splitlines(keepends=True)
    changed: list[str] = []
    # From the bottom up, so the line numbers of the questions above stay right.
    for question in reversed(_questions(text)):
        order = hashed_order(question.id, question.texts)
        if order == list(range(len(order))):
            continue
        first, end, cores, gaps = _blocks(lines, question)
        ends_without_newline = not cores[-1][-1].endswith("\n")
        if ends_without_newline:
            cores[-1][-1] += "\n"
        region: list[str] = []
        for slot, index in enumerate(order):
            region += cores[index] + gaps[slot]
        if ends_without_newline:
            region[-1] = region[-1][:-1]
        lines[first:end] = region
        changed.append(question.id)
    new_text = "".join(lines)
    _check_same_content(text, new_text)
    return new_text, changed[::-1]


def _check_same_content(before: str, after: str) -> None:
    """Fail unless the two texts hold the same data, choices aside, and the same choices."""
    old, new = yaml.safe_load(before), yaml.safe_load(after)

    def without_order(data: object) -> object:
        if isinstance(data, dict):
            questions = data.get("questions")
            if isinstance(questions, list):
                data = {**data, "questions": [_sorted_choices(q) for q in questions]}
        return data

    if without_order(old) != without_order(new):
        raise ReorderError("reordering would change more than the order of choices")


def _sorted_choices(question: object) -> object:
    if isinstance(question, dict) and isinstance(question.get("choices"), list):
        return {**question, "choices": sorted(question["choices"], key=repr)}
    return question

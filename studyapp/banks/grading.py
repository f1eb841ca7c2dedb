"""How an answer to each question type is judged: pure functions over a QuestionSpec.

Answers come in as the forms send them (strings and lists of strings) and are never trusted:
anything malformed is simply a wrong answer with a message, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions
import regex

from .commands import matches_any_command
from .format import QuestionSpec, cloze_deletions
from .kubernetes import newest_version, validate_manifest_text
from .yamlguard import ANSWER_LIMITS

MAX_ANSWER_CHARS = 20_000
# A short answer is short: capping it bounds the work of an author's regex (no catastrophic
# backtracking on a pasted essay).
MAX_SHORT_CHARS = 300
# ...but length alone does not bound a pattern like `(a+)+b`, whose backtracking doubles with each
# character: author patterns run under a time limit, and one that runs out matches nothing.
PATTERN_TIMEOUT_SECONDS = 0.05


@dataclass(frozen=True)
class Grade:
    """The verdict on an answer: right or wrong, a score from 0 to 1, what to tell the learner."""

    is_correct: bool
    score: float
    feedback: tuple[str, ...] = ()


def normalize_text(text: str) -> str:
    """Return text compared ignoring case and spaces."""
    return re.sub(r"\s+", "", str(text)).casefold()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def pattern_matches(pattern: str, text: str) -> bool:
    """Return whether an author's pattern matches all of the text (False when it takes too long)."""
    try:
        found = regex.fullmatch(
            pattern, text, flags=regex.IGNORECASE, timeout=PATTERN_TIMEOUT_SECONDS
        )
    except (regex.error, TimeoutError):
        return False
    return found is not None


def _as_list(answer: Any) -> list[str]:
    if answer is None:
        return []
    if isinstance(answer, str | int):
        return [str(answer)]
    if isinstance(answer, Iterable):
        return [str(item) for item in answer]
    return [str(answer)]


def _as_index(value: str, size: int) -> int | None:
    value = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,6}", value):
        return None
    index = int(value)
    return index if 0 <= index < size else None


def grade_single(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a single-choice answer: the index of the chosen choice."""
    chosen = _as_list(answer)
    if len(chosen) != 1:
        return Grade(False, 0.0, ("Choose one answer.",) if not chosen else ())
    index = _as_index(chosen[0], len(question.choices))
    correct = index is not None and question.choices[index].is_correct
    return Grade(correct, 1.0 if correct else 0.0)


def grade_multi(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a multiple-choice answer: the indexes of the chosen choices, in any order.

    Right only when exactly the correct set is chosen; the score gives partial credit (right picks
    minus wrong picks over the number of correct choices, never below zero).
    """
    indexes = {_as_index(value, len(question.choices)) for value in _as_list(answer)}
    if None in indexes:
        indexes.discard(None)
    correct = {i for i, choice in enumerate(question.choices) if choice.is_correct}
    hits, misses = len(indexes & correct), len(indexes - correct)
    score = max(0.0, (hits - misses) / len(correct)) if correct else 0.0
    return Grade(indexes == correct, round(score, 4))


def grade_truefalse(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a true/false answer ("true"/"false")."""
    values = _as_list(answer)
    value = values[0].strip().lower() if len(values) == 1 else ""
    if value not in {"true", "false"}:
        return Grade(False, 0.0, ("Choose true or false.",))
    correct = (value == "true") == question.truth
    return Grade(correct, 1.0 if correct else 0.0)


def grade_short(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a short text answer against the accepted answers and the pattern."""
    values = _as_list(answer)
    text = values[0] if len(values) == 1 else ""
    if not text.strip():
        return Grade(False, 0.0, ("The answer was empty.",))
    if len(text) > MAX_SHORT_CHARS:
        return Grade(False, 0.0, (f"A short answer has at most {MAX_SHORT_CHARS} characters.",))
    if normalize_text(text) in {normalize_text(accepted) for accepted in question.answers}:
        return Grade(True, 1.0)
    # kubectl commands are compared by meaning (aliases, flag forms and order), not as text.
    if matches_any_command(text, question.answers):
        return Grade(True, 1.0)
    if question.pattern and pattern_matches(question.pattern, _collapse(text)):
        return Grade(True, 1.0)
    return Grade(False, 0.0)


def grade_order(question: QuestionSpec, answer: Any) -> Grade:
    """Judge an ordering: the item texts (or their indexes in the correct order) as arranged.

    Right when every two items keep their relative order, except the adjacent pairs the author
    listed in `may_swap`, which may come in either order.
    """
    values = _as_list(answer)
    items = list(question.items)
    arranged: list[int | None] = []
    for value in values:
        index = _as_index(value, len(items))
        if index is None:
            matches = [
                i for i, item in enumerate(items) if normalize_text(item) == normalize_text(value)
            ]
            index = matches[0] if matches else None
        arranged.append(index)
    correct = sorted(i for i in arranged if i is not None) == list(range(len(items))) and all(
        earlier < later or (later + 1, earlier + 1) in question.may_swap
        for position, earlier in enumerate(arranged)
        for later in arranged[position + 1 :]
        if earlier is not None and later is not None
    )
    if correct:
        return Grade(True, 1.0)
    in_place = sum(1 for position, index in enumerate(arranged) if index == position)
    return Grade(False, round(in_place / len(items), 4) if items else 0.0)


def grade_cloze(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a cloze answer: one text per deletion, in the order they appear in the prompt."""
    deletions = cloze_deletions(question.prompt)
    values = _as_list(answer)
    values += [""] * (len(deletions) - len(values))
    right = sum(
        1
        for (_, expected, _), given in zip(deletions, values, strict=False)
        if normalize_text(given[:MAX_ANSWER_CHARS]) == normalize_text(expected)
    )
    return Grade(right == len(deletions), round(right / len(deletions), 4) if deletions else 0.0)


def grade_flashcard(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a flashcard by the key points the learner says they covered (indexes)."""
    points = len(question.key_points)
    covered = {_as_index(value, points) for value in _as_list(answer)} - {None}
    if not points:
        return Grade(True, 1.0)
    score = len(covered) / points
    return Grade(score >= 0.5, round(score, 4))


def grade_yaml(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a manifest: it must parse, pass strict validation, then every check."""
    values = _as_list(answer)
    text = values[0] if len(values) == 1 else ""
    if len(text) > MAX_ANSWER_CHARS:
        return Grade(False, 0.0, (f"The manifest is longer than {MAX_ANSWER_CHARS} characters.",))
    if not text.strip():
        return Grade(False, 0.0, ("The manifest was empty.",))
    version = question.k8s_version or newest_version()
    documents, problems = validate_manifest_text(text, [version], limits=ANSWER_LIMITS)
    if problems:
        return Grade(False, 0.0, tuple(f"line {p.line}: {p.message}" for p in problems))
    if not question.all_documents and len(documents) != 1:
        return Grade(False, 0.0, (f"Submit exactly one object; this holds {len(documents)}.",))
    root: Any = documents if question.all_documents else documents[0]
    failed = []
    for check in question.checks:
        try:
            result = jmespath.search(check.expr, root)
        except jmespath.exceptions.JMESPathError:
            result = None
        if not result:
            failed.append(check.message)
    passed = len(question.checks) - len(failed)
    score = passed / len(question.checks) if question.checks else 1.0
    return Grade(not failed, round(score, 4), tuple(failed))


GRADERS = {
    "single": grade_single,
    "multi": grade_multi,
    "truefalse": grade_truefalse,
    "short": grade_short,
    "order": grade_order,
    "cloze": grade_cloze,
    "flashcard": grade_flashcard,
    "yaml": grade_yaml,
}


def grade(question: QuestionSpec, answer: Any) -> Grade:
    """Judge any answer to any question."""
    return GRADERS[question.type](question, answer)

"""How an answer to each question type is judged: pure functions over a QuestionSpec.

Answers come in as the forms send them (strings and lists of strings) and are never trusted:
anything malformed is simply a wrong answer with a message, never an exception.

Typed answers (short and cloze) are compared after normalisation (case, spaces, quotes and
trailing slashes ignored; `-` and `_` alike when the question says so), and a word of 5 or more
letters may hold one typo (a letter added, left out, changed or two swapped) unless the question
turns that off: the verdict then says how the word is spelt.
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
from .kubernetes import newest_version, validate_manifest_text, yaml_syntax_problem
from .yamlguard import ANSWER_LIMITS

MAX_ANSWER_CHARS = 20_000
# A short answer is short: capping it bounds the work of an author's regex (no catastrophic
# backtracking on a pasted essay).
MAX_SHORT_CHARS = 300
# ...but length alone does not bound a pattern like `(a+)+b`, whose backtracking doubles with each
# character: author patterns run under a time limit, and one that runs out matches nothing.
PATTERN_TIMEOUT_SECONDS = 0.05
TYPO_MIN_LETTERS = 5
QUOTES = "\"'`\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb"
_WITHOUT_QUOTES = str.maketrans("", "", QUOTES)
# Runs of letters (words, where a typo may be forgiven), runs of digits, any other character
# but spaces.
_TOKENS = re.compile(r"[^\W\d_]+|\d+|\S")


@dataclass(frozen=True)
class Grade:
    """The verdict on an answer: right or wrong, a score from 0 to 1, what to tell the learner.

    `is_near_miss`: wrong by a single slip (one choice too many or too few of a multi question),
    which the learner may rate Hard rather than Again.
    """

    is_correct: bool
    score: float
    feedback: tuple[str, ...] = ()
    is_near_miss: bool = False


def _tidy(text: str, *, dash_underscore: bool) -> str:
    text = re.sub(r"\s+", " ", str(text)).casefold().translate(_WITHOUT_QUOTES).strip()
    text = text.rstrip("/") or text
    return text.replace("_", "-") if dash_underscore else text


def normalize_text(text: str, *, dash_underscore: bool = False) -> str:
    """Return text as typed answers are compared: no case, spaces or quotes, no trailing slash,
    and `_` read as `-` when `dash_underscore`."""
    return _tidy(text, dash_underscore=dash_underscore).replace(" ", "")


def is_one_edit_apart(given: str, expected: str) -> bool:
    """Return whether two different words differ by one letter added, left out, changed, or by
    two neighbouring letters swapped."""
    if given == expected or abs(len(given) - len(expected)) > 1:
        return False
    if len(given) == len(expected):
        differ = [i for i, (a, b) in enumerate(zip(given, expected, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        first, second = differ[0], differ[-1]
        return (
            len(differ) == 2
            and second == first + 1
            and given[first] == expected[second]
            and given[second] == expected[first]
        )
    shorter, longer = sorted((given, expected), key=len)
    index = next(
        (i for i, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b), len(shorter)
    )
    return shorter[index:] == longer[index + 1 :]


def _is_word(token: str) -> bool:
    return token.isalpha()


def within_typo_tolerance(given: str, expected: str, *, dash_underscore: bool = False) -> bool:
    """Return whether an answer differs from the expected one only by typos: at most one per
    word, and only in words of TYPO_MIN_LETTERS letters or more (words as typed: "pod ipp" is
    two words, and "ip" too short to forgive)."""
    given_tokens = _TOKENS.findall(_tidy(given, dash_underscore=dash_underscore))
    expected_tokens = _TOKENS.findall(_tidy(expected, dash_underscore=dash_underscore))
    if given_tokens == expected_tokens or len(given_tokens) != len(expected_tokens):
        return False
    for mine, theirs in zip(given_tokens, expected_tokens, strict=True):
        if mine == theirs:
            continue
        if not (
            _is_word(mine)
            and _is_word(theirs)
            and len(theirs) >= TYPO_MIN_LETTERS
            and is_one_edit_apart(mine, theirs)
        ):
            return False
    return True


@dataclass(frozen=True)
class TypedMatch:
    """The accepted answer a typed answer matched, and whether it matched only with a typo."""

    accepted: str
    has_typo: bool


def match_typed(
    given: str,
    accepted: Iterable[str],
    *,
    typo_tolerance: bool = True,
    dash_underscore: bool = False,
    exact_only: bool = False,
) -> TypedMatch | None:
    """Return the accepted answer a typed answer matches after normalisation (an exact match
    first, then one within the typo tolerance), or None."""
    accepted = list(accepted)
    mine = normalize_text(given, dash_underscore=dash_underscore)
    for text in accepted:
        if mine == normalize_text(text, dash_underscore=dash_underscore):
            return TypedMatch(text, has_typo=False)
    if typo_tolerance and not exact_only:
        for text in accepted:
            if within_typo_tolerance(given, text, dash_underscore=dash_underscore):
                return TypedMatch(text, has_typo=True)
    return None


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

    Right only when exactly the correct set is chosen; the score gives partial credit (Moodle's
    rule: each right pick +1/k and each wrong pick -1/k for k correct choices, never below zero).
    One slip (a right choice left out or one wrong choice added, with at least one right pick)
    is a near miss.
    """
    indexes = {_as_index(value, len(question.choices)) for value in _as_list(answer)}
    if None in indexes:
        indexes.discard(None)
    correct = {i for i, choice in enumerate(question.choices) if choice.is_correct}
    hits, misses = len(indexes & correct), len(indexes - correct)
    score = max(0.0, (hits - misses) / len(correct)) if correct else 0.0
    slips = len(indexes ^ correct)
    return Grade(indexes == correct, round(score, 4), is_near_miss=slips == 1 and hits >= 1)


def grade_truefalse(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a true/false answer ("true"/"false")."""
    values = _as_list(answer)
    value = values[0].strip().lower() if len(values) == 1 else ""
    if value not in {"true", "false"}:
        return Grade(False, 0.0, ("Choose true or false.",))
    correct = (value == "true") == question.truth
    return Grade(correct, 1.0 if correct else 0.0)


def _spelling(match: TypedMatch, where: str = "") -> tuple[str, ...]:
    if not match.has_typo:
        return ()
    return (f"{where}Accepted: the spelling is “{match.accepted}”.",)


def _matches_pattern(pattern: str, text: str) -> bool:
    """Return whether the author's regex matches the whole answer (as typed, or without quotes
    and trailing slashes), ignoring case."""
    collapsed = _collapse(text)
    tidy = collapsed.translate(_WITHOUT_QUOTES).strip()
    tidy = tidy.rstrip("/") or tidy
    return any(pattern_matches(pattern, candidate) for candidate in (collapsed, tidy))


def grade_short(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a short text answer against the accepted answers and the pattern."""
    values = _as_list(answer)
    text = values[0] if len(values) == 1 else ""
    if not text.strip():
        return Grade(False, 0.0, ("The answer was empty.",))
    if len(text) > MAX_SHORT_CHARS:
        return Grade(False, 0.0, (f"A short answer has at most {MAX_SHORT_CHARS} characters.",))
    flags = {"dash_underscore": question.dash_underscore}
    if match_typed(text, question.answers, exact_only=True, **flags):
        return Grade(True, 1.0)
    # kubectl commands are compared by meaning (aliases, flag forms and order), not as text.
    if matches_any_command(text, question.answers):
        return Grade(True, 1.0)
    if question.pattern and _matches_pattern(question.pattern, text):
        return Grade(True, 1.0)
    match = match_typed(text, question.answers, typo_tolerance=question.typo_tolerance, **flags)
    if match:
        return Grade(True, 1.0, _spelling(match))
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


def cloze_matches(question: QuestionSpec, given: Iterable[str]) -> list[TypedMatch | None]:
    """Return, per deletion of a cloze prompt, what the text given for it matched (or None)."""
    values = list(given)
    return [
        match_typed(
            values[index][:MAX_ANSWER_CHARS] if index < len(values) else "",
            [expected],
            typo_tolerance=question.typo_tolerance,
            dash_underscore=question.dash_underscore,
        )
        for index, (_, expected, _) in enumerate(cloze_deletions(question.prompt))
    ]


def grade_cloze(question: QuestionSpec, answer: Any) -> Grade:
    """Judge a cloze answer: one text per deletion, in the order they appear in the prompt."""
    matches = cloze_matches(question, _as_list(answer))
    right = sum(1 for match in matches if match)
    several = len(matches) > 1
    feedback = tuple(
        note
        for number, match in enumerate(matches, start=1)
        if match
        for note in _spelling(match, f"Blank {number}: " if several else "")
    )
    score = round(right / len(matches), 4) if matches else 0.0
    return Grade(right == len(matches), score, feedback)


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


def unanswered_reason(question: QuestionSpec, answer: Any) -> str | None:
    """Return why an answer cannot be judged yet, or None when it can.

    Nothing chosen or typed, or a manifest that is not even YAML, says nothing about what the
    learner knows: study hands the form back with this message and records nothing.
    """
    values = _as_list(answer)
    if question.type == "single":
        if not any(_as_index(v, len(question.choices)) is not None for v in values):
            return "Choose an answer first."
    elif question.type == "multi":
        if not any(_as_index(v, len(question.choices)) is not None for v in values):
            return "Choose at least one answer first."
    elif question.type == "truefalse":
        if not any(value.strip().lower() in ("true", "false") for value in values):
            return "Choose true or false first."
    elif question.type == "short":
        if not any(value.strip() for value in values):
            return "Type an answer first."
    elif question.type == "cloze":
        if not any(value.strip() for value in values):
            return "Fill in the blanks first."
    elif question.type == "yaml":
        text = values[0] if len(values) == 1 else ""
        if not text.strip():
            return "Write the manifest first."
        if len(text) <= MAX_ANSWER_CHARS:
            problem = yaml_syntax_problem(text)
            if problem is not None:
                where = f"line {problem.line}: " if problem.line else ""
                return (
                    f"This is not valid YAML yet ({where}{problem.message}). Fix it and check "
                    "again: nothing was recorded."
                )
    return None

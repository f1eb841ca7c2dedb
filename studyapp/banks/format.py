"""The bank file format: parsing and validating topics, banks, snippets and questions.

Pure functions from YAML data to frozen specs. Every problem is collected as a BankError with the
file and the line of the offending node, so one run lists all of them. The admin validates its
forms through the same functions (with plain dicts, which have no lines).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jmespath
import jmespath.exceptions
import regex

from .yamlsource import line_of, line_of_node

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)

QUESTION_TYPES = ("single", "multi", "truefalse", "short", "order", "cloze", "flashcard", "yaml")
COMMON_KEYS = (
    "id", "type", "prompt", "explanation", "topic", "snippets", "difficulty", "tags", "sources",
)  # fmt: skip
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "single": ("choices",),
    "multi": ("choices",),
    "truefalse": ("answer",),
    "short": ("answers", "pattern", "typo_tolerance", "dash_underscore"),
    "order": ("items", "may_swap"),
    "cloze": ("typo_tolerance", "dash_underscore"),
    "flashcard": ("answer", "key_points"),
    "yaml": ("checks", "starter", "k8s_version", "solution", "all_documents"),
}
BANK_KEYS = ("bank", "title", "description", "topic", "restricted", "snippets", "questions")
SNIPPET_KEYS = ("id", "file", "title", "try")
TOPIC_KEYS = ("slug", "title", "description")
CHOICE_KEYS = ("text", "correct", "why")
CHECK_KEYS = ("expr", "message")
TRY_KEYS = ("run", "expect")

# The longest text each field may hold (characters). Markdown renders in bounded time only up to
# a length (studyapp/core/markdown.py), and no real text comes near these: the longest prompt
# is about 600 characters, the longest flashcard answer about 1,350.
TEXT_CAPS = {
    "title": 200,
    "description": 1000,
    "prompt": 2000,
    "explanation": 4000,
    "answer": 4000,
    "text": 500,
    "why": 1000,
    "items": 300,
    "key_points": 300,
    "answers": 300,
    "pattern": 300,
    "message": 500,
    "starter": 20_000,
    "solution": 20_000,
}


@dataclass(frozen=True)
class BankError:
    """One problem in the content: where it is and what is wrong."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}: {self.message}"


class BankErrors(Exception):
    """Raised when content is invalid; carries every problem found."""

    def __init__(self, errors: list[BankError]) -> None:
        errors = sorted(errors, key=lambda error: (error.path, error.line or 0))
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class TopicSpec:
    slug: str
    title: str
    description: str
    position: int
    line: int | None = None


@dataclass(frozen=True)
class ChoiceSpec:
    text: str
    is_correct: bool = False
    why: str = ""


@dataclass(frozen=True)
class CheckSpec:
    expr: str
    message: str


@dataclass(frozen=True)
class TryStep:
    run: str
    expect: str = ""


@dataclass(frozen=True)
class SnippetSpec:
    id: str
    file: str
    title: str
    try_steps: tuple[TryStep, ...]
    line: int | None = None


@dataclass(frozen=True)
class QuestionSpec:
    """One question, as the file says it; `topic` is resolved against the bank's default."""

    id: str
    type: str
    prompt: str
    explanation: str
    topic: str = ""
    snippets: tuple[str, ...] = ()
    difficulty: int = 2
    tags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    choices: tuple[ChoiceSpec, ...] = ()
    truth: bool | None = None
    answer: str = ""
    answers: tuple[str, ...] = ()
    pattern: str = ""
    items: tuple[str, ...] = ()
    may_swap: tuple[tuple[int, int], ...] = ()
    key_points: tuple[str, ...] = ()
    starter: str = ""
    k8s_version: str = ""
    checks: tuple[CheckSpec, ...] = ()
    solution: str = ""
    all_documents: bool = False
    typo_tolerance: bool = True
    dash_underscore: bool = False
    line: int | None = None
    snippet_lines: tuple[int | None, ...] = field(default=(), compare=False)
    topic_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BankSpec:
    slug: str
    title: str
    description: str
    topic: str
    snippets: tuple[SnippetSpec, ...]
    questions: tuple[QuestionSpec, ...]
    path: str
    line: int | None = None
    topic_line: int | None = None
    is_restricted: bool = False


class Collector:
    """Collects the problems of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[BankError] = []

    def add(self, line: int | None, message: str) -> None:
        self.errors.append(BankError(self.path, line, message))


# Values -----------------------------------------------------------------------------------------


def _text(
    data: Mapping, key: str, errors: Collector, *, required: bool = False, where: str = ""
) -> str:
    """Return a text field (numbers are taken as text); report a missing or non-text value."""
    label = f"{where}'{key}'" if where else f"'{key}'"
    if key not in data or data[key] is None:
        if required:
            errors.add(line_of_node(data), f"missing required field {label}")
        return ""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.add(line_of(data, key), f"{label} must be text, not {_kind(value)}")
        return ""
    text = str(value)
    if required and not text.strip():
        errors.add(line_of(data, key), f"{label} must not be empty")
    _check_length(text, key, label, errors, line_of(data, key))
    return text


def _check_length(text: str, key: str, label: str, errors: Collector, line: int | None) -> None:
    cap = TEXT_CAPS.get(key)
    if cap is not None and len(text) > cap:
        errors.add(line, f"{label} is {len(text):,} characters long; it may have {cap:,} at most")


def _text_item(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def _text_list(data: Mapping, key: str, errors: Collector, *, where: str = "") -> tuple[str, ...]:
    """Return a list of non-empty texts; report anything else."""
    if key not in data or data[key] is None:
        return ()
    value = data[key]
    if not isinstance(value, list):
        errors.add(line_of(data, key), f"'{key}' must be a list, not {_kind(value)}")
        return ()
    out = []
    for index, item in enumerate(value):
        text = _text_item(item)
        if text is None or not text.strip():
            errors.add(
                line_of(value, index) or line_of(data, key),
                f"{where}'{key}' item {index + 1} must be non-empty text",
            )
            continue
        _check_length(
            text, key, f"{where}'{key}' item {index + 1}", errors,
            line_of(value, index) or line_of(data, key),
        )  # fmt: skip
        out.append(text)
    return tuple(out)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _check_keys(
    data: Mapping,
    allowed: tuple[str, ...],
    errors: Collector,
    what: str,
    other: Callable[[str], str | None] | None = None,
) -> None:
    """Report every key that is not allowed, suggesting the closest allowed one."""
    for key in data:
        if key in allowed:
            continue
        line = data.key_lines.get(key) if hasattr(data, "key_lines") else None
        hint = other(str(key)) if other else None
        if hint:
            errors.add(line, hint)
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        errors.add(line, f"unknown key '{key}' in {what}{suggestion}")


def _valid_id(value: str, errors: Collector, line: int | None, what: str) -> bool:
    if not ID_RE.match(value):
        errors.add(
            line,
            f"{what} '{value}' must be lowercase letters, digits and single dashes "
            "(like 'nodeport-range')",
        )
        return False
    return True


# Topics -----------------------------------------------------------------------------------------


def parse_topics(data: Any, path: str) -> tuple[list[TopicSpec], list[BankError]]:
    """Return the topics of a topics.yaml document and its problems."""
    errors = Collector(path)
    if not isinstance(data, list):
        errors.add(
            line_of_node(data) or 1, f"topics.yaml must be a list of topics, not {_kind(data)}"
        )
        return [], errors.errors
    topics: list[TopicSpec] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(data):
        line = line_of(data, index)
        if not isinstance(item, dict):
            errors.add(line, f"topic {index + 1} must be a mapping with slug and title")
            continue
        _check_keys(item, TOPIC_KEYS, errors, "a topic")
        slug = _text(item, "slug", errors, required=True)
        title = _text(item, "title", errors, required=True)
        description = _text(item, "description", errors)
        if not slug:
            continue
        if not _valid_id(slug, errors, line_of(item, "slug"), "topic slug"):
            continue
        if slug in seen:
            errors.add(
                line_of(item, "slug"), f"duplicate topic '{slug}' (first at line {seen[slug]})"
            )
            continue
        seen[slug] = line_of(item, "slug")
        topics.append(TopicSpec(slug, title, description, index, line_of(item, "slug")))
    return topics, errors.errors


# Banks ------------------------------------------------------------------------------------------


def parse_bank(data: Any, path: str) -> tuple[BankSpec | None, list[BankError]]:
    """Return the bank of one bank file and its problems (file-local checks only)."""
    errors = Collector(path)
    if not isinstance(data, dict):
        errors.add(line_of_node(data) or 1, f"a bank file must be a mapping, not {_kind(data)}")
        return None, errors.errors
    _check_keys(data, BANK_KEYS, errors, "a bank")
    slug = _text(data, "bank", errors, required=True)
    if slug:
        _valid_id(slug, errors, line_of(data, "bank"), "bank slug")
    title = _text(data, "title", errors, required=True)
    description = _text(data, "description", errors)
    topic = _text(data, "topic", errors, required=True)
    is_restricted = data.get("restricted", False)
    if not isinstance(is_restricted, bool):
        errors.add(line_of(data, "restricted"), "'restricted' must be true or false")
        is_restricted = False

    snippets: list[SnippetSpec] = []
    raw_snippets = data.get("snippets")
    if raw_snippets is not None and not isinstance(raw_snippets, list):
        errors.add(line_of(data, "snippets"), "'snippets' must be a list")
    for index, raw in enumerate(raw_snippets if isinstance(raw_snippets, list) else []):
        snippet = parse_snippet_declaration(raw, errors, line_of(raw_snippets, index))
        if snippet:
            snippets.append(snippet)

    questions: list[QuestionSpec] = []
    raw_questions = data.get("questions")
    if "questions" not in data:
        errors.add(line_of_node(data), "missing required field 'questions'")
    elif not isinstance(raw_questions, list):
        errors.add(line_of(data, "questions"), "'questions' must be a list of questions")
    else:
        for index, raw in enumerate(raw_questions):
            question = parse_question(raw, errors, line_of(raw_questions, index))
            if question:
                questions.append(question)

    spec = BankSpec(
        slug=slug,
        title=title,
        description=description,
        topic=topic,
        snippets=tuple(snippets),
        questions=tuple(questions),
        path=path,
        line=line_of(data, "bank"),
        topic_line=line_of(data, "topic"),
        is_restricted=is_restricted,
    )
    return spec, errors.errors


def parse_snippet_declaration(raw: Any, errors: Collector, line: int | None) -> SnippetSpec | None:
    """Return a snippet declared in a bank, or None after reporting why it is invalid."""
    if not isinstance(raw, dict):
        errors.add(line, "a snippet must be a mapping with id, file and title")
        return None
    before = len(errors.errors)
    _check_keys(raw, SNIPPET_KEYS, errors, "a snippet")
    snippet_id = _text(raw, "id", errors, required=True, where="snippet ")
    if snippet_id:
        _valid_id(snippet_id, errors, line_of(raw, "id"), "snippet id")
    file = _text(raw, "file", errors, required=True, where="snippet ")
    if file and (file.startswith("/") or ".." in file.split("/")):
        errors.add(line_of(raw, "file"), f"snippet file '{file}' must be relative to content/")
    title = _text(raw, "title", errors, required=True, where="snippet ")
    steps: list[TryStep] = []
    raw_try = raw.get("try")
    if raw_try is not None and not isinstance(raw_try, list):
        errors.add(line_of(raw, "try"), "'try' must be a list of commands")
    for index, step in enumerate(raw_try if isinstance(raw_try, list) else []):
        step_line = line_of(raw_try, index)
        if isinstance(step, dict):
            _check_keys(step, TRY_KEYS, errors, "a try step")
            run = _text(step, "run", errors, required=True, where="try step ")
            expect = _text(step, "expect", errors)
            if run:
                steps.append(TryStep(run, expect))
        elif isinstance(step, str) and step.strip():
            steps.append(TryStep(step))
        else:
            errors.add(step_line, "a try step must be a command or {run, expect}")
    if len(errors.errors) > before and not file:
        return None
    return SnippetSpec(snippet_id, file, title, tuple(steps), line_of(raw, "id") or line)


def _other_type_key(question_type: str) -> Callable[[str], str | None]:
    def hint(key: str) -> str | None:
        owners = [t for t, keys in TYPE_KEYS.items() if key in keys]
        if owners:
            return f"key '{key}' does not belong to a '{question_type}' question"
        return None

    return hint


def parse_question(raw: Any, errors: Collector, line: int | None) -> QuestionSpec | None:
    """Return a question (None if not a mapping), reporting every reason it is invalid."""
    if not isinstance(raw, dict):
        errors.add(line, f"a question must be a mapping, not {_kind(raw)}")
        return None
    before = len(errors.errors)
    question_id = _text(raw, "id", errors, required=True, where="question ")
    if question_id:
        _valid_id(question_id, errors, line_of(raw, "id"), "question id")
    question_type = _text(raw, "type", errors, required=True)
    if question_type and question_type not in QUESTION_TYPES:
        close = difflib.get_close_matches(question_type, QUESTION_TYPES, n=1)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        errors.add(
            line_of(raw, "type"),
            f"unknown question type '{question_type}'{suggestion}; "
            f"expected one of {', '.join(QUESTION_TYPES)}",
        )
        question_type = ""
    allowed = COMMON_KEYS + TYPE_KEYS.get(question_type, ())
    if question_type:
        _check_keys(
            raw, allowed, errors, f"a '{question_type}' question", _other_type_key(question_type)
        )
    else:
        every = COMMON_KEYS + tuple(k for keys in TYPE_KEYS.values() for k in keys)
        _check_keys(raw, every, errors, "a question")
    prompt = _text(raw, "prompt", errors, required=True)
    explanation = _text(raw, "explanation", errors, required=True)
    topic = _text(raw, "topic", errors)
    snippets = _text_list(raw, "snippets", errors)
    snippet_values = raw.get("snippets")
    snippet_lines = (
        tuple(line_of(snippet_values, i) for i in range(len(snippets)))
        if isinstance(snippet_values, list)
        else ()
    )
    tags = _text_list(raw, "tags", errors)
    sources = _text_list(raw, "sources", errors)
    difficulty = 2
    if raw.get("difficulty") is not None:
        value = raw["difficulty"]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3:
            errors.add(line_of(raw, "difficulty"), f"'difficulty' must be 1, 2 or 3, not {value!r}")
        else:
            difficulty = value

    fields: dict[str, Any] = {}
    if question_type:
        type_errors = Collector(errors.path)
        fields = TYPE_PARSERS[question_type](raw, type_errors, prompt)
        errors.errors.extend(type_errors.errors)

    spec = QuestionSpec(
        id=question_id,
        type=question_type,
        prompt=prompt,
        explanation=explanation,
        topic=topic,
        snippets=snippets,
        difficulty=difficulty,
        tags=tags,
        sources=sources,
        line=line_of(raw, "id") or line,
        snippet_lines=snippet_lines,
        topic_line=line_of(raw, "topic"),
        **fields,
    )
    if spec.type == "yaml" and spec.solution and len(errors.errors) == before:
        _check_solution(spec, raw, errors)
    return spec


def _check_solution(spec: QuestionSpec, raw: Mapping, errors: Collector) -> None:
    """Report a yaml exercise whose own solution fails validation or a check."""
    from .grading import grade_yaml

    grade = grade_yaml(spec, spec.solution)
    for message in grade.feedback:
        errors.add(line_of(raw, "solution"), f"the 'solution' does not pass: {message}")


# Per type ---------------------------------------------------------------------------------------


def _parse_choices(raw: Mapping, errors: Collector) -> tuple[ChoiceSpec, ...]:
    if "choices" not in raw or raw["choices"] is None:
        errors.add(line_of_node(raw), "missing required field 'choices'")
        return ()
    value = raw["choices"]
    if not isinstance(value, list):
        errors.add(line_of(raw, "choices"), f"'choices' must be a list, not {_kind(value)}")
        return ()
    if not value:
        errors.add(line_of(raw, "choices"), "'choices' must not be empty")
        return ()
    choices: list[ChoiceSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        line = line_of(value, index)
        if isinstance(item, dict):
            _check_keys(item, CHOICE_KEYS, errors, "a choice")
            text = _text(item, "text", errors, required=True, where="choice ")
            correct = item.get("correct", False)
            if not isinstance(correct, bool):
                errors.add(
                    line_of(item, "correct"), f"'correct' must be true or false, not {correct!r}"
                )
                correct = False
            why = _text(item, "why", errors)
        else:
            text = _text_item(item)
            if text is None or not text.strip():
                errors.add(line, "a choice must be text or a mapping with 'text'")
                continue
            correct, why = False, ""
        if text and text.strip().casefold() in seen:
            errors.add(line, f"duplicate choice '{text}'")
        seen.add(text.strip().casefold())
        choices.append(ChoiceSpec(text, correct, why))
    return tuple(choices)


def _parse_single(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    choices = _parse_choices(raw, errors)
    correct = sum(choice.is_correct for choice in choices)
    if choices and correct != 1:
        errors.add(
            line_of(raw, "choices"),
            f"a 'single' question needs exactly one correct choice, found {correct}",
        )
    if choices and len(choices) < 2:
        errors.add(line_of(raw, "choices"), "a 'single' question needs at least two choices")
    return {"choices": choices}


def _parse_multi(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    choices = _parse_choices(raw, errors)
    if choices and not any(choice.is_correct for choice in choices):
        errors.add(line_of(raw, "choices"), "a 'multi' question needs at least one correct choice")
    return {"choices": choices}


def _parse_truefalse(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    if raw.get("answer") is None:
        errors.add(line_of(raw, "answer"), "missing required field 'answer' (true or false)")
        return {}
    value = raw["answer"]
    if not isinstance(value, bool):
        errors.add(
            line_of(raw, "answer"),
            f"'answer' of a 'truefalse' question must be true or false, not {value!r}",
        )
        return {}
    return {"truth": value}


def _flag(raw: Mapping, key: str, default: bool, errors: Collector) -> bool:
    """Return a true/false key (the default when absent); report any other value."""
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.add(line_of(raw, key), f"'{key}' must be true or false, not {value!r}")
        return default
    return value


def _typed_answer_flags(raw: Mapping, errors: Collector) -> dict[str, bool]:
    """Return how typed answers of a short or cloze question are compared."""
    return {
        "typo_tolerance": _flag(raw, "typo_tolerance", True, errors),
        "dash_underscore": _flag(raw, "dash_underscore", False, errors),
    }


def _parse_short(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    answers = _text_list(raw, "answers", errors)
    pattern = _text(raw, "pattern", errors)
    if not answers and not pattern.strip():
        errors.add(line_of_node(raw), "a 'short' question needs 'answers' or a 'pattern'")
    if pattern:
        try:
            regex.compile(pattern)  # the engine grading uses (with a time limit)
        except regex.error as exc:
            errors.add(line_of(raw, "pattern"), f"invalid regular expression in 'pattern': {exc}")
    return {"answers": answers, "pattern": pattern, **_typed_answer_flags(raw, errors)}


def _parse_order(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    if "items" not in raw:
        errors.add(line_of_node(raw), "missing required field 'items'")
        return {}
    items = _text_list(raw, "items", errors)
    if isinstance(raw.get("items"), list) and len(raw["items"]) < 2:
        errors.add(line_of(raw, "items"), "an 'order' question needs at least 2 items")
    if len({item.strip().casefold() for item in items}) != len(items):
        errors.add(line_of(raw, "items"), "the items of an 'order' question must all differ")
    return {"items": items, "may_swap": _parse_may_swap(raw, errors, len(items))}


def _parse_may_swap(raw: Mapping, errors: Collector, size: int) -> tuple[tuple[int, int], ...]:
    """Return the pairs of adjacent positions (1-based) whose items may come in either order."""
    value = raw.get("may_swap")
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.add(line_of(raw, "may_swap"), "'may_swap' must be a list of pairs like [2, 3]")
        return ()
    pairs: list[tuple[int, int]] = []
    for index, pair in enumerate(value):
        line = line_of(value, index) or line_of(raw, "may_swap")
        numbers = pair if isinstance(pair, list) else []
        if len(numbers) != 2 or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in numbers
        ):
            errors.add(line, f"'may_swap' item {index + 1} must be a pair of positions like [2, 3]")
            continue
        first, second = numbers
        if second != first + 1 or not 1 <= first < size:
            errors.add(
                line,
                f"'may_swap' item {index + 1} ({first}, {second}) must name two adjacent "
                f"positions between 1 and {size}",
            )
            continue
        if (first, second) in pairs:
            errors.add(line, f"'may_swap' lists ({first}, {second}) twice")
            continue
        pairs.append((first, second))
    return tuple(sorted(pairs))


def cloze_deletions(prompt: str) -> list[tuple[int, str, str]]:
    """Return the deletions of a cloze prompt as (number, answer, hint)."""
    return [(int(n), text, hint or "") for n, text, hint in CLOZE_RE.findall(prompt)]


def _parse_cloze(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    if prompt and not cloze_deletions(prompt):
        errors.add(
            line_of(raw, "prompt"),
            "a 'cloze' prompt needs at least one deletion like {{c1::answer}}",
        )
    for number, text, _hint in cloze_deletions(prompt):
        if not text.strip():
            errors.add(line_of(raw, "prompt"), f"cloze deletion c{number} is empty")
    return _typed_answer_flags(raw, errors)


def _parse_flashcard(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    answer = _text(raw, "answer", errors, required=True)
    key_points = _text_list(raw, "key_points", errors)
    return {"answer": answer, "key_points": key_points}


def _parse_yaml(raw: Mapping, errors: Collector, prompt: str) -> dict[str, Any]:
    from .kubernetes import supported_versions

    starter = _text(raw, "starter", errors)
    solution = _text(raw, "solution", errors)
    k8s_version = _text(raw, "k8s_version", errors)
    if k8s_version and k8s_version not in supported_versions():
        errors.add(
            line_of(raw, "k8s_version"),
            f"'k8s_version' {k8s_version} is not supported; "
            f"choose one of {', '.join(supported_versions())}",
        )
    all_documents = raw.get("all_documents", False)
    if not isinstance(all_documents, bool):
        errors.add(line_of(raw, "all_documents"), "'all_documents' must be true or false")
        all_documents = False
    checks: list[CheckSpec] = []
    value = raw.get("checks")
    if value is None:
        errors.add(line_of_node(raw), "missing required field 'checks'")
    elif not isinstance(value, list) or not value:
        errors.add(line_of(raw, "checks"), "'checks' must be a non-empty list of {expr, message}")
    else:
        for index, item in enumerate(value):
            line = line_of(value, index)
            if not isinstance(item, dict):
                errors.add(line, "a check must be a mapping with 'expr' and 'message'")
                continue
            _check_keys(item, CHECK_KEYS, errors, "a check")
            expr = _text(item, "expr", errors, required=True, where="check ")
            message = _text(item, "message", errors, required=True, where="check ")
            if expr:
                try:
                    jmespath.compile(expr)
                except jmespath.exceptions.JMESPathError as exc:
                    errors.add(
                        line_of(item, "expr"),
                        f"invalid JMESPath expression {expr!r}: {_jmespath_reason(exc)}",
                    )
                    continue
            checks.append(CheckSpec(expr, message))
    return {
        "starter": starter,
        "solution": solution,
        "k8s_version": k8s_version,
        "checks": tuple(checks),
        "all_documents": all_documents,
    }


def _jmespath_reason(exc: jmespath.exceptions.JMESPathError) -> str:
    position = getattr(exc, "lex_position", None)
    at = f" at character {position + 1}" if isinstance(position, int) else ""
    if isinstance(exc, jmespath.exceptions.IncompleteExpressionError):
        return "the expression is incomplete"
    if isinstance(exc, jmespath.exceptions.LexerError):
        return f"unexpected {getattr(exc, 'lexer_value', '')!r}{at}"
    token = getattr(exc, "token_value", None)
    if token is not None:
        return f"unexpected {token!r}{at}"
    return str(exc).splitlines()[0]


TYPE_PARSERS: dict[str, Callable[[Mapping, Collector, str], dict[str, Any]]] = {
    "single": _parse_single,
    "multi": _parse_multi,
    "truefalse": _parse_truefalse,
    "short": _parse_short,
    "order": _parse_order,
    "cloze": _parse_cloze,
    "flashcard": _parse_flashcard,
    "yaml": _parse_yaml,
}


def validate_question_data(
    raw: Mapping, path: str = "question"
) -> tuple[QuestionSpec | None, list[BankError]]:
    """Return a question parsed from plain data (as the admin builds it) and its problems."""
    errors = Collector(path)
    spec = parse_question(raw, errors, None)
    return spec, errors.errors


# Back to the file format ------------------------------------------------------------------------


def question_to_data(spec: QuestionSpec, *, bank_topic: str = "") -> dict[str, Any]:
    """Return a question in the file format (what `parse_question` reads back to the same spec)."""
    data: dict[str, Any] = {"id": spec.id, "type": spec.type, "prompt": spec.prompt}
    if spec.topic and spec.topic != bank_topic:
        data["topic"] = spec.topic
    if spec.type in ("single", "multi"):
        data["choices"] = [_choice_to_data(choice) for choice in spec.choices]
    elif spec.type == "truefalse":
        data["answer"] = spec.truth
    elif spec.type == "short":
        if spec.answers:
            data["answers"] = list(spec.answers)
        if spec.pattern:
            data["pattern"] = spec.pattern
        data.update(_typed_answer_data(spec))
    elif spec.type == "order":
        data["items"] = list(spec.items)
        if spec.may_swap:
            data["may_swap"] = [list(pair) for pair in spec.may_swap]
    elif spec.type == "cloze":
        data.update(_typed_answer_data(spec))
    elif spec.type == "flashcard":
        data["answer"] = spec.answer
        if spec.key_points:
            data["key_points"] = list(spec.key_points)
    elif spec.type == "yaml":
        if spec.starter:
            data["starter"] = spec.starter
        if spec.k8s_version:
            data["k8s_version"] = spec.k8s_version
        if spec.all_documents:
            data["all_documents"] = True
        data["checks"] = [{"expr": c.expr, "message": c.message} for c in spec.checks]
        if spec.solution:
            data["solution"] = spec.solution
    data["explanation"] = spec.explanation
    if spec.snippets:
        data["snippets"] = list(spec.snippets)
    data["difficulty"] = spec.difficulty
    if spec.tags:
        data["tags"] = list(spec.tags)
    if spec.sources:
        data["sources"] = list(spec.sources)
    return data


def _typed_answer_data(spec: QuestionSpec) -> dict[str, bool]:
    """Return the typed-answer keys that differ from their defaults."""
    data = {}
    if not spec.typo_tolerance:
        data["typo_tolerance"] = False
    if spec.dash_underscore:
        data["dash_underscore"] = True
    return data


def _choice_to_data(choice: ChoiceSpec) -> str | dict[str, Any]:
    if not choice.is_correct and not choice.why:
        return choice.text
    data: dict[str, Any] = {"text": choice.text}
    if choice.is_correct:
        data["correct"] = True
    if choice.why:
        data["why"] = choice.why
    return data

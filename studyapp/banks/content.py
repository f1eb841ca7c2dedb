"""Reading a content folder (or single bank files) and checking it as a whole.

Reads every file first and reports every problem of every file; nothing here writes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .balance import answer_position_warnings
from .format import (
    BankError,
    BankErrors,
    BankSpec,
    QuestionSpec,
    SnippetSpec,
    TopicSpec,
    parse_bank,
    parse_topics,
)
from .kubernetes import configured_versions, validate_manifest_text
from .yamlsource import YamlProblem, load_yaml, normalize_newlines


@dataclass(frozen=True)
class SnippetFile:
    """A declared snippet with its manifest text, as read from disk."""

    spec: SnippetSpec
    bank: str
    content: str
    kinds: tuple[str, ...]


@dataclass
class Content:
    """Everything read from the given paths, valid as a whole."""

    topics: list[TopicSpec] = field(default_factory=list)
    banks: list[BankSpec] = field(default_factory=list)
    snippets: list[SnippetFile] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    # The text of each file read, by bank slug ("" for topics.yaml): (path in the content
    # folder, text with LF line endings), kept so an export writes back only what changed.
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    warnings: list[BankError] = field(default_factory=list)

    @property
    def questions(self) -> list[QuestionSpec]:
        return [question for bank in self.banks for question in bank.questions]

    def type_counts(self) -> Counter:
        """Return the number of questions of each type."""
        return Counter(question.type for question in self.questions)


def _is_content_root(path: Path) -> bool:
    return (path / "topics.yaml").is_file() or (path / "banks").is_dir()


def _plan(paths: list[Path]) -> tuple[list[tuple[Path, Path]], list[tuple[Path, Path]], list[str]]:
    """Return the topics files and bank files to read (each with its content root), and the
    content folders read whole (whose banks that disappeared get retired)."""
    topics_files: list[tuple[Path, Path]] = []
    bank_files: list[tuple[Path, Path]] = []
    whole_roots: list[str] = []
    for path in paths:
        if path.is_dir() and _is_content_root(path):
            whole_roots.append(str(path.resolve() / "banks"))
            if (path / "topics.yaml").is_file():
                topics_files.append((path / "topics.yaml", path))
            bank_dir = path / "banks"
            files = sorted(bank_dir.glob("*.yaml")) + sorted(bank_dir.glob("*.yml"))
            bank_files.extend((file, path) for file in sorted(files))
        elif path.is_dir():
            files = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
            bank_files.extend((file, path) for file in sorted(files))
        else:
            root = path.parent.parent if path.parent.name == "banks" else path.parent
            if path.name == "topics.yaml":
                topics_files.append((path, path.parent))
            else:
                bank_files.append((path, root))
    return topics_files, bank_files, whole_roots


def _read_text(path: Path, errors: list[BankError]) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        errors.append(BankError(str(path), None, "file not found"))
        return None
    except OSError as exc:
        errors.append(BankError(str(path), None, f"cannot read the file: {exc.strerror}"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(BankError(str(path), line, "the file is not UTF-8 text"))
        return None


def _read_yaml(path: Path, errors: list[BankError]) -> tuple[bool, object, str]:
    text = _read_text(path, errors)
    if text is None:
        return False, None, ""
    try:
        data, duplicates = load_yaml(text)
    except YamlProblem as exc:
        errors.append(BankError(str(path), exc.line, exc.message))
        return False, None, text
    for line, key in duplicates:
        errors.append(BankError(str(path), line, f"duplicate key '{key}'"))
    if data is None:
        errors.append(BankError(str(path), 1, "the file is empty"))
        return False, None, text
    return True, data, text


def _relative(path: Path, root: Path, folder: str) -> str:
    """Return where a file lives in its content folder (`banks/<name>` for a bank file)."""
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.name
    if folder and not relative.startswith(f"{folder}/"):
        relative = f"{folder}/{path.name}"
    return relative


def read_content(
    paths: list[Path],
    *,
    known_topics: set[str] | frozenset[str] = frozenset(),
    known_snippets: set[str] | frozenset[str] = frozenset(),
    versions: list[str] | None = None,
    validated: dict[str, tuple[str, list[str], list[str]]] | None = None,
) -> Content:
    """Read and check every file under the paths; raise BankErrors listing every problem.

    `known_topics` and `known_snippets` are those already in the database, which a single bank
    file may refer to. `validated` maps snippet ids to (content, versions, kinds) already found
    valid: a manifest identical to one of them, for the same versions, is not validated again.
    """
    versions = versions or configured_versions()
    errors: list[BankError] = []
    missing = [path for path in paths if not path.exists()]
    for path in missing:
        errors.append(BankError(str(path), None, "no such file or folder"))
    topics_files, bank_files, whole_roots = _plan([p for p in paths if p.exists()])
    if not bank_files and not topics_files and not missing:
        errors.append(BankError(str(paths[0]) if paths else ".", None, "no bank files found"))

    content = Content(roots=whole_roots)
    topic_lines: dict[str, str] = {}
    for path, root in topics_files:
        ok, data, text = _read_yaml(path, errors)
        if not ok:
            continue
        content.sources[""] = (_relative(path, root, ""), normalize_newlines(text))
        topics, problems = parse_topics(data, str(path))
        errors.extend(problems)
        for topic in topics:
            if topic.slug in topic_lines:
                errors.append(
                    BankError(
                        str(path),
                        topic.line,
                        f"duplicate topic '{topic.slug}' "
                        f"(first defined at {topic_lines[topic.slug]})",
                    )
                )
                continue
            topic_lines[topic.slug] = f"{path}:{topic.line}"
            content.topics.append(topic)

    roots: dict[str, Path] = {}
    for path, root in bank_files:
        ok, data, text = _read_yaml(path, errors)
        if not ok:
            continue
        bank, problems = parse_bank(data, str(path))
        errors.extend(problems)
        if bank is not None:
            content.banks.append(bank)
            roots[bank.path] = root
            if bank.slug:
                content.sources[bank.slug] = (
                    _relative(path, root, "banks"),
                    normalize_newlines(text),
                )

    _check_references(content, errors, known_topics | set(topic_lines), known_snippets)
    _read_snippets(content, roots, errors, versions, validated or {})
    if errors:
        raise BankErrors(errors)
    content.warnings = [
        warning for bank in content.banks for warning in answer_position_warnings(bank)
    ]
    content.banks = [
        dataclasses.replace(
            bank,
            questions=tuple(
                dataclasses.replace(question, topic=question.topic or bank.topic)
                for question in bank.questions
            ),
        )
        for bank in content.banks
    ]
    return content


def _check_references(
    content: Content,
    errors: list[BankError],
    topics: set[str],
    known_snippets: set[str] | frozenset[str],
) -> None:
    """Report duplicate ids across files and references to unknown topics or snippets."""
    first: dict[tuple[str, str], str] = {}

    def unique(kind: str, value: str, path: str, line: int | None) -> None:
        if not value:
            return
        if (kind, value) in first:
            where = first[(kind, value)]
            errors.append(
                BankError(path, line, f"duplicate {kind} '{value}' (first defined at {where})")
            )
        else:
            first[(kind, value)] = f"{path}:{line}"

    for bank in content.banks:
        unique("bank", bank.slug, bank.path, bank.line)
        for snippet in bank.snippets:
            unique("snippet id", snippet.id, bank.path, snippet.line)
        for question in bank.questions:
            unique("question id", question.id, bank.path, question.line)
    snippets = {value for kind, value in first if kind == "snippet id"} | set(known_snippets)
    for bank in content.banks:
        if bank.topic and bank.topic not in topics:
            errors.append(
                BankError(bank.path, bank.topic_line, _unknown("topic", bank.topic, topics))
            )
        for question in bank.questions:
            if question.topic and question.topic not in topics:
                line = question.topic_line or question.line
                errors.append(BankError(bank.path, line, _unknown("topic", question.topic, topics)))
            for index, snippet_id in enumerate(question.snippets):
                if snippet_id not in snippets:
                    lines = question.snippet_lines
                    line = (lines[index] if index < len(lines) else None) or question.line
                    message = _unknown("snippet", snippet_id, snippets)
                    errors.append(BankError(bank.path, line, message))


def _unknown(what: str, value: str, known: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{value}'{suggestion}"


def _read_snippets(
    content: Content,
    roots: dict[str, Path],
    errors: list[BankError],
    versions: list[str],
    validated: dict[str, tuple[str, list[str], list[str]]],
) -> None:
    """Read and strictly validate every declared snippet file."""
    for bank in content.banks:
        root = roots[bank.path]
        for snippet in bank.snippets:
            path = root / snippet.file
            if not path.is_file():
                message = f"snippet file '{snippet.file}' not found at {path}"
                errors.append(BankError(bank.path, snippet.line, message))
                continue
            text = _read_text(path, errors)
            if text is None:
                continue
            # Stored, served and exported as LF with one final newline, whatever the file had.
            text = normalize_newlines(text)
            known = validated.get(snippet.id)
            if known and known[0] == text and set(versions) <= set(known[1]):
                content.snippets.append(SnippetFile(snippet, bank.slug, text, tuple(known[2])))
                continue
            documents, problems = validate_manifest_text(text, versions)
            for problem in problems:
                errors.append(BankError(str(path), problem.line, problem.message))
            if not problems:
                kinds = tuple(str(doc.get("kind")) for doc in documents)
                content.snippets.append(SnippetFile(snippet, bank.slug, text, kinds))

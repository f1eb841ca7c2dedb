"""Reading an Anki deck with Anki's own `anki` package into flashcard and cloze questions."""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nh3
from anki.collection import Collection, ImportAnkiPackageRequest

from studyapp.banks.content import Content
from studyapp.banks.format import BankSpec, Collector, parse_question
from studyapp.banks.loading import LoadReport, load_content
from studyapp.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

MEDIA_RE = re.compile(r"<img\b|\[sound:|<audio\b|<video\b", re.IGNORECASE)
CLOZE_TYPE = 1  # Anki's note type kind for cloze


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    load: LoadReport | None = None


class AnkiImportError(Exception):
    """The file cannot be read as an Anki deck."""


def clean(html: str) -> str:
    """Return Anki field HTML sanitized like bank markdown, with Anki's line breaks kept."""
    html = re.sub(r"<br\s*/?>", "\n", html or "", flags=re.IGNORECASE)
    html = html.replace("&nbsp;", " ")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES).strip()


def _question_id(bank_slug: str, guid: str) -> str:
    return f"{bank_slug}-anki-{hashlib.sha256(guid.encode()).hexdigest()[:12]}"


def _tags(tags: list[str]) -> list[str]:
    out = []
    for tag in tags:
        tag = re.sub(r"[^a-z0-9-]+", "-", tag.lower()).strip("-")
        if tag and tag not in out:
            out.append(tag)
    return out


def read_deck(
    path: Path, bank_slug: str, deck_title: str
) -> tuple[list[dict], list[tuple[str, str]]]:
    """Return the Basic and Cloze notes of a deck as question data, and what was skipped."""
    questions: list[dict] = []
    skipped: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        collection = Collection(str(Path(folder) / "collection.anki2"))
        try:
            try:
                collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(path)))
            except Exception as exc:  # noqa: BLE001 - the backend raises its own error types
                raise AnkiImportError(f"{path} is not an Anki deck Anki can read: {exc}") from None
            for note_id in collection.find_notes(""):
                note = collection.get_note(note_id)
                notetype = note.note_type() or {}
                name = f"note {note.guid} ({notetype.get('name', '?')})"
                fields = list(note.fields)
                if any(MEDIA_RE.search(value) for value in fields):
                    skipped.append(
                        (name, "uses media files (images or sound), which are not imported")
                    )
                    continue
                source = f"Anki deck: {deck_title}"
                common = {
                    "id": _question_id(bank_slug, note.guid),
                    "tags": _tags(list(note.tags)),
                    "sources": [source],
                    "difficulty": 2,
                }
                if notetype.get("type") == CLOZE_TYPE:
                    text = clean(fields[0]) if fields else ""
                    extra = clean(fields[1]) if len(fields) > 1 else ""
                    questions.append({**common, "type": "cloze", "prompt": text,
                                      "explanation": extra or f"From the {source}."})  # fmt: skip
                elif len(fields) >= 2:
                    front, back_text = clean(fields[0]), clean(fields[1])
                    if not front or not back_text:
                        skipped.append((name, "its front or back is empty"))
                        continue
                    questions.append({**common, "type": "flashcard", "prompt": front,
                                      "answer": back_text,
                                      "explanation": f"From the {source}."})  # fmt: skip
                else:
                    skipped.append(
                        (name, f"note type '{notetype.get('name')}' is neither Basic nor Cloze")
                    )
        finally:
            collection.close()
    return questions, skipped


def import_deck(
    path: Path, *, bank_slug: str, topic_slug: str, title: str | None = None
) -> ImportReport:
    """Import a deck into a bank (created if new) in one transaction; re-importing updates."""
    report = ImportReport()
    data, report.skipped = read_deck(path, bank_slug, title or path.stem)
    errors = Collector(str(path))
    specs = []
    for item in data:
        before = len(errors.errors)
        spec = parse_question(item, errors, None)
        if spec is None or len(errors.errors) > before:
            reasons = "; ".join(e.message for e in errors.errors[before:])
            report.skipped.append((item["id"], reasons or "not a valid question"))
            continue
        specs.append(spec)
    bank = BankSpec(
        slug=bank_slug,
        title=title or f"Imported: {path.stem}",
        description=f"Imported from the Anki deck `{path.name}`.",
        topic=topic_slug,
        snippets=(),
        questions=tuple(s.__class__(**{**s.__dict__, "topic": topic_slug}) for s in specs),
        path=str(path),
    )
    report.load = load_content(Content(banks=[bank]))
    report.imported = len(specs)
    return report

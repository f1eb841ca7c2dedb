"""Reading an Anki deck with Anki's own `anki` package into flashcard and cloze questions.

An import never destroys. It is planned first (`plan_import`, no writes: what would be created,
updated, left unchanged, skipped and why), then applied (`apply_import`, one transaction):

- a note Kubeprep exported (its GUID is our note GUID for a question id) is that question: it
  stays in its bank and topic with its id; it is unchanged when the card still says what we
  export, and a flashcard's or cloze's edited text updates it;
- any other note becomes a question of the chosen bank, with a stable id from its GUID, so
  importing the same deck again updates those questions instead of adding copies;
- nothing is retired unless `replace` is asked for: then the bank's questions the deck does
  not hold are retired, and published assessments that would lose questions they draw from are
  named in the plan.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nh3
from anki.collection import Collection, ImportAnkiPackageRequest
from django.db import transaction
from django.db.models import Count, Max

from studyapp.banks.format import Collector, QuestionSpec, parse_question
from studyapp.banks.loading import renumber_study_order
from studyapp.banks.models import Bank, Question, Topic
from studyapp.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

from .anki_export import back, cloze_text, front, note_guid

MEDIA_RE = re.compile(r"<img\b|\[sound:|<audio\b|<video\b", re.IGNORECASE)
CLOZE_TYPE = 1  # Anki's note type kind for cloze
OUR_ID_FIELD = "Kubeprep id"
EDITABLE = ("prompt", "answer", "explanation", "tags", "sources")


class AnkiImportError(Exception):
    """The file cannot be read as an Anki deck."""


@dataclass(frozen=True)
class Note:
    """One note of a deck, as read: what the plan works from."""

    guid: str
    notetype: str
    is_cloze: bool
    fields: tuple[str, ...]
    field_names: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"note {self.guid} ({self.notetype})"

    def field(self, name: str) -> str:
        return self.fields[self.field_names.index(name)] if name in self.field_names else ""


@dataclass
class ImportPlan:
    """What an import does (or did): every note's fate, with reasons for what is skipped."""

    bank_slug: str
    topic_slug: str
    bank_title: str
    bank_exists: bool
    replace: bool
    created: list[tuple[str, str]] = field(default_factory=list)  # (question id, prompt)
    updated: list[tuple[str, str]] = field(default_factory=list)  # (question id, what changed)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (note or id, reason)
    retired: list[tuple[str, str]] = field(default_factory=list)  # (question id, prompt)
    assessments: list[tuple[str, str]] = field(default_factory=list)  # (title, what it loses)
    applied: bool = False
    # What apply_import writes.
    new_specs: list[QuestionSpec] = field(default_factory=list)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def any_change(self) -> bool:
        return bool(self.created or self.updated or self.retired)

    def digest(self) -> str:
        """Return a fingerprint of what the plan would do (to see that a preview is still true)."""
        parts = [self.bank_slug, self.topic_slug, str(self.replace), str(self.bank_exists)]
        parts += [f"c:{i}" for i, _ in self.created] + [f"u:{i}:{w}" for i, w in self.updated]
        parts += [f"r:{i}" for i, _ in self.retired]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def summary(self) -> str:
        """Return the one-line summary of the plan (or of what was done)."""
        verb = "" if self.applied else "would be "
        new_bank = "" if self.bank_exists or not self.created else f" ({verb}created)"
        return (
            f"Bank '{self.bank_slug}'{new_bank}: "
            f"{len(self.created)} {verb}created, {len(self.updated)} {verb}updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped, "
            f"{len(self.retired)} {verb}retired."
        )


def clean(html: str) -> str:
    """Return Anki field HTML sanitized like bank markdown, with Anki's line breaks kept."""
    html = re.sub(r"<br\s*/?>", "\n", html or "", flags=re.IGNORECASE)
    html = html.replace("&nbsp;", " ")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES).strip()


def _same(html: str, other: str) -> bool:
    """Return whether two field texts say the same once sanitized and whitespace collapsed."""
    return re.sub(r"\s+", " ", clean(html)) == re.sub(r"\s+", " ", clean(other))


def _question_id(bank_slug: str, guid: str) -> str:
    return f"{bank_slug}-anki-{hashlib.sha256(guid.encode()).hexdigest()[:12]}"


def _tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    out = []
    for tag in tags:
        tag = re.sub(r"[^a-z0-9-]+", "-", tag.lower()).strip("-")
        if tag and tag not in out:
            out.append(tag)
    return out


def read_notes(path: Path) -> list[Note]:
    """Return every note of an .apkg (raises AnkiImportError when Anki cannot read it)."""
    notes: list[Note] = []
    with tempfile.TemporaryDirectory() as folder:
        collection = Collection(str(Path(folder) / "collection.anki2"))
        try:
            try:
                collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(path)))
            except Exception as exc:  # noqa: BLE001 - the backend raises its own error types
                raise AnkiImportError(
                    f"{path.name} is not an Anki deck Anki can read: {exc}"
                ) from None
            for note_id in collection.find_notes(""):
                note = collection.get_note(note_id)
                notetype = note.note_type() or {}
                notes.append(
                    Note(
                        guid=note.guid,
                        notetype=str(notetype.get("name", "?")),
                        is_cloze=notetype.get("type") == CLOZE_TYPE,
                        fields=tuple(note.fields),
                        field_names=tuple(f["name"] for f in notetype.get("flds", [])),
                        tags=tuple(note.tags),
                    )
                )
        finally:
            collection.close()
    return notes


def _foreign_data(note: Note, bank_slug: str, deck_title: str) -> tuple[dict | None, str]:
    """Return the question data of a note Kubeprep did not export, or None and why not."""
    if any(MEDIA_RE.search(value) for value in note.fields):
        return None, "uses media files (images or sound), which are not imported"
    source = f"Anki deck: {deck_title}"
    common = {"id": _question_id(bank_slug, note.guid), "tags": _tags(note.tags),
              "sources": [source], "difficulty": 2}  # fmt: skip
    if note.is_cloze:
        text = clean(note.fields[0]) if note.fields else ""
        extra = clean(note.fields[1]) if len(note.fields) > 1 else ""
        return {**common, "type": "cloze", "prompt": text,
                "explanation": extra or f"From the {source}."}, ""  # fmt: skip
    if len(note.fields) >= 2:
        front_text, back_text = clean(note.fields[0]), clean(note.fields[1])
        if not front_text or not back_text:
            return None, "its front or back is empty"
        return {**common, "type": "flashcard", "prompt": front_text, "answer": back_text,
                "explanation": f"From the {source}."}, ""  # fmt: skip
    return None, f"note type '{note.notetype}' is neither Basic nor Cloze"


def _our_changes(note: Note, question: Question) -> tuple[dict[str, Any], str]:
    """Return what an edited card of ours changes in its question, or why it cannot."""
    fields = list(note.fields) + ["", ""]
    if question.type == "cloze":
        text_now, back_now = cloze_text(question), back(question)
    else:
        text_now, back_now = front(question), back(question)
    front_same = _same(fields[0], text_now) or _same(fields[0], question.prompt)
    back_same = _same(fields[1], back_now)
    if front_same and back_same:
        return {}, ""
    if question.type not in ("flashcard", "cloze"):
        return {}, (
            f"the card was edited in Anki, but a '{question.type}' question cannot be rebuilt "
            "from a card: edit it in the admin"
        )
    changes: dict[str, Any] = {}
    if not front_same:
        changes["prompt"] = clean(fields[0])
    if not back_same:
        return changes, (
            "the back of an exported card holds the answer, the explanation and the snippets "
            "together, so an edit there is not taken: edit the question in the admin"
        )
    return changes, ""


def plan_import(
    path: Path,
    *,
    bank_slug: str,
    topic_slug: str | None = None,
    title: str | None = None,
    replace: bool = False,
) -> ImportPlan:
    """Return what importing the deck into the bank would do. Writes nothing.

    New questions get `topic_slug`, by default the bank's topic (or the first topic for a new
    bank); questions Kubeprep exported keep their own bank and topic.
    """
    notes = read_notes(path)
    bank = Bank.objects.select_related("topic").filter(slug=bank_slug).first()
    if topic_slug is None:
        first = Topic.objects.order_by("position", "slug").first()
        topic_slug = bank.topic.slug if bank else (first.slug if first else "")
    plan = ImportPlan(
        bank_slug=bank_slug,
        topic_slug=topic_slug,
        bank_title=bank.title if bank else (title or f"Imported: {path.stem}"),
        bank_exists=bank is not None,
        replace=replace,
    )
    questions = list(
        Question.objects.select_related("topic", "bank").prefetch_related("choices", "snippets")
    )
    by_guid = {note_guid(q.slug): q for q in questions}
    by_slug = {q.slug: q for q in questions}
    touched: set[str] = set()
    deck_title = title or path.stem
    for note in notes:
        ours = by_guid.get(note.guid)  # a note Kubeprep exported: its GUID names the question
        if ours is not None:
            touched.add(ours.slug)
            if ours.is_retired:
                plan.skipped.append((ours.slug, "the question is retired in Kubeprep"))
                continue
            changes, reason = _our_changes(note, ours)
            if changes:
                plan.changes[ours.slug] = changes
                plan.updated.append((ours.slug, ", ".join(sorted(changes))))
            elif not reason:
                plan.unchanged.append(ours.slug)
            if reason:
                plan.skipped.append((ours.slug, reason))
            continue
        data, reason = _foreign_data(note, bank_slug, deck_title)
        if data is None:
            plan.skipped.append((note.label, reason))
            continue
        errors = Collector(path.name)
        spec = parse_question(data, errors, None)
        if spec is None or errors.errors:
            plan.skipped.append((data["id"], "; ".join(e.message for e in errors.errors)))
            continue
        touched.add(spec.id)
        existing = by_slug.get(spec.id)
        if existing is None:
            plan.new_specs.append(spec)
            plan.created.append((spec.id, spec.prompt))
            continue
        if existing.bank.slug != bank_slug:
            plan.skipped.append((spec.id, f"the question is in bank '{existing.bank.slug}'"))
            continue
        current = {name: getattr(existing, name) for name in EDITABLE}
        wanted = {name: getattr(spec, name) for name in EDITABLE}
        for name in ("tags", "sources"):
            current[name], wanted[name] = list(current[name]), list(wanted[name])
        changes = {name: wanted[name] for name in EDITABLE if current[name] != wanted[name]}
        if existing.is_retired:
            changes["is_retired"] = False
        if existing.type != spec.type:
            plan.skipped.append((spec.id, f"it is a '{existing.type}' question in Kubeprep"))
        elif changes:
            plan.changes[spec.id] = changes
            plan.updated.append((spec.id, ", ".join(sorted(changes))))
        else:
            plan.unchanged.append(spec.id)
    if replace and bank is not None:
        plan.retired = [
            (q.slug, q.prompt)
            for q in questions
            if q.bank_id == bank.pk and not q.is_retired and q.slug not in touched
        ]
    plan.assessments = _assessments_losing(plan, questions)
    return plan


def _assessments_losing(plan: ImportPlan, questions: list[Question]) -> list[tuple[str, str]]:
    """Return the published assessments that would lose questions they use or draw from."""
    if not plan.retired:
        return []
    from studyapp.assessments.models import AssessmentItem

    going = {slug for slug, _ in plan.retired}
    going_ids = {q.pk for q in questions if q.slug in going}
    leaving: dict[tuple[int, int | None], int] = {}
    for question in questions:
        if question.pk in going_ids:
            for level in (None, question.difficulty):
                key = (question.topic_id, level)
                leaving[key] = leaving.get(key, 0) + 1
    items = AssessmentItem.objects.filter(assessment__is_published=True).select_related(
        "assessment", "topic", "question"
    )
    available = {
        (row["topic_id"], None): row["n"]
        for row in Question.objects.active().values("topic_id").annotate(n=Count("id"))
    }
    for row in Question.objects.active().values("topic_id", "difficulty").annotate(n=Count("id")):
        available[(row["topic_id"], row["difficulty"])] = row["n"]
    topic = Topic.objects.filter(slug=plan.topic_slug).first()
    for spec in plan.new_specs if topic else []:  # the deck's new questions join the topic
        for level in (None, spec.difficulty):
            available[(topic.pk, level)] = available.get((topic.pk, level), 0) + 1
    found: dict[str, list[str]] = {}
    for item in items:
        title = item.assessment.title
        if item.question_id in going_ids:
            found.setdefault(title, []).append(f"its question {item.question.slug}")
        elif item.topic_id is not None:
            key = (item.topic_id, item.difficulty)
            lost = leaving.get(key, 0)
            left = available.get(key, 0) - lost
            if lost and left < item.count:
                level = f" of difficulty {item.difficulty}" if item.difficulty else ""
                found.setdefault(title, []).append(
                    f"draws {item.count} from {item.topic.title}{level}, only {left} would remain"
                )
    return [(title, "; ".join(reasons)) for title, reasons in sorted(found.items())]


@transaction.atomic
def apply_import(plan: ImportPlan) -> ImportPlan:
    """Write a plan in one transaction: create the bank if new, add, update, retire."""
    if plan.new_specs:  # a bank is created only to hold new questions
        topic = Topic.objects.get(slug=plan.topic_slug)
        bank, _ = Bank.objects.get_or_create(
            slug=plan.bank_slug,
            defaults={
                "title": plan.bank_title,
                "topic": topic,
                "description": "Imported from an Anki deck.",
            },
        )
        last = bank.questions.aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        new_questions = [
            Question(
                slug=spec.id, bank=bank, topic=topic, type=spec.type, prompt=spec.prompt,
                explanation=spec.explanation, answer=spec.answer, difficulty=spec.difficulty,
                tags=list(spec.tags), sources=list(spec.sources), position=start + offset,
            )
            for offset, spec in enumerate(plan.new_specs)
        ]  # fmt: skip
        for question in new_questions:  # bulk_create skips save(), which renders the HTML
            question.render_html()
        Question.objects.bulk_create(new_questions)
        plan.bank_exists = True
    for question in Question.objects.filter(slug__in=plan.changes).select_for_update():
        for name, value in plan.changes[question.slug].items():
            setattr(question, name, value)
        question.save()
    if plan.retired:
        Question.objects.filter(
            bank__slug=plan.bank_slug, slug__in=[slug for slug, _ in plan.retired]
        ).update(is_retired=True)
    renumber_study_order()
    plan.applied = True
    return plan


def import_deck(
    path: Path,
    *,
    bank_slug: str,
    topic_slug: str | None = None,
    title: str | None = None,
    replace: bool = False,
) -> ImportPlan:
    """Plan and apply an import in one go (what the command does without --dry-run)."""
    plan = plan_import(path, bank_slug=bank_slug, topic_slug=topic_slug, title=title,
                       replace=replace)  # fmt: skip
    return apply_import(plan)

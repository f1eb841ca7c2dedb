"""Writing checked content to the database: upsert by stable ids, retire what disappeared."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from .content import Content, SnippetFile
from .format import QUESTION_TYPES, QuestionSpec
from .kubernetes import configured_versions, rules_id
from .models import Bank, Choice, Question, Snippet, SourceFile, Topic


@dataclass
class Changes:
    created: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.created or self.updated or self.retired)


@dataclass
class LoadReport:
    """What was read and what changed (or would change, for a check)."""

    banks: int = 0
    topics: int = 0
    snippets: int = 0
    question_types: Counter = field(default_factory=Counter)
    questions: Changes = field(default_factory=Changes)
    other: Changes = field(default_factory=Changes)
    written: bool = True

    @property
    def changed(self) -> bool:
        return self.questions.any or self.other.any

    def summary(self) -> str:
        """Return the one-line summary the command prints."""
        total = sum(self.question_types.values())
        types = ", ".join(
            f"{name} {self.question_types[name]}"
            for name in QUESTION_TYPES
            if self.question_types[name]
        )
        read = (
            f"{self.banks} banks, {self.topics} topics, {total} questions ({types or 'none'}), "
            f"{self.snippets} snippets"
        )
        q = self.questions
        verb = "" if self.written else "would be "
        if not self.changed:
            change = "nothing changed" if self.written else "nothing would change"
        else:
            change = (
                f"questions {verb}created {q.created}, updated {q.updated}, retired {q.retired}, "
                f"unchanged {q.unchanged}; topics, banks and snippets {verb}created "
                f"{self.other.created}, updated {self.other.updated}, retired {self.other.retired}"
            )
        prefix = "" if self.written else "Check passed (nothing written): "
        return f"{prefix}{read}; {change}."


def _question_values(spec: QuestionSpec, bank: Bank, topic: Topic, position: int) -> dict[str, Any]:
    return {
        "bank_id": bank.pk,
        "topic_id": topic.pk,
        "type": spec.type,
        "prompt": spec.prompt,
        "explanation": spec.explanation,
        "difficulty": spec.difficulty,
        "tags": list(spec.tags),
        "sources": list(spec.sources),
        "truth": spec.truth,
        "answer": spec.answer,
        "answers": list(spec.answers),
        "pattern": spec.pattern,
        "items": list(spec.items),
        "may_swap": [list(pair) for pair in spec.may_swap],
        "key_points": list(spec.key_points),
        "starter": spec.starter,
        "k8s_version": spec.k8s_version,
        "checks": [asdict(check) for check in spec.checks],
        "solution": spec.solution,
        "all_documents": spec.all_documents,
        "typo_tolerance": spec.typo_tolerance,
        "dash_underscore": spec.dash_underscore,
        "position": position,
        "is_retired": False,
    }


def _choice_values(spec: QuestionSpec) -> list[tuple[str, bool, str]]:
    return [(choice.text, choice.is_correct, choice.why) for choice in spec.choices]


def _snippet_values(snippet: SnippetFile, bank: Bank, versions: list[str]) -> dict[str, Any]:
    return {
        "bank_id": bank.pk,
        "file": snippet.spec.file,
        "title": snippet.spec.title,
        "try_steps": [asdict(step) for step in snippet.spec.try_steps],
        "content": snippet.content,
        "kinds": list(snippet.kinds),
        "validated_versions": list(versions),
        "validation_rules": rules_id(),
        "is_retired": False,
    }


def _upsert(
    existing: dict[str, Any],
    model: type,
    slug: str,
    values: dict[str, Any],
    changes: Changes,
    write: bool,
    *,
    compared: dict[str, Any] | None = None,
) -> Any:
    """Create the object with this slug or update it when `compared` (default: values) differs."""
    obj = existing.get(slug)
    if obj is None:
        obj = model(slug=slug, **values)
        changes.created += 1
        existing[slug] = obj
    elif _differs(obj, compared if compared is not None else values):
        changes.updated += 1
        _assign(obj, values)
    else:
        return obj
    if write:
        obj.save()
    return obj


def _differs(obj: Any, values: dict[str, Any]) -> bool:
    return any(getattr(obj, name) != value for name, value in values.items())


def _assign(obj: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


@transaction.atomic
def load_content(content: Content, *, write: bool = True) -> LoadReport:
    """Upsert the content by stable ids in one transaction; with write=False only report.

    Questions and snippets of the loaded banks that are no longer in the files are retired, never
    deleted; when whole content folders were read, so are those of banks that disappeared.
    """
    report = LoadReport(
        banks=len(content.banks),
        topics=len(content.topics),
        snippets=len(content.snippets),
        question_types=content.type_counts(),
        written=write,
    )
    versions = configured_versions()

    topics = {topic.slug: topic for topic in Topic.objects.all()}
    for spec in content.topics:
        values = {"title": spec.title, "description": spec.description, "position": spec.position}
        _upsert(topics, Topic, spec.slug, values, report.other, write)

    banks = {bank.slug: bank for bank in Bank.objects.all()}
    for spec in content.banks:
        values = {
            "title": spec.title,
            "description": spec.description,
            "topic_id": topics[spec.topic].pk,
            "is_restricted": spec.is_restricted,
        }
        # Where a bank's file lives is noted, not a change of the bank.
        source = str(Path(spec.path).resolve())
        bank = _upsert(banks, Bank, spec.slug, {**values, "source_path": source}, report.other,
                       write, compared=values)  # fmt: skip
        if write and bank.source_path != source:
            Bank.objects.filter(pk=bank.pk).update(source_path=source)
            bank.source_path = source

    # Retire only what disappeared from the files read: the loaded banks, and banks whose file
    # was in a content folder read whole. Banks made in the admin are never retired by a load.
    in_scope = {spec.slug for spec in content.banks} | {
        slug
        for slug, bank in banks.items()
        if any(bank.source_path.startswith(root + os.sep) for root in content.roots)
    }

    snippets = {snippet.slug: snippet for snippet in Snippet.objects.select_related("bank")}
    wanted_snippets = {snippet.spec.id for snippet in content.snippets}
    for snippet_file in content.snippets:
        values = _snippet_values(snippet_file, banks[snippet_file.bank], versions)
        _upsert(snippets, Snippet, snippet_file.spec.id, values, report.other, write)
    for snippet in snippets.values():
        gone = snippet.pk and not snippet.is_retired and snippet.slug not in wanted_snippets
        if gone and snippet.bank.slug in in_scope:
            report.other.retired += 1
            if write:
                Snippet.objects.filter(pk=snippet.pk).update(is_retired=True)

    _load_questions(content, report, banks, topics, snippets, in_scope, write)
    if write:
        renumber_study_order()
        _keep_sources(content, banks)
    return report


def _keep_sources(content: Content, banks: dict[str, Bank]) -> None:
    """Store the text of every file read, so an export writes back only what the database
    changed. Not a change of the content: the report does not count it."""
    existing = {
        source.bank_id: source for source in SourceFile.objects.filter(bank__slug__in=banks)
    }
    for slug, (path, text) in content.sources.items():
        if slug == "":
            SourceFile.objects.update_or_create(bank=None, path=path, defaults={"text": text})
            continue
        bank = banks.get(slug)
        if bank is None:
            continue
        source = existing.get(bank.pk)
        if source is None:
            SourceFile.objects.create(bank=bank, path=path, text=text)
        elif (source.path, source.text) != (path, text):
            source.path, source.text = path, text
            source.save(update_fields=["path", "text", "updated_at"])


def study_orders(rows: list[tuple[int, int, int]]) -> dict[int, tuple[int, int]]:
    """Return each question's (study_order, interleaved_order) from (pk, topic id, topic
    position) rows given topic by topic: in the topic's position, its bank, its position.

    `study_order` numbers them in that order; `interleaved_order` takes the first question of
    every topic, then the second of every topic, and so on.
    """
    rank_in_topic: dict[int, int] = {}
    ranked = []
    for number, (pk, topic_id, topic_position) in enumerate(rows, start=1):
        rank_in_topic[topic_id] = rank_in_topic.get(topic_id, 0) + 1
        ranked.append(((rank_in_topic[topic_id], topic_position, topic_id, number), pk, number))
    return {pk: (number, mixed) for mixed, (_, pk, number) in enumerate(sorted(ranked), start=1)}


def renumber_study_order() -> int:
    """Number every question in the orders new cards are introduced in: topic by topic (the
    topic's position, the bank, then the question's position) and mixed across topics. Only
    rows whose numbers changed are written; returns how many. Call it after any write that can
    move a question (a load, an admin save)."""
    rows = Question.objects.order_by("topic__position", "bank__slug", "position", "pk")
    current = {}
    topic_rows = []
    for pk, topic_id, topic_position, order, mixed in rows.values_list(
        "pk", "topic_id", "topic__position", "study_order", "interleaved_order"
    ):
        current[pk] = (order, mixed)
        topic_rows.append((pk, topic_id, topic_position))
    moved = [
        Question(pk=pk, study_order=order, interleaved_order=mixed)
        for pk, (order, mixed) in study_orders(topic_rows).items()
        if current[pk] != (order, mixed)
    ]
    Question.objects.bulk_update(moved, ["study_order", "interleaved_order"], batch_size=500)
    return len(moved)


def _load_questions(
    content: Content,
    report: LoadReport,
    banks: dict[str, Bank],
    topics: dict[str, Topic],
    snippets: dict[str, Snippet],
    in_scope: set[str],
    write: bool,
) -> None:
    existing = {
        question.slug: question
        for question in Question.objects.select_related("bank").prefetch_related(
            "choices", "snippets"
        )
    }
    wanted: set[str] = set()
    new_questions: list[tuple[Question, QuestionSpec]] = []
    changed: list[tuple[Question, QuestionSpec, bool, bool]] = []
    for bank_spec in content.banks:
        bank = banks[bank_spec.slug]
        for position, spec in enumerate(bank_spec.questions):
            wanted.add(spec.id)
            values = _question_values(spec, bank, topics[spec.topic], position)
            question = existing.get(spec.id)
            if question is None:
                new_questions.append((Question(slug=spec.id, **values), spec))
                report.questions.created += 1
                continue
            fields_differ = _differs(question, values)
            current_choices = [(c.text, c.is_correct, c.why) for c in question.choices.all()]
            choices_differ = current_choices != _choice_values(spec)
            current_snippets = {s.slug for s in question.snippets.all()}
            snippets_differ = current_snippets != set(spec.snippets)
            if fields_differ or choices_differ or snippets_differ:
                report.questions.updated += 1
                _assign(question, values)
                changed.append((question, spec, choices_differ, snippets_differ))
            else:
                report.questions.unchanged += 1
    to_retire = [
        question.pk
        for slug, question in existing.items()
        if slug not in wanted and not question.is_retired and question.bank.slug in in_scope
    ]
    report.questions.retired = len(to_retire)
    if not write:
        return

    # bulk_create skips save(): the HTML of new questions and choices is rendered here.
    for question, _ in new_questions:
        question.render_html()
    Question.objects.bulk_create([question for question, _ in new_questions])
    new_choices = [
        Choice(question=question, position=i, text=c.text, is_correct=c.is_correct, why=c.why)
        for question, spec in new_questions
        for i, c in enumerate(spec.choices)
    ]
    for choice in new_choices:
        choice.render_html()
    Choice.objects.bulk_create(new_choices)
    Through = Question.snippets.through
    Through.objects.bulk_create(
        Through(question_id=question.pk, snippet_id=snippets[slug].pk)
        for question, spec in new_questions
        for slug in spec.snippets
    )
    for question, spec, choices_differ, snippets_differ in changed:
        question.save()  # renders its HTML again
        if choices_differ:
            _replace_choices(question, spec)
        if snippets_differ:
            question.snippets.set([snippets[slug] for slug in spec.snippets])
    if to_retire:
        Question.objects.filter(pk__in=to_retire).update(is_retired=True)


def _replace_choices(question: Question, spec: QuestionSpec) -> None:
    """Update the choices in place by position, so unchanged choices keep their ids."""
    current = list(question.choices.all())
    for position, choice_spec in enumerate(spec.choices):
        if position < len(current):
            choice = current[position]
            choice.position = position
            choice.text, choice.is_correct, choice.why = (
                choice_spec.text,
                choice_spec.is_correct,
                choice_spec.why,
            )
            choice.save()
        else:
            Choice.objects.create(
                question=question,
                position=position,
                text=choice_spec.text,
                is_correct=choice_spec.is_correct,
                why=choice_spec.why,
            )
    Choice.objects.filter(pk__in=[c.pk for c in current[len(spec.choices) :]]).delete()

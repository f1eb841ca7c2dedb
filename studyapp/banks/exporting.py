"""Writing the database back into the bank file format, so admin edits can return to git.

A file that was loaded is written back from its stored text, changed only where the database
differs (`roundtrip`): an unchanged bank comes out byte for byte, one edited question is a
one-question diff. A bank made in the admin or by an import (no stored text), or a file whose
layout cannot be patched, is written whole in the house style. Snippets are written as stored:
the same bytes the raw URL serves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Prefetch

from .format import BankSpec, QuestionSpec, SnippetSpec, TopicSpec, question_to_data
from .models import Bank, Question, Snippet, SourceFile, Topic
from .roundtrip import (
    CannotPatch,
    bank_data,
    dump_topics,
    dump_yaml,
    patch_bank,
    patch_topics,
)

__all__ = ["dump_yaml", "export_banks"]


def _question_data(question: QuestionSpec, bank_topic: str) -> dict[str, Any]:
    return question_to_data(question, bank_topic=bank_topic)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def export_banks(out_dir: Path) -> dict[str, int]:
    """Write topics.yaml, banks/*.yaml and the snippet files under out_dir; return counts.

    `counts["patched"]` is how many loaded files were written back from their text (changed or
    not), `counts["whole"]` how many were written whole.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    topics = [
        TopicSpec(t.slug, t.title, t.description, t.position)
        for t in Topic.objects.order_by("position", "slug")
    ]
    counts = {"banks": 0, "questions": 0, "snippets": 0, "topics": len(topics),
              "patched": 0, "whole": 0}  # fmt: skip
    topics_source = SourceFile.objects.filter(bank=None).first()
    _write(out_dir / "topics.yaml", _topics_text(topics_source, topics, counts))
    banks = Bank.objects.select_related("topic", "source_file").prefetch_related(
        Prefetch("snippets", queryset=Snippet.objects.active().order_by("slug")),
        Prefetch(
            "questions",
            queryset=Question.objects.active()
            .select_related("topic")
            .prefetch_related("choices", "snippets")
            .order_by("position", "id"),
        ),
    )
    for bank in banks:
        snippets = list(bank.snippets.all())
        questions = list(bank.questions.all())
        spec = BankSpec(
            slug=bank.slug,
            title=bank.title,
            description=bank.description,
            topic=bank.topic.slug,
            is_restricted=bank.is_restricted,
            snippets=tuple(SnippetSpec(s.slug, s.file, s.title, tuple(s.steps)) for s in snippets),
            questions=tuple(
                q.to_spec(snippet_ids=sorted(s.slug for s in q.snippets.all())) for q in questions
            ),
            path="",
        )
        source = getattr(bank, "source_file", None)
        relative = source.path if source else f"banks/{bank.slug}.yaml"
        _write(out_dir / relative, _bank_text(source, spec, counts))
        for snippet in snippets:
            _write(out_dir / snippet.file, snippet.content)
        counts["banks"] += 1
        counts["questions"] += len(questions)
        counts["snippets"] += len(snippets)
    return counts


def _topics_text(source: SourceFile | None, topics: list[TopicSpec], counts: dict) -> str:
    if source is not None:
        try:
            text = patch_topics(source.text, topics)
        except CannotPatch:
            pass
        else:
            counts["patched"] += 1
            return text
    counts["whole"] += 1
    return dump_topics(topics)


def _bank_text(source: SourceFile | None, spec: BankSpec, counts: dict) -> str:
    if source is not None:
        try:
            text = patch_bank(source.text, spec, _question_data)
        except CannotPatch:
            pass
        else:
            counts["patched"] += 1
            return text
    counts["whole"] += 1
    return dump_yaml(bank_data(spec, _question_data))

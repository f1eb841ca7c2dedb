"""Writing the database back into the bank file format, so admin edits can return to git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db.models import Prefetch

from .format import question_to_data
from .models import Bank, Question, Snippet, Topic


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, indented lists: files that read like hand-written ones."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Return data as YAML in our house style."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def export_banks(out_dir: Path) -> dict[str, int]:
    """Write topics.yaml, banks/*.yaml and the snippet files under out_dir; return counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "banks").mkdir(exist_ok=True)
    topics = [
        {
            "slug": t.slug,
            "title": t.title,
            **({"description": t.description} if t.description else {}),
        }
        for t in Topic.objects.order_by("position", "slug")
    ]
    (out_dir / "topics.yaml").write_text(dump_yaml(topics), encoding="utf-8")
    banks = Bank.objects.select_related("topic").prefetch_related(
        Prefetch("snippets", queryset=Snippet.objects.active().order_by("slug")),
        Prefetch(
            "questions",
            queryset=Question.objects.active()
            .select_related("topic")
            .prefetch_related("choices", "snippets")
            .order_by("position", "id"),
        ),
    )
    counts = {"banks": 0, "questions": 0, "snippets": 0, "topics": len(topics)}
    for bank in banks:
        data: dict[str, Any] = {"bank": bank.slug, "title": bank.title}
        if bank.description:
            data["description"] = bank.description
        data["topic"] = bank.topic.slug
        snippets = list(bank.snippets.all())
        if snippets:
            data["snippets"] = [
                {
                    "id": s.slug,
                    "file": s.file,
                    "title": s.title,
                    **({"try": [_step(step) for step in s.try_steps]} if s.try_steps else {}),
                }
                for s in snippets
            ]
        questions = list(bank.questions.all())
        data["questions"] = [
            question_to_data(
                q.to_spec(snippet_ids=sorted(s.slug for s in q.snippets.all())),
                bank_topic=bank.topic.slug,
            )
            for q in questions
        ]
        (out_dir / "banks" / f"{bank.slug}.yaml").write_text(dump_yaml(data), encoding="utf-8")
        for snippet in snippets:
            path = out_dir / snippet.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(snippet.content.encode("utf-8"))
        counts["banks"] += 1
        counts["questions"] += len(questions)
        counts["snippets"] += len(snippets)
    return counts


def _step(step: dict[str, str]) -> str | dict[str, str]:
    return {"run": step["run"], "expect": step["expect"]} if step.get("expect") else step["run"]

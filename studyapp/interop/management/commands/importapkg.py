"""`manage.py importapkg FILE --bank SLUG`: Basic and Cloze notes of an Anki deck into a bank."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.banks.format import ID_RE
from studyapp.banks.models import Topic
from studyapp.interop.anki_import import AnkiImportError, ImportPlan, apply_import, plan_import


class Command(BaseCommand):
    help = (
        "Import an Anki deck's Basic and Cloze notes as flashcard and cloze questions of a bank. "
        "Prints what it would do first; notes Kubeprep exported update their own question; "
        "nothing is retired unless --replace is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .apkg file")
        parser.add_argument("--bank", required=True, help="the bank to create (or add to)")
        parser.add_argument(
            "--topic", help="the new questions' topic (default: the bank's, or the first topic)"
        )
        parser.add_argument("--title", help="the title of a new bank")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="also retire the bank's questions the deck does not hold",
        )
        parser.add_argument("--dry-run", action="store_true", help="only print what would be done")

    def handle(self, *args: object, file: str, bank: str, topic: str | None, title: str | None,
               replace: bool, dry_run: bool, **options: object) -> None:  # fmt: skip
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if not ID_RE.match(bank):
            raise CommandError(f"Bank slug '{bank}' must be lowercase letters, digits and dashes.")
        if topic and not Topic.objects.filter(slug=topic).exists():
            raise CommandError(f"Unknown topic '{topic}'.")
        if not Topic.objects.exists():
            raise CommandError("Load the topics first.")
        try:
            plan = plan_import(path, bank_slug=bank, topic_slug=topic, title=title,
                               replace=replace)  # fmt: skip
        except AnkiImportError as exc:
            raise CommandError(str(exc)) from None
        self._show(plan)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        if not plan.any_change:
            self.stdout.write("Nothing to do: nothing changed.")
            return
        apply_import(plan)
        self.stdout.write(f"Done. {plan.summary()}")

    def _show(self, plan: ImportPlan) -> None:
        self.stdout.write(f"Preview. {plan.summary()}")
        sections = [
            ("create", [f"{slug}: {_short(prompt)}" for slug, prompt in plan.created]),
            ("update", [f"{slug} ({what})" for slug, what in plan.updated]),
            ("skip", [f"{name}: {reason}" for name, reason in plan.skipped]),
            ("retire", [f"{slug}: {_short(prompt)}" for slug, prompt in plan.retired]),
            (
                "published assessments that would lose questions",
                [f"{title}: {what}" for title, what in plan.assessments],
            ),
        ]
        for heading, lines in sections:
            if lines:
                self.stdout.write(f"  {heading}:")
                for line in lines:
                    self.stdout.write(f"    {line}")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."

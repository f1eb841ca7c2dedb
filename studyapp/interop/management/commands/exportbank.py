"""`manage.py exportbank SLUG --format apkg|gift -o FILE`: a bank or a topic for Anki or Moodle."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.banks.models import Bank, Topic
from studyapp.interop.anki_export import build_package, questions_for_export
from studyapp.interop.gift import export_gift


class Command(BaseCommand):
    help = "Export a bank (or a topic) as an Anki deck (.apkg) or Moodle GIFT text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="a bank slug, or a topic slug")
        parser.add_argument("--format", choices=["apkg", "gift"], default="apkg")
        parser.add_argument("-o", "--output", required=True, help="the file to write")

    def handle(self, *args: object, slug: str, format: str, output: str, **options: object) -> None:
        if Bank.objects.filter(slug=slug).exists():
            questions = questions_for_export(bank_slug=slug, public_only=False)
        elif Topic.objects.filter(slug=slug).exists():
            questions = questions_for_export(topic_slug=slug, public_only=False)
        else:
            raise CommandError(f"No bank or topic named '{slug}'.")
        out = Path(output)
        if format == "apkg":
            counts = build_package(questions, out)
            self.stdout.write(f"Wrote {counts['notes']} notes in {counts['decks']} decks to {out}.")
            return
        result = export_gift(questions)
        out.write_text(result.text, encoding="utf-8")
        self.stdout.write(
            f"Wrote {result.exported} questions to {out}; skipped {len(result.skipped)}."
        )
        for question_id, reason in result.skipped:
            self.stdout.write(f"  skipped {question_id}: {reason}")

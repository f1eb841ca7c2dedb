"""`manage.py importapkg FILE --bank SLUG`: Basic and Cloze notes of an Anki deck into a bank."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.banks.format import ID_RE
from studyapp.banks.models import Topic
from studyapp.interop.anki_import import AnkiImportError, import_deck


class Command(BaseCommand):
    help = "Import an Anki deck's Basic and Cloze notes as flashcard and cloze questions of a bank."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .apkg file")
        parser.add_argument("--bank", required=True, help="the bank to create (or update)")
        parser.add_argument("--topic", help="the questions' topic (default: the first topic)")
        parser.add_argument("--title", help="the bank's title")

    def handle(self, *args: object, file: str, bank: str, topic: str | None, title: str | None,
               **options: object) -> None:  # fmt: skip
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if not ID_RE.match(bank):
            raise CommandError(f"Bank slug '{bank}' must be lowercase letters, digits and dashes.")
        topic_obj = Topic.objects.filter(slug=topic).first() if topic else Topic.objects.first()
        if topic_obj is None:
            raise CommandError(f"Unknown topic '{topic}'." if topic else "Load the topics first.")
        try:
            report = import_deck(path, bank_slug=bank, topic_slug=topic_obj.slug, title=title)
        except AnkiImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Imported {report.imported} questions into bank '{bank}' (topic {topic_obj.slug}); "
            f"skipped {len(report.skipped)}. {report.load.summary() if report.load else ''}"
        )
        for name, reason in report.skipped:
            self.stdout.write(f"  skipped {name}: {reason}")

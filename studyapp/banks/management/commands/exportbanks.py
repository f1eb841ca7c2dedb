"""`manage.py exportbanks OUT_DIR`: write the database back into the bank file format."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from studyapp.banks.exporting import export_banks


class Command(BaseCommand):
    help = (
        "Write topics, banks and snippets from the database into OUT_DIR in the content format: "
        "loaded files come back byte for byte except where the database changed them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out_dir", help="folder to write (created if missing)")

    def handle(self, *args: object, out_dir: str, **options: object) -> None:
        counts = export_banks(Path(out_dir))
        self.stdout.write(
            f"Wrote {counts['topics']} topics, {counts['banks']} banks, {counts['questions']} "
            f"questions and {counts['snippets']} snippets to {out_dir}: {counts['patched']} "
            f"files written back from their loaded text (changed only where the database "
            f"differs), {counts['whole']} written whole. "
            f"Check them with: manage.py loadbanks --check {out_dir}"
        )

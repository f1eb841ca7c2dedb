"""`manage.py build_demo_fixture`: (re)write fixtures/demo.json from the banks and today's code."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.assessments import demo


class Command(BaseCommand):
    help = (
        "Build the demo team, assessments and a learner's 60 days of reviews through the app's "
        "services (in a transaction rolled back at the end) and write them as a fixture. Run it "
        "again whenever the models change. Needs the banks loaded (manage.py loadbanks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", default=str(demo.FIXTURE), help="the file to write")

    def handle(self, *args: object, output: str, **options: object) -> None:
        try:
            text = demo.build_fixture()
        except demo.DemoError as error:
            raise CommandError(str(error)) from error
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {text.count(chr(10)) - 2} objects to {path}.")

"""`manage.py load_demo`: load fixtures/demo.json once, its dates moved to now (DEBUG only)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from studyapp.assessments import demo


class Command(BaseCommand):
    help = (
        "Load the demo (a team with a lead and three members, assessments with finished attempts, "
        "a learner with 60 days of reviews) with its dates moved to now; only when DEBUG is on, "
        "and only once: when the demo team is there already nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixture", default=str(demo.FIXTURE), help="the fixture to load")

    def handle(self, *args: object, fixture: str, **options: object) -> None:
        if not settings.DEBUG:
            self.stdout.write("DEBUG is off: the demo data is not loaded.")
            return
        if demo.is_loaded():
            self.stdout.write("Demo data: already there.")
            return
        try:
            loaded = demo.load_demo(Path(fixture), timezone.now())
        except demo.DemoError as error:
            # Not an error for `make run`: the app runs without the demo.
            self.stderr.write(f"Demo data not loaded: {error}")
            return
        days = loaded.shifted_by.days
        self.stdout.write(
            f"Demo data: loaded {loaded.objects} objects, dates moved by {days} day"
            f"{'s' if days != 1 else ''}. Log in as lead/lead, demo/demo, ana/ana or ben/ben."
        )

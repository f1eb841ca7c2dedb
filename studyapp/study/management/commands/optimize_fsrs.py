"""`manage.py optimize_fsrs --user NAME`: fit a learner's FSRS parameters to their review log."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.accounts.models import User
from studyapp.study.optimizing import OptimizationError, optimize_parameters


class Command(BaseCommand):
    help = (
        "Fit a learner's FSRS parameters to their review log and keep them if they predict it "
        "better than the current ones (lower log loss)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the learner's username")

    def handle(self, *args: object, user: str, **options: object) -> None:
        learner = User.objects.filter(username=user).first()
        if learner is None:
            raise CommandError(f"No user named {user!r}.")
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:5.1f}s] {message}")

        try:
            result = optimize_parameters(learner, progress=progress)
        except OptimizationError as error:
            raise CommandError(str(error)) from error
        progress("Done.")
        current = "your parameters" if result.had_personal_parameters else "the FSRS defaults"
        self.stdout.write(
            f"Reviews used: {result.review_count} ({result.item_count} training items)"
        )
        if result.incomplete_card_count:
            self.stdout.write(
                f"Skipped {result.incomplete_card_count} cards whose history does not start "
                "with their first review (imported part-way)."
            )
        self.stdout.write(f"Before ({current}): {result.before}")
        self.stdout.write(f"After (new parameters): {result.after}")
        if result.is_kept:
            self.stdout.write(self.style.SUCCESS("Kept: the new parameters schedule from now on."))
        else:
            self.stdout.write(
                f"Not kept: {current} predict these reviews as well or better; nothing changed."
            )

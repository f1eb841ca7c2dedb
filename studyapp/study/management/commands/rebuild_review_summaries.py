"""`manage.py rebuild_review_summaries [--user NAME]`: count days again from the review log."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from studyapp.study import summaries
from studyapp.study.management.learners import add_user_option, learner_ids


class Command(BaseCommand):
    help = (
        "Recompute the daily review summaries the progress page reads from the review log: after "
        "reviews were written or deleted outside the app (SQL, an admin deletion), or to check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_option(parser)

    def handle(self, *args: object, user: str | None, **options: object) -> None:
        user_ids = learner_ids(user)
        with transaction.atomic():
            rows = summaries.rebuild(user_ids)
        self.stdout.write(f"Daily review summaries: {rows} day{'s' if rows != 1 else ''} written.")

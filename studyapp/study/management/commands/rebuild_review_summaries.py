"""`manage.py rebuild_review_summaries [--user NAME]`: count days again from the review log."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from studyapp.accounts.models import User
from studyapp.study import summaries


class Command(BaseCommand):
    help = (
        "Recompute the daily review summaries the progress page reads from the review log: after "
        "reviews were written or deleted outside the app (SQL, an admin deletion), or to check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="one learner's username (default: every learner)")

    def handle(self, *args: object, user: str | None, **options: object) -> None:
        user_ids = None
        if user is not None:
            learner = User.objects.filter(username=user).first()
            if learner is None:
                raise CommandError(f"No user named {user!r}.")
            user_ids = [learner.pk]
        with transaction.atomic():
            rows = summaries.rebuild(user_ids)
        self.stdout.write(f"Daily review summaries: {rows} day{'s' if rows != 1 else ''} written.")

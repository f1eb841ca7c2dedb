"""`manage.py rebuild_card_counts [--user NAME]`: count learners' cards again from the cards."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from studyapp.accounts.models import User
from studyapp.study import card_counts


class Command(BaseCommand):
    help = (
        "Recompute the card counts per topic and per due slot the progress page reads (database "
        "triggers keep them; this is for a database restored without them, or to check)."
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
            topics, slots = card_counts.rebuild(user_ids)
        self.stdout.write(f"Card counts: {topics} topic rows and {slots} due slots written.")

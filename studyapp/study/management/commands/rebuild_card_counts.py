"""`manage.py rebuild_card_counts [--user NAME]`: count learners' cards again from the cards."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from studyapp.study import card_counts
from studyapp.study.management.learners import add_user_option, learner_ids


class Command(BaseCommand):
    help = (
        "Recompute the card counts per topic and per due slot the progress page reads (database "
        "triggers keep them; this is for a database restored without them, or to check)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_option(parser)

    def handle(self, *args: object, user: str | None, **options: object) -> None:
        user_ids = learner_ids(user)
        with transaction.atomic():
            topics, slots = card_counts.rebuild(user_ids)
        self.stdout.write(f"Card counts: {topics} topic rows and {slots} due slots written.")

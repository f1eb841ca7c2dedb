"""`manage.py close_overdue_attempts`: submit every attempt whose deadline has passed."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from studyapp.assessments.services import close_overdue_attempts


class Command(BaseCommand):
    help = (
        "Submit, with the answers saved before the deadline, every attempt whose member never "
        "came back. Safe to run as often as you like (e.g. every minute from cron)."
    )

    def handle(self, *args: object, **options: object) -> None:
        closed = close_overdue_attempts(now=timezone.now())
        self.stdout.write(f"Closed {closed} overdue attempt{'s' if closed != 1 else ''}.")

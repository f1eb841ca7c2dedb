"""`manage.py export_revlog --user NAME`: a learner's reviews as the FSRS optimizer's CSV."""

from __future__ import annotations

import csv
import os
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.accounts.models import User
from studyapp.study.revlog import revlog_rows


class Command(BaseCommand):
    help = "Write a learner's review log as CSV in the FSRS optimizer's column layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the learner's username")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: object, user: str, output: str | None, **options: object) -> None:
        learner = User.objects.filter(username=user).first()
        if learner is None:
            raise CommandError(f"No user named {user!r}.")
        if output:
            with open(output, "w", newline="", encoding="utf-8") as handle:
                count = self._write(handle, learner)
            self.stderr.write(f"Wrote {count} reviews to {output}.")
            return
        try:
            self._write(self.stdout, learner)
            self.stdout.flush()
        except BrokenPipeError:
            # The reader stopped early (`| head`): that is fine, say nothing. Point the stream's
            # descriptor at /dev/null so the interpreter's last flush cannot fail again.
            _silence(self.stdout)

    def _write(self, handle: TextIO | object, learner: User) -> int:
        writer = csv.writer(handle, lineterminator="\n")
        count = -1
        for row in revlog_rows(learner):
            writer.writerow(row)
            count += 1
        return count


def _silence(stream: object) -> None:
    """Send whatever is still buffered for `stream` to /dev/null instead of a closed pipe."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)

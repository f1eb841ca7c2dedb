"""What the study commands share: the `--user NAME` option, read as the learners to work on."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from studyapp.accounts.models import User


def add_user_option(parser: CommandParser) -> None:
    parser.add_argument("--user", help="one learner's username (default: every learner)")


def learner_ids(username: str | None) -> list[int] | None:
    """Return the ids of the learner named `username` (None: every learner); an unknown name is
    the command's error."""
    if username is None:
        return None
    learner = User.objects.filter(username=username).first()
    if learner is None:
        raise CommandError(f"No user named {username!r}.")
    return [learner.pk]

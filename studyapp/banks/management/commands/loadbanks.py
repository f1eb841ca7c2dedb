"""`manage.py loadbanks [PATH ...] [--check]`: validate the question banks, then load them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from studyapp.banks.content import read_content
from studyapp.banks.format import BankErrors
from studyapp.banks.kubernetes import rules_id
from studyapp.banks.loading import load_content
from studyapp.banks.models import Snippet, Topic


class Command(BaseCommand):
    help = (
        "Validate question banks (content folders or bank files) and load them in one "
        "transaction. Nothing is written unless everything is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", help="content folders or bank files (default content/)"
        )
        parser.add_argument("--check", action="store_true", help="validate only; never write")

    def handle(self, *args: object, paths: list[str], check: bool, **options: object) -> None:
        targets = [Path(p) for p in paths] or [_default_path()]
        if options.get("verbosity", 1) >= 2:
            self.stderr.write(f"Reading {', '.join(str(t) for t in targets)} ...")
        try:
            known_topics = set(Topic.objects.values_list("slug", flat=True))
            known_snippets = set(Snippet.objects.active().values_list("slug", flat=True))
            # Snippets checked under the current rules need no second check when unchanged.
            validated = {
                slug: (text, versions, kinds)
                for slug, text, versions, kinds in Snippet.objects.active()
                .filter(validation_rules=rules_id())
                .values_list("slug", "content", "validated_versions", "kinds")
            }
        except DatabaseError:
            if not check:
                raise CommandError(
                    "The database is not set up: run `manage.py migrate` first."
                ) from None
            known_topics, known_snippets, validated = set(), set(), {}  # a check needs no database
        try:
            content = read_content(
                targets,
                known_topics=known_topics,
                known_snippets=known_snippets,
                validated=validated,
            )
        except BankErrors as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            noun = "error" if len(exc.errors) == 1 else "errors"
            raise CommandError(
                f"{len(exc.errors)} {noun}; nothing was written.", returncode=1
            ) from None
        for warning in content.warnings:
            self.stderr.write(str(warning))
        if check:
            try:
                report = load_content(content, write=False)
            except DatabaseError:
                self.stdout.write(
                    f"Check passed (nothing written; no database to compare with): "
                    f"{len(content.banks)} banks, {len(content.questions)} questions."
                )
                return
        else:
            report = load_content(content, write=True)
        self.stdout.write(report.summary())


def _default_path() -> Path:
    """Return content/ relative to the working directory when it exists, else the setting."""
    local = Path("content")
    return local if local.is_dir() else Path(settings.CONTENT_DIR)

"""`manage.py reorderchoices [PATH ...] [--check]`: vary the written order of choices in banks."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.banks.reordering import ReorderError, reorder_choices


class Command(BaseCommand):
    help = (
        "Rewrite the order of the choices of every single and multi question in bank files: "
        "each question's order comes from a hash of its id and its choices, so running it again "
        "changes nothing. Only the order of the choice blocks changes; every other byte stays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="*", help="bank files or content folders (default content/)"
        )
        parser.add_argument(
            "--check", action="store_true", help="change nothing; exit 1 if a file would change"
        )

    def handle(self, *args: object, paths: list[str], check: bool, **options: object) -> None:
        files = _bank_files([Path(p) for p in paths] or [Path("content")])
        if not files:
            raise CommandError("No bank files found.")
        problems, changed_files, changed_questions = [], [], 0
        for path in files:
            text = path.read_text(encoding="utf-8")
            try:
                new_text, changed = reorder_choices(text)
            except ReorderError as error:
                problems.append(f"{path}: {error}")
                continue
            if new_text == text:
                continue
            changed_files.append(path)
            changed_questions += len(changed)
            if not check:
                path.write_text(new_text, encoding="utf-8")
        for problem in problems:
            self.stderr.write(problem)
        verb = "would be reordered" if check else "reordered"
        self.stdout.write(
            f"{changed_questions} question{'s' if changed_questions != 1 else ''} {verb} in "
            f"{len(changed_files)} of {len(files)} bank files."
        )
        if problems:
            raise CommandError(f"{len(problems)} files left unchanged.", returncode=1)
        if check and changed_files:
            raise CommandError("Run `manage.py reorderchoices` to vary them.", returncode=1)


def _bank_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        folder = path / "banks" if (path / "banks").is_dir() else path
        if folder.is_dir():
            files += sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        else:
            files.append(path)
    return files

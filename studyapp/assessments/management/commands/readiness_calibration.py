"""`manage.py readiness_calibration [--team ID] [--assessment ID]`: predicted against actual."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from studyapp.accounts.models import Team
from studyapp.assessments import calibration
from studyapp.assessments.models import Assessment, Attempt
from studyapp.assessments.readiness import calibration_report


class Command(BaseCommand):
    help = (
        "Compare the readiness predicted when attempts started with their results: a "
        "reliability table in deciles, the Brier score and the log loss, for each question's "
        "chance of a right answer and for each attempt's chance to pass."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", type=int, help="only this team's assessments (its id)")
        parser.add_argument("--assessment", type=int, help="only this assessment (its id)")

    def handle(self, *args: object, team: int | None, assessment: int | None, **options: object):  # noqa: ANN201
        attempts = Attempt.objects.all()
        if team is not None:
            if not Team.objects.filter(pk=team).exists():
                raise CommandError(f"No team with id {team}.")
            attempts = attempts.filter(assessment__team_id=team)
        if assessment is not None:
            if not Assessment.objects.filter(pk=assessment).exists():
                raise CommandError(f"No assessment with id {assessment}.")
            attempts = attempts.filter(assessment_id=assessment)
        report = calibration_report(attempts)
        predicted = len(report.predicted_attempts)
        self.stdout.write(
            f"Submitted attempts with a prediction: {predicted}"
            f" (without one, under the minimum of reviews: {report.unpredicted})"
        )
        if predicted:
            self.stdout.write(
                f"Mean score: predicted {report.mean_predicted_score:.1f}%, "
                f"actual {report.mean_score:.1f}%"
            )
        self.stdout.write("")
        for line in calibration.table_lines(
            report.questions, "Questions (chance of a right answer)"
        ):
            self.stdout.write(line)
        self.stdout.write("")
        for line in calibration.table_lines(report.attempts, "Attempts (chance to pass)"):
            self.stdout.write(line)

"""Assessments a team lead builds and assigns, and the attempts members make at them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from studyapp.accounts.models import Team
from studyapp.banks.models import Question, Topic
from studyapp.core.fields import RenderedHtmlField, StoresRenderedHtml
from studyapp.core.markdown import render_markdown


class Assessment(StoresRenderedHtml):
    """A timed set of questions a team's members each take in a window."""

    class AnswersShown(models.TextChoices):
        AFTER_SUBMIT = "after_submit", "After submitting"
        AFTER_CLOSE = "after_close", "After the window closes"
        NEVER = "never", "Never"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assessments")
    title = models.CharField(max_length=200)
    instructions = models.TextField(
        blank=True, help_text="Markdown, shown before starting.", max_length=4000
    )
    time_limit_minutes = models.PositiveIntegerField(default=30)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent.")
    attempts_allowed = models.PositiveSmallIntegerField(default=1)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(default=True)
    answers_shown = models.CharField(
        max_length=20, choices=AnswersShown.choices, default=AnswersShown.AFTER_SUBMIT
    )
    assigned_to_all = models.BooleanField(
        default=True, help_text="Every member of the team (its leads excepted)."
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_assessments"
    )
    is_published = models.BooleanField(
        default=False, help_text="Members see an assessment once it is published."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    instructions_html = RenderedHtmlField(help_text="The instructions, rendered when saved.")

    html_sources = ("instructions",)
    html_fields = ("instructions_html",)

    class Meta:
        ordering = ["-opens_at", "pk"]
        indexes = [models.Index(fields=["team", "is_published"], name="assessment_team_published")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="assessment_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__lte=100), name="assessment_pass_mark_percent"
            ),
            models.CheckConstraint(
                condition=Q(attempts_allowed__gte=1), name="assessment_attempts_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gte=1), name="assessment_time_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def render_html(self) -> None:
        """Render the instructions into their HTML column."""
        self.instructions_html = render_markdown(self.instructions)

    @property
    def time_limit(self) -> timedelta:
        return timedelta(minutes=self.time_limit_minutes)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def answers_visible(self, now: datetime) -> bool:
        """Return whether members may see right answers and explanations of their attempts."""
        if self.answers_shown == self.AnswersShown.AFTER_SUBMIT:
            return True
        if self.answers_shown == self.AnswersShown.AFTER_CLOSE:
            return now >= self.closes_at
        return False


class AssessmentItem(models.Model):
    """One line of an assessment: a fixed question, or a random draw from a topic."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    count = models.PositiveSmallIntegerField(default=1, help_text="Draw: how many questions.")
    difficulty = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Draw: only questions of this level (1 to 3)."
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(topic__isnull=True))
                | (Q(question__isnull=True) & Q(topic__isnull=False) & Q(count__gte=1)),
                name="item_question_or_draw",
            ),
            models.UniqueConstraint(
                fields=["assessment", "question"],
                condition=Q(question__isnull=False),
                name="item_question_once",
            ),
        ]

    def __str__(self) -> str:
        if self.question_id:
            return f"question {self.question_id}"
        return f"{self.count} from topic {self.topic_id}"

    @property
    def is_draw(self) -> bool:
        return self.question_id is None


class AttemptQuerySet(models.QuerySet):
    def for_user(self, user: object) -> AttemptQuerySet:
        return self.filter(user=user)

    def in_progress(self) -> AttemptQuerySet:
        return self.filter(submitted_at__isnull=True)

    def submitted(self) -> AttemptQuerySet:
        return self.filter(submitted_at__isnull=False)

    def overdue(self, now: datetime) -> AttemptQuerySet:
        """Attempts still open whose deadline has passed."""
        return self.filter(submitted_at__isnull=True, deadline__lte=now)


class Attempt(models.Model):
    """One member's go at an assessment: its questions are fixed when it starts."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_attempts"
    )
    number = models.PositiveSmallIntegerField(help_text="1 for the first attempt, and so on.")
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text="Start plus the time limit, capped by closing time.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_time_up = models.BooleanField(
        default=False, help_text="Submitted at the deadline with what was saved."
    )
    question_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(default=0)
    score = models.FloatField(
        null=True,
        blank=True,
        help_text="Percent of the points earned: one a question, partial credit for multi.",
    )
    passed = models.BooleanField(null=True, blank=True)
    # The readiness prediction made when the attempt started, for its drawn questions (empty
    # when the member had too few reviews for readiness to be shown): calibration reads these.
    predicted_score = models.FloatField(
        null=True, blank=True, help_text="Expected percent right, predicted at the start."
    )
    predicted_pass_probability = models.FloatField(
        null=True, blank=True, help_text="Chance to pass, predicted at the start."
    )

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["assessment_id", "user_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user", "number"], name="attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["assessment", "user"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_one_open_per_member",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="attempt_number_positive"),
        ]
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_open_deadline",
            ),
            models.Index(fields=["user", "assessment"], name="attempt_user_assessment"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.assessment} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def time_taken(self) -> timedelta | None:
        if self.submitted_at is None:
            return None
        return self.submitted_at - self.started_at


class AttemptQuestion(models.Model):
    """One question of an attempt as it was when the attempt started, and the member's answer.

    `spec` holds the question's QuestionSpec as data: the attempt is graded from it, and shown
    from `html`, its texts as the question's stored HTML had them (see `snapshots.py`), so later
    edits to the bank, or retiring the question, change nothing here.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(help_text="1-based, in the order shown.")
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    question_slug = models.CharField(max_length=120)
    topic_slug = models.CharField(max_length=80)
    topic_title = models.CharField(max_length=200)
    spec = models.JSONField()
    html = models.JSONField(default=dict, blank=True, editable=False)
    choice_order = models.JSONField(default=list, blank=True)
    item_order = models.JSONField(default=list, blank=True)
    response = models.JSONField(default=list, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    is_correct = models.BooleanField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="The points earned, 0 to 1.")
    feedback = models.JSONField(default=list, blank=True)
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The lead who set the verdict by hand, if one did.",
    )
    regraded_at = models.DateTimeField(null=True, blank=True)
    predicted_probability = models.FloatField(
        null=True, blank=True, help_text="Chance of a right answer, predicted at the start."
    )

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attempt_question_position_unique"
            ),
            models.UniqueConstraint(
                fields=["attempt", "question_slug"], name="attempt_question_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position} {self.question_slug}"

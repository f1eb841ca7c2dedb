"""Per-user study state: settings, card state (FSRS), answers and the review log."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q

from studyapp.banks.models import Bank, Question, Topic

from . import scheduling


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class StudySettings(models.Model):
    """How one learner studies: retention, daily limits, scope, time zone, FSRS parameters."""

    class NewCardOrder(models.TextChoices):
        MIXED = "mixed", "Mixed across topics"
        TOPIC = "topic", "Topic by topic"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_settings"
    )
    desired_retention = models.FloatField(default=0.9)
    new_per_day = models.PositiveIntegerField(default=20)
    reviews_per_day = models.PositiveIntegerField(default=200)
    leech_threshold = models.PositiveIntegerField(default=8)
    time_zone = models.CharField(max_length=64, default="UTC")
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    banks = models.ManyToManyField(Bank, blank=True, related_name="+")
    added_topics = models.ManyToManyField(
        Topic,
        blank=True,
        related_name="+",
        help_text="Topics added to the reviews: their new cards come first (and are studied "
        "even outside the topics chosen above).",
    )
    new_card_order = models.CharField(
        max_length=10,
        choices=NewCardOrder.choices,
        default=NewCardOrder.MIXED,
        db_default=NewCardOrder.MIXED,
        help_text="Mixed: one topic's new card, then another's. Topic by topic: the topics' order.",
    )
    parameters = models.JSONField(null=True, blank=True, help_text="Fitted FSRS parameters.")
    parameters_log_loss = models.FloatField(null=True, blank=True)
    parameters_rmse = models.FloatField(null=True, blank=True)
    optimized_at = models.DateTimeField(null=True, blank=True)
    interview_date = models.DateField(
        null=True, blank=True, help_text="The progress page shows how ready you would be then."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_retention__gte=0.70, desired_retention__lte=0.97),
                name="settings_retention_range",
            )
        ]

    def __str__(self) -> str:
        return f"settings of {self.user}"


class CardStateQuerySet(models.QuerySet):
    def for_user(self, user: object) -> CardStateQuerySet:
        return self.filter(user=user)

    def in_study(self) -> CardStateQuerySet:
        """Cards whose question is still in study."""
        return self.filter(question__is_retired=False)


class CardState(models.Model):
    """One learner's memory of one question, as FSRS models it."""

    class State(models.IntegerChoices):
        NEW = 0, "New"
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    # Indexed by the unique (user, question) and (user, due), which start with it: an index of
    # its own would only be one more to write at every new card.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cards", db_index=False
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="card_states")
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    is_suspended = models.BooleanField(default=False)
    is_leech = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="Bumped on every change of state.")

    objects = CardStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="card_user_question_unique")
        ]
        indexes = [
            models.Index(fields=["user", "due"], name="card_user_due"),
            models.Index(fields=["user", "state", "due"], name="card_user_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.question_id}"

    def snapshot(self) -> dict:
        """Return every scheduling field, to restore this exact state on undo."""
        return {
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "reps": self.reps,
            "lapses": self.lapses,
            "is_suspended": self.is_suspended,
            "is_leech": self.is_leech,
            "buried_until": self.buried_until.isoformat() if self.buried_until else None,
        }


class Answer(models.Model):
    """A graded answer to one card at one version, with the outcome of each allowed rating.

    Keeping the previewed outcomes makes the interval shown on a rating button exactly the one
    applied, and the unique (card, card_version) makes a resent answer a no-op.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Indexed by the unique (card, card_version), which starts with it.
    card = models.ForeignKey(
        CardState, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    card_version = models.PositiveIntegerField()
    response = models.JSONField(default=list, blank=True)
    is_correct = models.BooleanField(null=True, help_text="None: self-graded (flashcard).")
    is_near_miss = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Wrong by one slip: may be rated Hard as well as Again.",
    )
    is_overridden = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Graded wrong, and the learner said they were right.",
    )
    score = models.FloatField(default=0)
    feedback = models.JSONField(default=list, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    outcomes = models.JSONField(default=dict, help_text="rating -> the card state it gives.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["card", "card_version"], name="answer_card_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"answer {self.pk} to {self.card_id}"

    @property
    def ratings(self) -> list[int]:
        """The ratings the learner may give this answer now."""
        is_correct = True if self.is_overridden else self.is_correct
        return scheduling.allowed_ratings(is_correct, is_near_miss=self.is_near_miss)

    @property
    def is_current(self) -> bool:
        """Whether the card is still at the version this answer was given to (reviewed, undone,
        buried or suspended since, the answer can no longer be rated)."""
        return self.card.version == self.card_version

    @property
    def can_override(self) -> bool:
        """Whether the learner may still say "I was right": a wrong typed answer whose outcomes
        for the right-answer ratings were kept when it was graded."""
        right = (scheduling.HARD, scheduling.GOOD, scheduling.EASY)
        return (
            self.is_correct is False
            and not self.is_overridden
            and all(str(rating) in self.outcomes for rating in right)
        )


class ReviewLogQuerySet(models.QuerySet):
    def for_user(self, user: object) -> ReviewLogQuerySet:
        return self.filter(user=user)


class ReviewLog(models.Model):
    """One rated review: what the optimizer and the progress page read."""

    # Indexed by (user, reviewed_at) and (card, reviewed_at), which start with them: an index of
    # their own would be two more to write at every rating.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    card = models.ForeignKey(
        CardState, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="review")
    rating = models.PositiveSmallIntegerField()
    state_before = models.PositiveSmallIntegerField(choices=CardState.State.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    is_correct = models.BooleanField(null=True)
    is_overridden = models.BooleanField(
        default=False,
        db_default=False,
        help_text='Graded wrong; the learner said they were right ("I was right").',
    )
    card_before = models.JSONField(help_text="The card's state before this review (for undo).")

    objects = ReviewLogQuerySet.as_manager()

    class Meta:
        indexes = [
            # Covering (PostgreSQL; a plain index elsewhere): the progress page's counts and
            # sums over a learner's history read the index alone, not the scattered rows.
            models.Index(
                fields=["user", "reviewed_at"],
                include=["id", "state_before", "rating", "duration_ms"],
                name="review_user_time_covering",
            ),
            models.Index(fields=["card", "reviewed_at"], name="review_card_time"),
            # Readiness reads each learner's first tries at new cards: a few per card, among
            # many reviews.
            models.Index(
                fields=["user", "card"],
                condition=Q(state_before=0),
                name="review_user_first_tries",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=4), name="review_rating_1_4"
            )
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of card {self.card_id}"


class DailyReviewSummaryQuerySet(models.QuerySet):
    def for_user(self, user: object) -> DailyReviewSummaryQuerySet:
        return self.filter(user=user)


class DailyReviewSummary(models.Model):
    """One learner's reviews on one study day (their local date, days starting at 4 a.m.).

    What the progress page reads instead of the review log: a row per day studied, however many
    reviews. Kept by studyapp/study/summaries.py in the transactions that write the log.
    """

    # Indexed by the unique (user, day), which starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(help_text="The study day, in the learner's time zone.")
    reviews = models.PositiveIntegerField(default=0, help_text="Answers rated that day.")
    new_cards = models.PositiveIntegerField(
        default=0, help_text="Reviews of new cards: the cards introduced that day."
    )
    review_cards = models.PositiveIntegerField(
        default=0, help_text="Reviews of cards in review (not new, not in learning steps)."
    )
    review_cards_passed = models.PositiveIntegerField(
        default=0, help_text="Of the reviews of cards in review, those rated Hard or better."
    )
    duration_ms = models.PositiveBigIntegerField(default=0, help_text="Time spent answering.")

    objects = DailyReviewSummaryQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index of every read: a learner's days, in order.
            models.UniqueConstraint(fields=["user", "day"], name="daily_summary_user_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.day}: {self.reviews} reviews"


class TopicCardCount(models.Model):
    """One learner's cards of one topic's questions in study, by where they stand: what the
    progress page's mastery reads instead of the cards.

    Kept by database triggers on the cards and the questions (study migration 0009), in the
    transaction of every write, whatever writes it (services, bulk updates, imports, the admin,
    loadbanks retiring or moving a question): `card_counts.rebuild` recomputes it from the cards.
    """

    # Indexed by the unique (user, topic), which starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    learning = models.IntegerField(default=0, help_text="Cards in learning or relearning steps.")
    review = models.IntegerField(default=0, help_text="Cards in review.")
    stable_review = models.IntegerField(
        default=0,
        help_text="Cards in review with a stability of MATURE_DAYS (21) days or more (mature, "
        "unless failed today).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topic_card_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · topic {self.topic_id}"


class DueCardCount(models.Model):
    """How many of one learner's cards come due in one 15-minute slot: the cards started (not
    new), not suspended, whose question is in study. What the forecast reads instead of the
    cards; a slot maps to one study day in every time zone (their offsets are whole quarters of
    an hour). Kept by the same triggers as `TopicCardCount`; a slot left without cards is
    deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    slot = models.BigIntegerField(help_text="The due moment's seconds since 1970 over 900.")
    cards = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "slot"], name="due_card_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · slot {self.slot}: {self.cards}"

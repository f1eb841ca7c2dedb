"""Topics, banks, snippets and questions: the content, loaded from content/ or the admin."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, Q

from studyapp.core.fields import RenderedHtmlField, RenderedHtmlListField, StoresRenderedHtml

from .format import TEXT_CAPS, CheckSpec, ChoiceSpec, QuestionSpec, TryStep
from .rendering import ChoiceHtml, QuestionHtml, render_choice, render_question


class TopicQuerySet(models.QuerySet):
    def with_question_counts(self) -> TopicQuerySet:
        """Annotate each topic with `question_count`, its questions in study that anyone may see."""
        # Meta.ordering is not applied to GROUP BY queries: order explicitly.
        return self.annotate(
            question_count=Count(
                "questions",
                filter=Q(questions__is_retired=False, questions__bank__is_restricted=False),
            )
        ).order_by("position", "slug")


class SlugManager(models.Manager):
    """Finds content by its slug: the natural key fixtures use, as ids differ per database."""

    def get_by_natural_key(self, slug: str) -> models.Model:
        return self.get(slug=slug)


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_CAPS["description"])
    position = models.PositiveIntegerField(default=0)

    objects = SlugManager.from_queryset(TopicQuerySet)()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Bank(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_CAPS["description"])
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="banks")
    source_path = models.CharField(
        max_length=300, blank=True, help_text="The file it was loaded from, if any."
    )
    is_restricted = models.BooleanField(
        "for assessments only",
        default=False,
        help_text="Its questions appear only in assessments: never on topic and snippet pages, in "
        "downloads, practice, the drill or new cards; a member reviews one only after an "
        "assessment that asked it, once its answers may be shown.",
    )

    objects = SlugManager()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class SourceFile(models.Model):
    """A content file's text as last loaded, so `exportbanks` can write back only what changed."""

    path = models.CharField(max_length=300, help_text="Relative to the content folder.")
    bank = models.OneToOneField(
        Bank, on_delete=models.CASCADE, null=True, blank=True, related_name="source_file"
    )
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["path"], condition=Q(bank__isnull=True), name="sourcefile_topics_path_once"
            )
        ]

    def __str__(self) -> str:
        return self.path


class SnippetQuerySet(models.QuerySet):
    def active(self) -> SnippetQuerySet:
        return self.filter(is_retired=False)


class Snippet(models.Model):
    """A runnable Kubernetes manifest, served raw so `kubectl apply -f <url>` works."""

    slug = models.SlugField("id", max_length=120, unique=True)
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="snippets")
    file = models.CharField(max_length=300, help_text="Path relative to content/.")
    title = models.CharField(max_length=200)
    try_steps = models.JSONField(
        default=list, blank=True, help_text='A list of {"run": command, "expect": text}.'
    )
    content = models.TextField(help_text="The manifest, exactly as served.")
    kinds = models.JSONField(default=list, blank=True)
    validated_versions = models.JSONField(default=list, blank=True)
    validation_rules = models.CharField(
        max_length=100, blank=True, help_text="Which rules it passed (see kubernetes.rules_id)."
    )
    is_retired = models.BooleanField(default=False)

    objects = SlugManager.from_queryset(SnippetQuerySet)()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def steps(self) -> list[TryStep]:
        return [TryStep(step.get("run", ""), step.get("expect", "")) for step in self.try_steps]


class QuestionQuerySet(models.QuerySet):
    def active(self) -> QuestionQuerySet:
        """Questions in study: not retired."""
        return self.filter(is_retired=False)

    def public(self) -> QuestionQuerySet:
        """Questions in study that anyone may see: not retired, not in a restricted bank."""
        return self.filter(is_retired=False, bank__is_restricted=False)


class Question(StoresRenderedHtml):
    class Type(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTI = "multi", "Multiple choice"
        TRUEFALSE = "truefalse", "True or false"
        SHORT = "short", "Short answer"
        ORDER = "order", "Put in order"
        CLOZE = "cloze", "Cloze"
        FLASHCARD = "flashcard", "Flashcard"
        YAML = "yaml", "YAML exercise"

    slug = models.SlugField("id", max_length=120, unique=True)
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="questions")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    type = models.CharField(max_length=20, choices=Type.choices)
    prompt = models.TextField(help_text="Markdown.", max_length=TEXT_CAPS["prompt"])
    explanation = models.TextField(
        help_text="Markdown: why the right answer is right.", max_length=TEXT_CAPS["explanation"]
    )
    difficulty = models.PositiveSmallIntegerField(default=2)
    tags = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)
    snippets = models.ManyToManyField(Snippet, blank=True, related_name="questions")
    truth = models.BooleanField(null=True, blank=True, help_text="truefalse: the answer.")
    answer = models.TextField(
        blank=True,
        help_text="flashcard: the model answer (markdown).",
        max_length=TEXT_CAPS["answer"],
    )
    answers = models.JSONField(default=list, blank=True, help_text="short: accepted answers.")
    pattern = models.CharField(max_length=500, blank=True, help_text="short: a regex.")
    typo_tolerance = models.BooleanField(
        default=True,
        db_default=True,
        help_text="short, cloze: accept one typo in words of 5 or more letters.",
    )
    dash_underscore = models.BooleanField(
        default=False,
        db_default=False,
        help_text="short, cloze: '-' and '_' count as the same character.",
    )
    items = models.JSONField(default=list, blank=True, help_text="order: items in order.")
    may_swap = models.JSONField(
        default=list,
        blank=True,
        help_text="order: pairs of adjacent positions (1-based) that may swap, like [[2, 3]].",
    )
    key_points = models.JSONField(default=list, blank=True, help_text="flashcard: key points.")
    starter = models.TextField(blank=True, help_text="yaml: text put in the editor.")
    k8s_version = models.CharField(max_length=10, blank=True, help_text="yaml: e.g. 1.37.")
    checks = models.JSONField(
        default=list, blank=True, help_text='yaml: a list of {"expr": ..., "message": ...}.'
    )
    solution = models.TextField(blank=True, help_text="yaml: a manifest that passes.")
    all_documents = models.BooleanField(default=False, help_text="yaml: checks see all documents.")
    position = models.PositiveIntegerField(default=0)
    # Where the question comes in the order new cards are introduced (topic position, bank,
    # position), kept by `renumber_study_order`: one column an index can walk, so picking a
    # learner's next new question stops at the first row instead of sorting the catalog.
    study_order = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # The same, mixed across topics (the first question of each topic, then the second of each,
    # and so on): the default order of new cards, so a learner studying several topics meets
    # them all from the first day.
    interleaved_order = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    is_retired = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The texts above rendered when they are written (see banks/rendering.py), never per page.
    prompt_html = RenderedHtmlField(help_text="The prompt, a cloze's deletions as blanks.")
    cloze_html = RenderedHtmlField(help_text="cloze: the prompt with a slot per deletion.")
    prompt_excerpt_html = RenderedHtmlField(help_text="The prompt's start on one line.")
    explanation_html = RenderedHtmlField()
    answer_html = RenderedHtmlField()
    items_html = RenderedHtmlListField()

    html_sources = ("type", "prompt", "explanation", "answer", "items")
    html_fields = ("prompt_html", "cloze_html", "prompt_excerpt_html", "explanation_html",
                   "answer_html", "items_html")  # fmt: skip

    objects = SlugManager.from_queryset(QuestionQuerySet)()

    class Meta:
        ordering = ["bank_id", "position", "id"]
        indexes = [
            models.Index(fields=["topic", "is_retired"], name="question_topic_active"),
            models.Index(fields=["bank", "is_retired"], name="question_bank_active"),
            models.Index(
                fields=["study_order", "id"],
                condition=Q(is_retired=False),
                name="question_study_order_active",
            ),
            models.Index(
                fields=["interleaved_order", "id"],
                condition=Q(is_retired=False),
                name="question_interleaved_active",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=3), name="question_difficulty_1_3"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def render_html(self) -> None:
        """Render the prompt, explanation, answer and items into their HTML columns."""
        rendered = render_question(
            type=self.type,
            prompt=self.prompt,
            explanation=self.explanation,
            answer=self.answer,
            items=self.items or (),
        )
        self.prompt_html = rendered.prompt
        self.cloze_html = rendered.cloze
        self.prompt_excerpt_html = rendered.excerpt
        self.explanation_html = rendered.explanation
        self.answer_html = rendered.answer
        self.items_html = list(rendered.items)

    def stored_html(self, choices: list[Choice] | None = None) -> QuestionHtml:
        """Return the stored HTML of the question and its choices (nothing is rendered)."""
        if choices is None:
            choices = list(self.choices.all())
        return QuestionHtml(
            prompt=self.prompt_html,
            cloze=self.cloze_html,
            excerpt=self.prompt_excerpt_html,
            explanation=self.explanation_html,
            answer=self.answer_html,
            items=tuple(self.items_html),
            choices=tuple(ChoiceHtml(choice.text_html, choice.why_html) for choice in choices),
        )

    def to_spec(
        self, choices: list[Choice] | None = None, snippet_ids: list[str] | None = None
    ) -> QuestionSpec:
        """Return the question as the pure layer sees it (graders, validation, export)."""
        if choices is None:
            choices = list(self.choices.all())
        if snippet_ids is None:
            snippet_ids = [snippet.slug for snippet in self.snippets.all()]
        return QuestionSpec(
            id=self.slug,
            type=self.type,
            prompt=self.prompt,
            explanation=self.explanation,
            topic=self.topic.slug if self.topic_id else "",
            snippets=tuple(snippet_ids),
            difficulty=self.difficulty,
            tags=tuple(self.tags),
            sources=tuple(self.sources),
            choices=tuple(ChoiceSpec(c.text, c.is_correct, c.why) for c in choices),
            truth=self.truth,
            answer=self.answer,
            answers=tuple(self.answers),
            pattern=self.pattern,
            items=tuple(self.items),
            may_swap=tuple((a, b) for a, b in self.may_swap),
            key_points=tuple(self.key_points),
            starter=self.starter,
            k8s_version=self.k8s_version,
            checks=tuple(CheckSpec(c["expr"], c["message"]) for c in self.checks),
            solution=self.solution,
            all_documents=self.all_documents,
            typo_tolerance=self.typo_tolerance,
            dash_underscore=self.dash_underscore,
        )


class Choice(StoresRenderedHtml):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(max_length=TEXT_CAPS["text"])
    is_correct = models.BooleanField(default=False)
    why = models.TextField(
        blank=True, help_text="Why this choice is wrong (markdown).", max_length=TEXT_CAPS["why"]
    )
    text_html = RenderedHtmlField()
    why_html = RenderedHtmlField()

    html_sources = ("text", "why")
    html_fields = ("text_html", "why_html")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    def render_html(self) -> None:
        """Render the text and the why into their HTML columns."""
        rendered = render_choice(self.text, self.why)
        self.text_html, self.why_html = rendered.text, rendered.why

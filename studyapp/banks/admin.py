"""Admin authoring: saving runs the same validation as the loader."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .format import ID_RE, question_to_data, validate_question_data
from .kubernetes import configured_versions, rules_id, validate_manifest_text
from .loading import renumber_study_order
from .models import Bank, Choice, Question, Snippet, SourceFile, Topic
from .yamlsource import normalize_newlines

ID_HELP = "Lowercase letters, digits and dashes; never reuse an id."


def _check_id(value: str) -> str:
    if not ID_RE.match(value or ""):
        raise ValidationError(f"'{value}' must be lowercase letters, digits and single dashes.")
    return value


class RenumbersStudyOrder:
    """Admin saves that can move a question in the order new cards come (topic position, bank,
    question position) renumber the questions, as a load does."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        renumber_study_order()


@admin.register(Topic)
class TopicAdmin(RenumbersStudyOrder, admin.ModelAdmin):
    list_display = ["slug", "title", "position"]
    list_editable = ["position"]
    search_fields = ["slug", "title"]


@admin.register(Bank)
class BankAdmin(RenumbersStudyOrder, admin.ModelAdmin):
    list_display = ["slug", "title", "topic", "source_path"]
    list_filter = ["topic"]
    search_fields = ["slug", "title"]


class SnippetForm(forms.ModelForm):
    class Meta:
        model = Snippet
        fields = ["slug", "bank", "file", "title", "try_steps", "content", "is_retired"]
        widgets = {"content": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"})}
        help_texts = {"slug": ID_HELP}

    def clean_slug(self) -> str:
        return _check_id(self.cleaned_data["slug"])

    def clean_try_steps(self) -> list[dict[str, str]]:
        steps = self.cleaned_data.get("try_steps") or []
        if not isinstance(steps, list):
            raise ValidationError('Give a list of {"run": command, "expect": text}.')
        out = []
        for step in steps:
            if isinstance(step, str):
                step = {"run": step}
            if not isinstance(step, dict) or not str(step.get("run", "")).strip():
                raise ValidationError('Each step needs a "run" command.')
            out.append({"run": str(step["run"]), "expect": str(step.get("expect", ""))})
        return out

    def clean_content(self) -> str:
        # Browsers send CRLF: stored, served and exported bytes are LF with a final newline.
        content = normalize_newlines(self.cleaned_data["content"])
        documents, problems = validate_manifest_text(content)
        if problems:
            where = self.cleaned_data.get("file") or "manifest"
            raise ValidationError([f"{where}:{p.line or 1}: {p.message}" for p in problems])
        self.instance.kinds = [str(doc.get("kind")) for doc in documents]
        self.instance.validated_versions = configured_versions()
        self.instance.validation_rules = rules_id()
        return content


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    form = SnippetForm
    list_display = ["slug", "title", "bank", "kinds", "is_retired"]
    list_filter = ["bank", "is_retired"]
    search_fields = ["slug", "title", "content"]
    readonly_fields = ["kinds", "validated_versions", "validation_rules"]


class ChoiceInlineFormSet(forms.BaseInlineFormSet):
    """Validates the whole question (its fields and its choices) with the loader's rules."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            for name in ("text", "why"):
                value = getattr(form, "cleaned_data", {}).get(name)
                if isinstance(value, str):
                    form.cleaned_data[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        question: Question = self.instance
        if any(self.errors) or not question.type:
            return
        choices = [
            Choice(
                text=form.cleaned_data.get("text", ""),
                is_correct=form.cleaned_data.get("is_correct", False),
                why=form.cleaned_data.get("why", ""),
            )
            for form in sorted(self.forms, key=lambda f: f.cleaned_data.get("position") or 0)
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            spec = question.to_spec(choices=choices, snippet_ids=[])
        except (KeyError, TypeError, AttributeError):
            return  # a malformed field: the question form reports it
        _, errors = validate_question_data(question_to_data(spec))
        if errors:
            raise ValidationError([error.message for error in errors])


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    extra = 0
    fields = ["position", "text", "is_correct", "why"]
    ordering = ["position"]
    # Two default textareas side by side made the page 1,883 px wide.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 34})},
    }


class QuestionForm(forms.ModelForm):
    list_fields = ("tags", "sources", "answers", "items", "key_points")

    class Meta:
        model = Question
        fields = [
            "slug", "bank", "topic", "type", "difficulty", "is_retired", "prompt", "explanation",
            "truth", "answers", "pattern", "typo_tolerance", "dash_underscore", "items", "may_swap",
            "answer", "key_points", "starter", "k8s_version", "checks", "solution", "all_documents",
            "snippets", "tags", "sources", "position",
        ]  # fmt: skip
        help_texts = {"slug": ID_HELP}
        widgets = {
            name: forms.Textarea(attrs={"rows": 3, "cols": 60})
            for name in ("answers", "items", "key_points", "checks", "tags", "sources")
        }

    def clean_slug(self) -> str:
        return _check_id(self.cleaned_data["slug"])

    text_fields = ("prompt", "explanation", "answer", "pattern", "starter", "solution")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.text_fields:
            # Browsers send CRLF: keep LF, so an export writes what a file would hold.
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].replace("\r\n", "\n").replace("\r", "\n")
        for name in self.list_fields:
            value = cleaned.get(name)
            if value is None:
                cleaned[name] = []
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.add_error(name, 'Give a JSON list of texts, like ["one", "two"].')
        may_swap = cleaned.get("may_swap")
        if may_swap is None:
            cleaned["may_swap"] = []
        elif not isinstance(may_swap, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(type(n) is int for n in pair)
            for pair in may_swap
        ):
            self.add_error("may_swap", "Give a JSON list of position pairs, like [[2, 3]].")
        checks = cleaned.get("checks")
        if checks is None:
            cleaned["checks"] = []
        elif not isinstance(checks, list) or not all(
            isinstance(c, dict) and set(c) == {"expr", "message"} for c in checks
        ):
            self.add_error("checks", 'Give a JSON list of {"expr": ..., "message": ...}.')
        return cleaned


@admin.register(Question)
class QuestionAdmin(RenumbersStudyOrder, admin.ModelAdmin):
    form = QuestionForm
    inlines = [ChoiceInline]
    list_display = ["slug", "type", "topic", "bank", "difficulty", "is_retired"]
    list_filter = ["topic", "bank", "type", "is_retired", "difficulty"]
    search_fields = ["slug", "prompt", "explanation"]
    list_select_related = ["topic", "bank"]
    autocomplete_fields = ["snippets"]
    readonly_fields = ["preview", "created_at", "updated_at"]
    # Each type's fields carry the class `for-<type>`: question_admin.js shows those of the type
    # chosen (and the choices only for single and multi); without JavaScript all are shown.
    fieldsets = [
        (None, {"fields": ["slug", "bank", "topic", "type", "difficulty", "is_retired"]}),
        ("Text", {"fields": ["prompt", "explanation", "preview"]}),
        ("True or false", {"fields": ["truth"], "classes": ["for-type", "for-truefalse"]}),
        ("Short answer", {"fields": ["answers", "pattern"], "classes": ["for-type", "for-short"]}),
        (
            "Typed answers (short and cloze)",
            {
                "fields": ["typo_tolerance", "dash_underscore"],
                "classes": ["for-type", "for-short", "for-cloze"],
            },
        ),
        ("Put in order", {"fields": ["items", "may_swap"], "classes": ["for-type", "for-order"]}),
        (
            "Flashcard",
            {"fields": ["answer", "key_points"], "classes": ["for-type", "for-flashcard"]},
        ),
        (
            "YAML exercise",
            {
                "fields": ["starter", "k8s_version", "checks", "solution", "all_documents"],
                "classes": ["for-type", "for-yaml"],
            },
        ),
        ("Links", {"fields": ["snippets", "tags", "sources", "position"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    class Media:
        js = ["banks/question_admin.js"]
        css = {"all": ["banks/question_admin.css"]}

    @admin.display(description="Preview")
    def preview(self, question: Question) -> SafeString:
        """The prompt, the choices and the explanation as learners see them."""
        if not question.pk:
            return mark_safe("<em>Save to see a preview.</em>")
        # The HTML stored at the last save (nothing is rendered here).
        choices = format_html_join(
            "",
            "<li>{}{}</li>",
            ((c.text_html, " ✓" if c.is_correct else "") for c in question.choices.all()),
        )
        return format_html(
            '<div class="kubeprep-preview">{}<ul>{}</ul><hr>{}</div>',
            question.prompt_html,
            choices,
            question.explanation_html,
        )

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201 - Django's signature
        return super().get_queryset(request).select_related("topic", "bank")


@admin.register(SourceFile)
class SourceFileAdmin(admin.ModelAdmin):
    """The text each content file had when last loaded (what `exportbanks` patches); read-only."""

    list_display = ["path", "bank", "updated_at"]
    readonly_fields = ["path", "bank", "text", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

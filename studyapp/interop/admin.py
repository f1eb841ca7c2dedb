"""Admin: import an Anki deck into a bank (an action on banks, and an upload page).

The page previews first (created / updated / unchanged / skipped with reasons, what would be
retired and which published assessments would lose questions), then imports on a second POST
of the same upload. Retiring needs `replace` on the form and a tick that confirms the listed
questions. Only users who may add and change banks and questions get the page (403 otherwise).
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from studyapp.banks.admin import BankAdmin
from studyapp.banks.format import ID_RE
from studyapp.banks.models import Bank, Topic

from .anki_import import AnkiImportError, ImportPlan, apply_import, plan_import

IMPORT_PERMISSIONS = (
    "banks.add_bank",
    "banks.change_bank",
    "banks.add_question",
    "banks.change_question",
)
MAX_DECK_BYTES = 50 * 1024 * 1024
UPLOADS = Path(tempfile.gettempdir()) / "kubeprep-anki-imports"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


class AnkiImportForm(forms.Form):
    deck = forms.FileField(help_text="An Anki .apkg file; Basic and Cloze notes are imported.")
    bank = forms.CharField(
        help_text="The bank to add to, or to create (lowercase, digits, dashes)."
    )
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        empty_label="(the bank's topic)",
        help_text="The topic of new questions (default: the bank's). Questions Kubeprep exported "
        "keep their own bank and topic.",
    )
    replace = forms.BooleanField(
        required=False,
        help_text="Also retire the bank's questions that the deck does not hold (you confirm "
        "the list on the next page).",
    )

    def clean_bank(self) -> str:
        bank = self.cleaned_data["bank"]
        if not ID_RE.match(bank):
            raise forms.ValidationError("Use lowercase letters, digits and dashes.")
        return bank

    def clean_deck(self):  # noqa: ANN201 - Django's UploadedFile
        deck = self.cleaned_data["deck"]
        if deck.size > MAX_DECK_BYTES:
            raise forms.ValidationError(f"A deck may be at most {MAX_DECK_BYTES // 2**20} MB.")
        return deck


class ConfirmImportForm(forms.Form):
    token = forms.RegexField(regex=TOKEN_RE, widget=forms.HiddenInput)
    digest = forms.CharField(max_length=32, widget=forms.HiddenInput)
    bank = forms.CharField(widget=forms.HiddenInput)
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(), required=False, widget=forms.HiddenInput
    )
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm_retire = forms.BooleanField(
        required=False, label="Yes, retire the questions listed above"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, label_suffix="", **kwargs)  # type: ignore[arg-type]

    def clean_bank(self) -> str:
        bank = self.cleaned_data["bank"]
        if not ID_RE.match(bank):
            raise forms.ValidationError("Use lowercase letters, digits and dashes.")
        return bank


def _upload_path(request: HttpRequest, token: str) -> Path:
    """Return where an upload is kept between preview and import (per user, never guessable)."""
    return UPLOADS / f"{request.user.pk}-{token}.apkg"


def _keep_upload(request: HttpRequest, upload) -> str:  # noqa: ANN001 - Django's UploadedFile
    UPLOADS.mkdir(mode=0o700, exist_ok=True)
    for old in UPLOADS.glob("*.apkg"):  # uploads nobody imported within a day
        if old.stat().st_mtime < time.time() - 86400:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with _upload_path(request, token).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return token


admin.site.unregister(Bank)


@admin.register(Bank)
class BankWithImportAdmin(BankAdmin):
    actions = ["import_anki_deck"]

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.has_perms(IMPORT_PERMISSIONS):
            actions.pop("import_anki_deck", None)
        return actions

    @admin.action(description="Import an Anki deck into the selected bank")
    def import_anki_deck(self, request: HttpRequest, queryset: QuerySet[Bank]) -> HttpResponse:
        bank = queryset.first()
        url = reverse("admin:banks_bank_import_anki")
        return HttpResponseRedirect(f"{url}?bank={bank.slug}" if bank else url)

    def get_urls(self) -> list:
        extra = [
            path(
                "import-anki/",
                self.admin_site.admin_view(self.import_anki_view),
                name="banks_bank_import_anki",
            )
        ]
        return extra + super().get_urls()

    def import_anki_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a deck, see what importing it would do, then import it."""
        if not request.user.has_perms(IMPORT_PERMISSIONS):
            raise PermissionDenied(
                "Importing needs permission to add and change banks and questions."
            )
        if request.method == "POST" and request.POST.get("step") == "import":
            return self._import(request)
        form = AnkiImportForm(request.POST or None, request.FILES or None,
                              initial=request.GET.dict())  # fmt: skip
        if request.method == "POST" and form.is_valid():
            token = _keep_upload(request, form.cleaned_data["deck"])
            topic = form.cleaned_data["topic"]
            settings = {
                "token": token,
                "bank": form.cleaned_data["bank"],
                "topic": topic.pk if topic else "",
                "replace": form.cleaned_data["replace"],
                "title": f"Imported: {Path(form.cleaned_data['deck'].name).stem}"[:200],
            }
            try:
                plan = self._plan(request, settings)
            except AnkiImportError as exc:
                _upload_path(request, token).unlink(missing_ok=True)
                form.add_error("deck", str(exc))
            else:
                return self._preview(request, plan, settings)
        return self._render(request, {"form": form, "title": "Import an Anki deck"})

    def _plan(self, request: HttpRequest, settings: dict) -> ImportPlan:
        topic = Topic.objects.filter(pk=settings["topic"]).first() if settings["topic"] else None
        return plan_import(
            _upload_path(request, settings["token"]),
            bank_slug=settings["bank"],
            topic_slug=topic.slug if topic else None,
            title=settings["title"],
            replace=bool(settings["replace"]),
        )

    def _preview(
        self,
        request: HttpRequest,
        plan: ImportPlan,
        settings: dict,
        *,
        note: str = "",
        confirm: ConfirmImportForm | None = None,
    ) -> HttpResponse:
        confirm = confirm or ConfirmImportForm(initial={**settings, "digest": plan.digest()})
        context = {"plan": plan, "confirm": confirm, "note": note,
                   "title": "Import an Anki deck: preview"}  # fmt: skip
        return self._render(request, context)

    def _import(self, request: HttpRequest) -> HttpResponse:
        confirm = ConfirmImportForm(request.POST)
        if (
            not confirm.is_valid()
            or not _upload_path(request, confirm.cleaned_data["token"]).is_file()
        ):
            messages.error(
                request, "That upload is gone or the form was altered: upload the deck again."
            )
            return HttpResponseRedirect(reverse("admin:banks_bank_import_anki"))
        data = confirm.cleaned_data
        settings = {"token": data["token"], "bank": data["bank"],
                    "topic": data["topic"].pk if data["topic"] else "",
                    "replace": data["replace"], "title": data["title"]}  # fmt: skip
        try:
            plan = self._plan(request, settings)
        except AnkiImportError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("admin:banks_bank_import_anki"))
        if plan.digest() != data["digest"]:
            note = "The bank changed since the preview: this is what importing would do now."
            return self._preview(request, plan, settings, note=note)
        if plan.retired and not data["confirm_retire"]:
            confirm.add_error("confirm_retire", f"Tick this to retire the {len(plan.retired)} "
                              "questions listed, or go back and untick “replace”.")  # fmt: skip
            return self._preview(request, plan, settings, confirm=confirm)
        if plan.any_change:
            apply_import(plan)
            messages.success(request, f"Imported. {plan.summary()}")
        else:
            messages.info(request, f"Nothing to import. {plan.summary()}")
        _upload_path(request, data["token"]).unlink(missing_ok=True)
        return HttpResponseRedirect(reverse("admin:banks_bank_changelist"))

    def _render(self, request: HttpRequest, context: dict) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, "interop/import_anki.html", context)

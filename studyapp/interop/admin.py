"""Admin: import an Anki deck into a bank (an action on banks, and an upload page)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from studyapp.banks.admin import BankAdmin
from studyapp.banks.format import ID_RE
from studyapp.banks.models import Bank, Topic

from .anki_import import AnkiImportError, import_deck


class AnkiImportForm(forms.Form):
    deck = forms.FileField(help_text="An Anki .apkg file; Basic and Cloze notes are imported.")
    bank = forms.CharField(help_text="The bank to create or update (lowercase, digits, dashes).")
    topic = forms.ModelChoiceField(queryset=Topic.objects.all())

    def clean_bank(self) -> str:
        bank = self.cleaned_data["bank"]
        if not ID_RE.match(bank):
            raise forms.ValidationError("Use lowercase letters, digits and dashes.")
        return bank


admin.site.unregister(Bank)


@admin.register(Bank)
class BankWithImportAdmin(BankAdmin):
    actions = ["import_anki_deck"]

    @admin.action(description="Import an Anki deck into the selected bank")
    def import_anki_deck(self, request: HttpRequest, queryset: QuerySet[Bank]) -> HttpResponse:
        bank = queryset.first()
        url = reverse("admin:banks_bank_import_anki")
        return HttpResponseRedirect(
            f"{url}?bank={bank.slug}&topic={bank.topic_id}" if bank else url
        )

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
        form = AnkiImportForm(
            request.POST or None, request.FILES or None, initial=request.GET.dict()
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["deck"]
            with tempfile.TemporaryDirectory() as folder:
                target = Path(folder) / Path(upload.name).name
                with target.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    report = import_deck(target, bank_slug=form.cleaned_data["bank"],
                                         topic_slug=form.cleaned_data["topic"].slug)  # fmt: skip
                except AnkiImportError as exc:
                    form.add_error("deck", str(exc))
                else:
                    messages.success(request, f"Imported {report.imported} questions; "
                                     f"skipped {len(report.skipped)}.")  # fmt: skip
                    for name, reason in report.skipped[:50]:
                        messages.warning(request, f"Skipped {name}: {reason}")
                    return HttpResponseRedirect(reverse("admin:banks_bank_changelist"))
        context = {**self.admin_site.each_context(request), "form": form,
                   "title": "Import an Anki deck", "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "interop/import_anki.html", context)

"""Forms of teams: naming one and making an invite link."""

from __future__ import annotations

from django import forms

from .models import Membership


class TeamForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="For example: Platform onboarding, spring.")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the team a name.")
        return name


class InviteForm(forms.Form):
    VALID_FOR_CHOICES = [
        (1, "1 day"),
        (3, "3 days"),
        (7, "7 days"),
        (14, "14 days"),
        (30, "30 days"),
    ]

    valid_for_days = forms.TypedChoiceField(
        label="Valid for", choices=VALID_FOR_CHOICES, coerce=int, initial=7
    )
    role = forms.ChoiceField(
        label="Joins as", choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )
    single_use = forms.BooleanField(
        label="Single use (one person)",
        required=False,
        help_text="Otherwise anyone with the link can join until it expires.",
    )

"""The learner's study settings form."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django import forms
from django.utils import timezone

from studyapp.banks.models import Bank, Topic

from .models import StudySettings

MAX_DAYS_AHEAD = 730


class StudySettingsForm(forms.ModelForm):
    desired_retention = forms.FloatField(
        min_value=0.70,
        max_value=0.97,
        help_text="The share of cards you want to remember when they come due (0.70 to 0.97). "
        "Higher means more reviews.",
    )
    new_per_day = forms.IntegerField(min_value=0, max_value=1000)
    reviews_per_day = forms.IntegerField(min_value=0, max_value=10000)
    leech_threshold = forms.IntegerField(
        min_value=1, max_value=100, help_text="Lapses before a card is tagged leech and suspended."
    )
    time_zone = forms.ChoiceField(
        choices=[], help_text="Your study day starts at 4 a.m. in this time zone."
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to study every topic.",
    )
    banks = forms.ModelMultipleChoiceField(
        queryset=Bank.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to study every bank.",
    )
    added_topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Topics added to your reviews",
        help_text="Their new cards come before any other (within your new cards a day), even "
        "outside the topics chosen above. Add one from its topic page.",
    )
    new_card_order = forms.ChoiceField(
        choices=StudySettings.NewCardOrder.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Order of new cards",
        help_text="Mixed: one topic's new card, then another's, so every topic you study starts "
        "today. Topic by topic: all of the first topic's, then the next.",
    )
    interview_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Your progress page then shows how ready you would be on the day, and which "
        "cards to review before it. Leave empty if you have none.",
    )

    class Meta:
        model = StudySettings
        fields = [
            "desired_retention",
            "new_per_day",
            "reviews_per_day",
            "leech_threshold",
            "time_zone",
            "interview_date",
            "topics",
            "banks",
            "added_topics",
            "new_card_order",
        ]

    def clean_new_card_order(self) -> str:
        """Return the order chosen, or the current one when the form did not say."""
        return self.cleaned_data.get("new_card_order") or self.instance.new_card_order

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        day = cleaned.get("interview_date")
        zone = cleaned.get("time_zone")
        if day is not None and zone:
            today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
            if day < today:
                self.add_error(
                    "interview_date",
                    f"{day:%Y-%m-%d} is in the past (today is {today:%Y-%m-%d} in {zone}): "
                    "choose today or a later day, or leave it empty.",
                )
            elif day > today + timedelta(days=MAX_DAYS_AHEAD):
                self.add_error(
                    "interview_date",
                    f"Choose a day within {MAX_DAYS_AHEAD // 365} years: readiness that far ahead "
                    "would only say you will have forgotten what you have not reviewed.",
                )
        return cleaned

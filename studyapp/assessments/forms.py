"""Forms of building an assessment: its settings, a fixed question, a random draw."""

from __future__ import annotations

from django import forms

from studyapp.accounts.models import Team, User
from studyapp.banks.models import Question, Topic

from .models import Assessment

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class AssessmentForm(forms.ModelForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    time_limit_minutes = forms.IntegerField(
        label="Time limit (minutes)", min_value=1, max_value=600
    )
    pass_mark = forms.IntegerField(label="Pass mark (%)", min_value=0, max_value=100)
    attempts_allowed = forms.IntegerField(min_value=1, max_value=20)
    opens_at = forms.DateTimeField(label="Opens (UTC)", widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label="Closes (UTC)", widget=DateTimeLocalInput())
    assignees = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Chosen members",
        help_text="Used when the assessment is not assigned to every member.",
    )

    class Meta:
        model = Assessment
        fields = [
            "team",
            "title",
            "instructions",
            "time_limit_minutes",
            "pass_mark",
            "attempts_allowed",
            "opens_at",
            "closes_at",
            "shuffle_questions",
            "shuffle_choices",
            "answers_shown",
            "assigned_to_all",
            "assignees",
        ]
        labels = {
            "assigned_to_all": "Assign to every member of the team",
            "answers_shown": "Show right answers and explanations",
            "shuffle_choices": "Shuffle choices",
            "shuffle_questions": "Shuffle questions",
        }
        widgets = {"instructions": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: object, teams: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        if self.instance.pk:
            # Attempts belong to the team: an assessment stays with the team it was made for.
            del self.fields["team"]
            team_id = self.instance.team_id
            self.fields["assignees"].queryset = User.objects.filter(
                memberships__team_id=team_id
            ).order_by("username")
        else:
            del self.fields["assignees"]

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The window must close after it opens.")
        if (
            "assignees" in self.fields
            and not data.get("assigned_to_all")
            and not data.get("assignees")
        ):
            self.add_error("assignees", "Choose the members, or assign it to every member.")
        return data


class AddQuestionForm(forms.Form):
    question = forms.ModelChoiceField(
        queryset=Question.objects.all(), to_field_name="slug", label="Question"
    )


class AddDrawForm(forms.Form):
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), to_field_name="slug")
    count = forms.IntegerField(min_value=1, max_value=100, initial=5, label="How many")
    difficulty = forms.TypedChoiceField(
        choices=[("", "Any level"), ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3")],
        coerce=int,
        empty_value=None,
        required=False,
        label="Level",
    )

"""Forms of building an assessment: its settings, a fixed question, a random draw."""

from __future__ import annotations

from django import forms

from studyapp.accounts.models import Team, User
from studyapp.banks.models import Question, Topic

from .models import Assessment

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_TIME_LIMIT = 30
DEFAULT_PASS_MARK = 70
DEFAULT_ATTEMPTS = 1


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class AssessmentForm(forms.ModelForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    time_limit_minutes = forms.IntegerField(
        label="Time limit (minutes)",
        min_value=1,
        max_value=600,
        required=False,
        initial=DEFAULT_TIME_LIMIT,
        help_text=f"Per attempt, from when the member starts. Empty: {DEFAULT_TIME_LIMIT}.",
    )
    pass_mark = forms.IntegerField(
        label="Pass mark (%)",
        min_value=0,
        max_value=100,
        required=False,
        initial=DEFAULT_PASS_MARK,
        help_text=f"The share of questions right to pass. Empty: {DEFAULT_PASS_MARK}%.",
    )
    attempts_allowed = forms.IntegerField(
        label="Attempts per member",
        min_value=1,
        max_value=20,
        required=False,
        initial=DEFAULT_ATTEMPTS,
        help_text="The best one counts in the report. Empty: 1.",
    )
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
        help_texts = {
            "instructions": "Markdown, shown to members before they start. Optional.",
            "answers_shown": "To members, on their result page. You always see them.",
        }

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

    def clean_time_limit_minutes(self) -> int:
        value = self.cleaned_data.get("time_limit_minutes")
        return DEFAULT_TIME_LIMIT if value is None else value

    def clean_pass_mark(self) -> int:
        value = self.cleaned_data.get("pass_mark")
        return DEFAULT_PASS_MARK if value is None else value

    def clean_attempts_allowed(self) -> int:
        value = self.cleaned_data.get("attempts_allowed")
        return DEFAULT_ATTEMPTS if value is None else value

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


LEVEL_CHOICES = [("", "Any level"), ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3")]


def _type_choices() -> list[tuple[str, str]]:
    """Question types an assessment can hold (flashcards are self-graded)."""
    kinds = [(value, label) for value, label in Question.Type.choices if value != "flashcard"]
    return [("", "Any type"), *kinds]


class QuestionSearchForm(forms.Form):
    """The question picker's filters (a GET form: its URL can be bookmarked and shared)."""

    q = forms.CharField(label="Words", max_length=200, required=False, strip=True)
    topic = forms.ChoiceField(label="Topic", required=False)
    type = forms.ChoiceField(label="Type", required=False, choices=_type_choices)
    level = forms.TypedChoiceField(
        label="Level", required=False, choices=LEVEL_CHOICES, coerce=int, empty_value=None
    )

    def __init__(self, *args: object, topics: list[Topic], **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Any topic")] + [(t.slug, t.title) for t in topics]
        self.fields["q"].widget.attrs.update(
            placeholder="e.g. nodePort, readiness, headless", type="search", autocomplete="off"
        )


class AddRandomForm(forms.Form):
    """Pick N questions of a topic at random now (optionally of one type and level)."""

    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), to_field_name="slug")
    count = forms.IntegerField(min_value=1, max_value=50, initial=5, label="How many")
    type = forms.ChoiceField(required=False, choices=_type_choices)
    level = forms.TypedChoiceField(
        required=False, choices=LEVEL_CHOICES, coerce=int, empty_value=None
    )


class MoveItemForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

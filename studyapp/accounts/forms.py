"""Forms of accounts and teams: signing up, resetting a password, naming a team, inviting."""

from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.db.models import Q

from .models import Membership, User


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


class SignUpForm(UserCreationForm):
    """A new account: a username, an optional e-mail address, a password typed twice."""

    email = forms.EmailField(
        label="E-mail (optional)",
        required=False,
        max_length=254,
        help_text=(
            "Only to send you a link if you forget your password; only administrators see it."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields[
            "username"
        ].help_text = (
            "What your team sees: letters, digits and @/./+/-/_ only, up to 150 characters."
        )
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields[
            "password1"
        ].help_text = (
            "At least 8 characters, not only digits, not a common password, not like your username."
        )


class PasswordResetRequestForm(PasswordResetForm):
    """Ask for a reset link by username or by e-mail; the link goes to the account's e-mail."""

    email = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def get_users(self, email: str) -> Iterator[User]:
        """Return the active accounts named or addressed so, that have an e-mail to send to."""
        login = email.strip()
        users = User.objects.filter(is_active=True).filter(
            Q(username__iexact=login) | Q(email__iexact=login)
        )
        return (user for user in users if user.email and user.has_usable_password())


class ProfileForm(forms.ModelForm):
    """What a person may change of their own account: their name and e-mail address."""

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email")
        labels = {"email": "E-mail"}
        help_texts = {"email": "Where a password reset link is sent. Only administrators see it."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

"""Who uses Kubeprep, and the teams they belong to."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class User(AbstractUser):
    """A learner, a team lead or an admin: one account, roles come from teams and is_staff."""

    def __str__(self) -> str:
        return self.get_username()


class TeamQuerySet(models.QuerySet):
    def for_user(self, user: object) -> TeamQuerySet:
        """Teams the user belongs to, in any role."""
        return self.filter(memberships__user=user)


class Team(models.Model):
    """A group of engineers a lead onboards together."""

    name = models.CharField(max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One user in one team, as its lead or as a member."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_team_user_unique")
        ]
        indexes = [models.Index(fields=["user", "role"], name="membership_user_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_lead(self) -> bool:
        return self.role == self.Role.LEAD


def new_invite_token() -> str:
    """Return an unguessable invite token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class InviteQuerySet(models.QuerySet):
    def usable(self, now: datetime) -> InviteQuerySet:
        """Invites that can still be accepted: not revoked, not expired, not used up."""
        return (
            self.filter(revoked_at__isnull=True, expires_at__gt=now)
            .filter(Q(max_uses__isnull=True) | Q(use_count__lt=models.F("max_uses")))
            .order_by("-created_at", "-pk")
        )


class Invite(models.Model):
    """A link that lets whoever holds it join a team, until it expires or is revoked."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True, default=new_invite_token, editable=False)
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: anyone with the link can join until it expires."
    )
    use_count = models.PositiveIntegerField(default=0)

    objects = InviteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invite_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="invite_max_uses_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"invite to {self.team} (until {self.expires_at:%Y-%m-%d %H:%M})"

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_used_up(self) -> bool:
        return self.max_uses is not None and self.use_count >= self.max_uses

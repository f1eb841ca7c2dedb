"""Writes of accounts and teams: signing up, creating a team, inviting, joining, removing
members, a lead's password reset link. Each one atomic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Invite, Membership, Team, User


class TeamError(Exception):
    """A team action that cannot be done, with a message for the person who tried."""


class AccountError(Exception):
    """An account that cannot be made or reset, with a message for the person who tried."""


@dataclass(frozen=True)
class Joined:
    membership: Membership
    already_member: bool


def create_team(*, name: str, lead: User) -> Team:
    """Create a team with `lead` as its first lead."""
    with transaction.atomic():
        team = Team.objects.create(name=name.strip())
        Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
    return team


def create_invite(
    *,
    team: Team,
    created_by: User,
    now: datetime,
    valid_for: timedelta,
    role: str = Membership.Role.MEMBER,
    max_uses: int | None = None,
) -> Invite:
    """Create an invite link to `team` that expires after `valid_for`."""
    if valid_for <= timedelta(0):
        raise TeamError("An invite must be valid for some time.")
    return Invite.objects.create(
        team=team,
        created_by=created_by,
        role=role,
        created_at=now,
        expires_at=now + valid_for,
        max_uses=max_uses,
    )


def revoke_invite(*, invite: Invite, now: datetime) -> Invite:
    """Revoke an invite: its link stops working at once (revoking twice changes nothing)."""
    Invite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(revoked_at=now)
    invite.refresh_from_db(fields=["revoked_at"])
    return invite


def accept_invite(*, token: str, user: User, now: datetime) -> Joined:
    """Add `user` to the invite's team; joining twice keeps the one membership.

    Raises TeamError with the reason when the link is unknown, revoked, expired or used up.
    """
    with transaction.atomic():
        invite = Invite.objects.select_for_update(of=("self",)).select_related("team")
        invite = invite.filter(token=token).first()
        if invite is None:
            raise TeamError("This invite link is not valid. Ask your team lead for a new one.")
        existing = Membership.objects.filter(team=invite.team, user=user).first()
        if existing is not None:
            return Joined(existing, already_member=True)
        problem = invite_problem(invite, now)
        if problem:
            raise TeamError(problem)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    team=invite.team, user=user, role=invite.role
                )
        except IntegrityError:
            return Joined(Membership.objects.get(team=invite.team, user=user), already_member=True)
        Invite.objects.filter(pk=invite.pk).update(use_count=F("use_count") + 1)
    return Joined(membership, already_member=False)


def invite_problem(invite: Invite, now: datetime) -> str | None:
    """Return why an invite can no longer be accepted, or None when it can."""
    if invite.is_revoked:
        return f"This invite link to {invite.team} was revoked. Ask your team lead for a new one."
    if invite.is_expired(now):
        return (
            f"This invite link to {invite.team} expired on "
            f"{invite.expires_at:%Y-%m-%d at %H:%M} UTC. Ask your team lead for a new one."
        )
    if invite.is_used_up:
        return (
            f"This invite link to {invite.team} has already been used. "
            "Ask your team lead for a new one."
        )
    return None


def remove_member(*, membership: Membership) -> None:
    """Remove someone from a team; a team always keeps at least one lead."""
    with transaction.atomic():
        leads = list(
            Membership.objects.select_for_update()
            .filter(team_id=membership.team_id, role=Membership.Role.LEAD)
            .values_list("pk", flat=True)
        )
        if leads == [membership.pk]:
            raise TeamError("A team needs a lead: invite another lead before removing this one.")
        Membership.objects.filter(pk=membership.pk).delete()


# Accounts ---------------------------------------------------------------------------------------


def create_account(*, username: str, email: str, password: str) -> User:
    """Create an account (no staff rights) with this password; AccountError if the name is taken.

    The password must already be validated (the sign-up form does it against the new user).
    """
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError as error:
        raise AccountError(f"The username “{username}” was just taken. Choose another.") from error


def sign_up_with_invite(
    *, username: str, email: str, password: str, token: str, now: datetime
) -> Joined:
    """Create an account and join the invite's team in one step: both happen, or neither.

    Raises TeamError (nothing created) when the link is unknown, revoked, expired or used up.
    """
    with transaction.atomic():
        user = create_account(username=username, email=email, password=password)
        return accept_invite(token=token, user=user, now=now)


def reset_link_problem(*, lead: User, membership: Membership) -> str | None:
    """Return why `lead` may not make a password reset link for this member, or None."""
    user = membership.user
    if user.pk == lead.pk:
        return "Change your own password from your account page."
    if membership.role != Membership.Role.MEMBER:
        return f"{user} is a lead of {membership.team}: leads reset their own password."
    if user.is_staff or user.is_superuser:
        return f"{user} is an administrator: only they, or another administrator, can reset it."
    if not user.is_active:
        return f"{user}'s account is deactivated."
    return None


def password_reset_path(*, lead: User, membership: Membership) -> str:
    """Return the path of a one-time link that sets the member's password.

    The link stops working once it has been used (or the password changed another way) and after
    PASSWORD_RESET_TIMEOUT. Raises AccountError when the lead may not reset this member.
    """
    problem = reset_link_problem(lead=lead, membership=membership)
    if problem:
        raise AccountError(problem)
    user = membership.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})

"""Who can see what of teams: every team page starts here, and 404s for anyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from .models import Invite, Membership, Team, User


@dataclass(frozen=True)
class TeamAccess:
    """A team as one user may see it."""

    team: Team
    is_lead: bool


def teams_for(user: User) -> QuerySet[Team]:
    """Return the user's teams with `my_role` and `member_count`, by name."""
    mine = Membership.objects.filter(team=OuterRef("pk"), user=user)
    return (
        Team.objects.filter(Exists(mine))
        .annotate(
            my_role=Subquery(mine.values("role")[:1]),
            member_count=Count("memberships", distinct=True),
        )
        .order_by("name", "pk")
    )


def led_teams(user: User) -> QuerySet[Team]:
    """Return the teams the user may manage: those they lead, or every team for staff."""
    if user.is_staff:
        return Team.objects.order_by("name", "pk")
    return Team.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.LEAD
    ).order_by("name", "pk")


def get_team_for(user: User, pk: int) -> TeamAccess:
    """Return a team its members, its leads and staff may see; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404("No such team.")
    team = (
        Team.objects.filter(pk=pk)
        .annotate(
            my_role=Subquery(
                Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
            )
        )
        .first()
    )
    if team is None or (team.my_role is None and not user.is_staff):
        raise Http404("No such team.")
    return TeamAccess(team, is_lead=user.is_staff or team.my_role == Membership.Role.LEAD)


def get_led_team_for(user: User, pk: int) -> Team:
    """Return a team the user leads (or any team for staff); 404 for anyone else."""
    access = get_team_for(user, pk)
    if not access.is_lead:
        raise Http404("No such team.")
    return access.team


def team_members(team: Team) -> list[Membership]:
    """Return the team's memberships with their users: leads first, then by username."""
    return list(
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__username")
    )


def usable_invites(team: Team, now: datetime) -> list[Invite]:
    """Return the team's invite links that still work, newest first."""
    return list(Invite.objects.filter(team=team).usable(now))


def invite_by_token(token: str) -> Invite | None:
    """Return the invite with this token, if any (whatever its state)."""
    return Invite.objects.select_related("team").filter(token=token).first()

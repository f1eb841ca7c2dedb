"""Team pages: my teams, one team's members and invite links, joining by a link."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from studyapp.core.http import HtmxHttpRequest, is_fragment_request

from . import selectors, services
from .forms import InviteForm, TeamForm
from .models import Membership


@login_required
@require_GET
def team_list(request: HtmxHttpRequest) -> TemplateResponse:
    """The teams I belong to, and a form to start one."""
    teams = list(selectors.teams_for(request.user))
    return TemplateResponse(
        request, "accounts/team_list.html", {"teams": teams, "form": TeamForm()}
    )


@login_required
@require_POST
def team_create(request: HtmxHttpRequest) -> HttpResponse:
    """Start a team; its creator becomes its lead."""
    form = TeamForm(request.POST)
    if not form.is_valid():
        teams = list(selectors.teams_for(request.user))
        context = {"teams": teams, "form": form}
        return TemplateResponse(request, "accounts/team_list.html", context, status=400)
    team = services.create_team(name=form.cleaned_data["name"], lead=request.user)
    messages.success(request, f"Team “{team}” created. Invite its members with a link.")
    return redirect("team_detail", team.pk)


def _team_context(request: HtmxHttpRequest, access: selectors.TeamAccess, **extra) -> dict:
    context = {
        "team": access.team,
        "is_lead": access.is_lead,
        "memberships": selectors.team_members(access.team),
        "invite_form": InviteForm(),
        **extra,
    }
    if access.is_lead:
        context["invites"] = selectors.usable_invites(access.team, timezone.now())
    return context


def _render_team(request: HtmxHttpRequest, context: dict, status: int = 200) -> TemplateResponse:
    fragment = is_fragment_request(request)
    template = "accounts/team_detail.html#team-panel" if fragment else "accounts/team_detail.html"
    response = TemplateResponse(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _after_change(request: HtmxHttpRequest, team_id: int) -> HttpResponse:
    if is_fragment_request(request):
        return _render_team(
            request, _team_context(request, selectors.get_team_for(request.user, team_id))
        )
    return redirect("team_detail", team_id)


@login_required
@require_GET
def team_detail(request: HtmxHttpRequest, pk: int) -> TemplateResponse:
    """A team's members; its leads also see the invite links and can remove members."""
    access = selectors.get_team_for(request.user, pk)
    return _render_team(request, _team_context(request, access))


@login_required
@require_POST
def invite_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Make a new invite link to the team (leads only)."""
    team = selectors.get_led_team_for(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        access = selectors.TeamAccess(team, is_lead=True)
        return _render_team(request, _team_context(request, access, invite_form=form), status=400)
    invite = services.create_invite(
        team=team,
        created_by=request.user,
        now=timezone.now(),
        valid_for=timedelta(days=form.cleaned_data["valid_for_days"]),
        role=form.cleaned_data["role"],
        max_uses=1 if form.cleaned_data["single_use"] else None,
    )
    messages.success(
        request, f"Invite link created; it works until {invite.expires_at:%Y-%m-%d %H:%M} UTC."
    )
    return _after_change(request, team.pk)


@login_required
@require_POST
def invite_revoke(request: HtmxHttpRequest, pk: int, invite_pk: int) -> HttpResponse:
    """Revoke one of the team's invite links (leads only)."""
    team = selectors.get_led_team_for(request.user, pk)
    invite = get_object_or_404(team.invites, pk=invite_pk)
    services.revoke_invite(invite=invite, now=timezone.now())
    messages.success(request, "Invite link revoked: it no longer works.")
    return _after_change(request, team.pk)


@login_required
@require_POST
def member_remove(request: HtmxHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Remove someone from the team (leads only)."""
    team = selectors.get_led_team_for(request.user, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, team=team
    )
    try:
        services.remove_member(membership=membership)
    except services.TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user} was removed from {team}.")
        if membership.user_id == request.user.pk and not request.user.is_staff:
            # A lead who left can no longer see the team page.
            if is_fragment_request(request):
                return HttpResponseClientRedirect(reverse("team_list"))
            return redirect("team_list")
    return _after_change(request, team.pk)


@login_required
@require_http_methods(["GET", "POST"])
def invite_accept(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Join a team by its invite link: the page asks, a POST joins."""
    invite = selectors.invite_by_token(token)
    if invite is None:
        raise Http404("This invite link is not valid.")
    now = timezone.now()
    if request.method == "POST":
        try:
            joined = services.accept_invite(token=token, user=request.user, now=now)
        except services.TeamError as error:
            context = {"invite": invite, "problem": str(error)}
            return TemplateResponse(request, "accounts/invite.html", context, status=410)
        if joined.already_member:
            messages.info(request, f"You are already in {invite.team}.")
        else:
            messages.success(request, f"Welcome to {invite.team}.")
        return redirect("team_detail", invite.team_id)
    is_member = Membership.objects.filter(team=invite.team, user=request.user).exists()
    problem = None if is_member else services.invite_problem(invite, now)
    context = {"invite": invite, "problem": problem, "is_member": is_member}
    return TemplateResponse(
        request, "accounts/invite.html", context, status=410 if problem else 200
    )

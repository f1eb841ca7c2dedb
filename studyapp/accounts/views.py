"""Account and team pages: signing up (by invite, or openly when allowed), one's account and
password, my teams, a team's members and invite links, joining by a link.

The team page itself is composed by the assessments app (it lists the team's assessments, and
accounts never imports assessments); this app serves its members-and-invites panel
(`accounts/_team_panel.html`) and every write on it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from studyapp.core.confirm import confirm_page, is_confirmed
from studyapp.core.http import HtmxHttpRequest, is_fragment_request

from . import ratelimit, selectors, services
from .forms import InviteForm, PasswordResetRequestForm, ProfileForm, SignUpForm, TeamForm
from .models import Membership

MODEL_BACKEND = "studyapp.accounts.backends.ModelBackend"


def _safe_next(request: HtmxHttpRequest, default: str) -> str:
    """Return the `next` the request names when it points at this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _too_many(request: HtmxHttpRequest, verdict: ratelimit.Verdict, what: str) -> TemplateResponse:
    minutes = max(1, round(verdict.retry_after / 60))
    context = {"what": what, "minutes": minutes}
    response = TemplateResponse(request, "accounts/too_many.html", context, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


# Signing up -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HtmxHttpRequest) -> HttpResponse:
    """Make an account without an invite, when SIGNUP_OPEN allows it."""
    if not settings.SIGNUP_OPEN:
        status = 403 if request.method == "POST" else 200
        return TemplateResponse(request, "accounts/signup_closed.html", {}, status=status)
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        verdict = ratelimit.hit_request(request, "signup", settings.SIGNUP_RATE_LIMIT)
        if verdict.is_limited:
            return _too_many(request, verdict, "sign-ups")
        if form.is_valid():
            try:
                user = services.create_account(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                )
            except services.AccountError as error:
                form.add_error("username", str(error))
            else:
                login(request, user, backend=MODEL_BACKEND)
                messages.success(
                    request,
                    f"Welcome, {user}. Study the topics below, or start a team to onboard others.",
                )
                return redirect(_safe_next(request, reverse("home")))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": _safe_next(request, "")}
    return TemplateResponse(request, "accounts/signup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def invite_accept(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """Join a team by its invite link: logged in, a button joins; logged out, the page names
    the team and makes an account that joins it in one step (or logs in and comes back)."""
    invite = selectors.invite_by_token(token)
    if invite is None:
        raise Http404("This invite link is not valid.")
    now = timezone.now()
    if not request.user.is_authenticated:
        return _invite_sign_up(request, invite, now)
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


def _invite_sign_up(request: HtmxHttpRequest, invite: object, now: object) -> HttpResponse:
    problem = services.invite_problem(invite, now)
    form = SignUpForm(request.POST or None)
    context = {"invite": invite, "problem": problem, "form": form}
    if problem:
        return TemplateResponse(request, "accounts/invite.html", context, status=410)
    if request.method == "POST":
        verdict = ratelimit.hit_request(request, "signup", settings.SIGNUP_RATE_LIMIT)
        if verdict.is_limited:
            return _too_many(request, verdict, "sign-ups")
        if form.is_valid():
            try:
                joined = services.sign_up_with_invite(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    token=invite.token,
                    now=now,
                )
            except services.AccountError as error:
                form.add_error("username", str(error))
            except services.TeamError as error:
                context["problem"] = str(error)
                return TemplateResponse(request, "accounts/invite.html", context, status=410)
            else:
                login(request, joined.membership.user, backend=MODEL_BACKEND)
                messages.success(request, f"Welcome to {invite.team}, {joined.membership.user}.")
                return redirect("team_detail", invite.team_id)
        return TemplateResponse(request, "accounts/invite.html", context, status=400)
    return TemplateResponse(request, "accounts/invite.html", context)


# One's account and password ---------------------------------------------------------------------


def _reset_timeout_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HtmxHttpRequest) -> HttpResponse:
    """My account: name and e-mail (where reset links go), and a link to change the password."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your account is saved.")
            return redirect("account")
        return TemplateResponse(request, "accounts/account.html", {"form": form}, status=400)
    return TemplateResponse(request, "accounts/account.html", {"form": form})


class NoLabelColon:
    """Labels without Django's trailing colon, as on every other form of the app."""

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "label_suffix": ""}  # type: ignore[misc]


class PasswordChangeView(NoLabelColon, auth_views.PasswordChangeView):
    """Change my password (the old one first); other sessions of mine are logged out."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: object) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response


class PasswordResetView(NoLabelColon, auth_views.PasswordResetView):
    """Ask for a reset link by username or e-mail, a few times an hour per address at most."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict:
        return {"timeout_days": _reset_timeout_days()}

    def post(self, request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        verdict = ratelimit.hit_request(
            request, "password_reset", settings.PASSWORD_RESET_RATE_LIMIT
        )
        if verdict.is_limited:
            return _too_many(request, verdict, "password reset requests")
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs: object) -> dict:
        return {**super().get_context_data(**kwargs), "timeout_days": _reset_timeout_days()}


class PasswordResetConfirmView(NoLabelColon, auth_views.PasswordResetConfirmView):
    """Set a new password from a reset link (mailed, or made by a team lead); it works once."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# Teams ------------------------------------------------------------------------------------------


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
    """Start a team; its creator becomes its lead. Goes on to `next` (e.g. a new assessment)."""
    form = TeamForm(request.POST)
    if not form.is_valid():
        teams = list(selectors.teams_for(request.user))
        context = {"teams": teams, "form": form}
        return TemplateResponse(request, "accounts/team_list.html", context, status=400)
    team = services.create_team(name=form.cleaned_data["name"], lead=request.user)
    messages.success(request, f"Team “{team}” created. Invite its members with a link.")
    return redirect(_safe_next(request, reverse("team_detail", args=[team.pk])))


def team_panel_context(request: HtmxHttpRequest, access: selectors.TeamAccess, **extra) -> dict:
    """Return what `accounts/_team_panel.html` shows: members, and for leads the invite links."""
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


def _render_panel(request: HtmxHttpRequest, context: dict, status: int = 200) -> TemplateResponse:
    response = TemplateResponse(request, "accounts/_team_panel.html", context, status=status)
    response["Vary"] = "HX-Request"
    return response


def _after_change(request: HtmxHttpRequest, team_id: int, **extra) -> HttpResponse:
    if is_fragment_request(request):
        access = selectors.get_team_for(request.user, team_id)
        return _render_panel(request, team_panel_context(request, access, **extra))
    return redirect("team_detail", team_id)


@login_required
@require_POST
def invite_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Make a new invite link to the team (leads only)."""
    team = selectors.get_led_team_for(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        if not is_fragment_request(request):
            messages.error(request, "Choose how long the link works and the role it gives.")
            return redirect("team_detail", team.pk)
        access = selectors.TeamAccess(team, is_lead=True)
        return _render_panel(request, team_panel_context(request, access, invite_form=form), 400)
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
    """Revoke one of the team's invite links (leads only), once confirmed."""
    team = selectors.get_led_team_for(request.user, pk)
    invite = get_object_or_404(team.invites, pk=invite_pk)
    if not is_confirmed(request):
        return confirm_page(
            request,
            title="Revoke this invite link?",
            question=f"Nobody can join {team} with it any more; people who joined stay.",
            button="Revoke the link",
            cancel_url=reverse("team_detail", args=[team.pk]),
        )
    services.revoke_invite(invite=invite, now=timezone.now())
    messages.success(request, "Invite link revoked: it no longer works.")
    return _after_change(request, team.pk)


@login_required
@require_POST
def member_remove(request: HtmxHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Remove someone from the team (leads only), once confirmed."""
    team = selectors.get_led_team_for(request.user, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, team=team
    )
    if not is_confirmed(request):
        return confirm_page(
            request,
            title=f"Remove {membership.user} from {team}?",
            question=(
                f"{membership.user} no longer sees the team or its assessments; their results "
                "stay in the reports. You can invite them again."
            ),
            button="Remove",
            cancel_url=reverse("team_detail", args=[team.pk]),
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
@require_POST
def member_reset_link(request: HtmxHttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    """Make a one-time link that sets a member's password, for the lead to pass on."""
    team = selectors.get_led_team_for(request.user, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "team"), pk=membership_pk, team=team
    )
    try:
        path = services.password_reset_path(lead=request.user, membership=membership)
    except services.AccountError as error:
        messages.error(request, str(error))
        return _after_change(request, team.pk)
    reset = {
        "membership_id": membership.pk,
        "user": membership.user,
        "url": request.build_absolute_uri(path),
        "valid_days": _reset_timeout_days(),
    }
    if is_fragment_request(request):
        access = selectors.TeamAccess(team, is_lead=True)
        return _render_panel(request, team_panel_context(request, access, reset=reset))
    return TemplateResponse(request, "accounts/reset_link.html", {"team": team, "reset": reset})

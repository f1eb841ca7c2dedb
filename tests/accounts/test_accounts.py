"""Accounts without the admin: sign-up by invite (and openly when allowed), rate limits, password
change and reset in the app's own pages, a lead's one-time password link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from studyapp.accounts import ratelimit, services
from studyapp.accounts.models import Invite, Membership, User
from tests.factories import InviteFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
GOOD = {"username": "newcomer", "email": "new@example.com", "password1": "kube-proxy-rules-42",
        "password2": "kube-proxy-rules-42"}  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invite(team, lead):
    return InviteFactory(team=team, created_by=lead)


def logged_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None


# Sign-up through an invite ----------------------------------------------------------------------


def test_a_logged_out_visitor_sees_the_team_and_a_sign_up_form(client, invite):
    response = client.get(f"/invites/{invite.token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Join Platform onboarding" in html and "Create account and join" in html
    assert 'name="password1"' in html and 'name="email"' in html
    assert f"/accounts/login/?next=/invites/{invite.token}/" in html


def test_signing_up_through_an_invite_makes_the_account_joins_and_logs_in(client, invite, team):
    response = client.post(f"/invites/{invite.token}/", GOOD)
    assert response.status_code == 302 and response["Location"] == f"/teams/{team.pk}/"
    user = User.objects.get(username="newcomer")
    assert user.email == "new@example.com" and user.check_password("kube-proxy-rules-42")
    assert not user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user, team=team).role == "member"
    assert logged_in_user(client) == user
    invite.refresh_from_db()
    assert invite.use_count == 1
    html = client.get(response["Location"]).content.decode()
    assert html.count("Welcome to Platform onboarding, newcomer.") == 1


def test_an_invite_to_join_as_lead_makes_a_lead(client, team, lead):
    invite = InviteFactory(team=team, created_by=lead, role="lead")
    client.post(f"/invites/{invite.token}/", GOOD)
    assert Membership.objects.get(user__username="newcomer").role == "lead"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password2": "something-else-77"}, "The two password fields didn"),
        ({"password1": "password", "password2": "password"}, "This password is too common"),
        ({"password1": "12345678901", "password2": "12345678901"}, "entirely numeric"),
        ({"username": "MEMBER"}, "A user with that username already exists"),
        ({"username": "a b"}, "Enter a valid username"),
        ({"email": "not-an-address"}, "Enter a valid email address"),
    ],
)
def test_bad_sign_up_input_says_why_and_changes_nothing(client, invite, member, change, message):
    users = User.objects.count()
    response = client.post(f"/invites/{invite.token}/", {**GOOD, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert User.objects.count() == users and logged_in_user(client) is None
    invite.refresh_from_db()
    assert invite.use_count == 0


@pytest.mark.parametrize("state", ["expired", "revoked", "used up"])
def test_a_dead_invite_offers_no_sign_up_and_makes_no_account(client, team, lead, state):
    invite = InviteFactory(team=team, created_by=lead, max_uses=1)
    if state == "expired":
        Invite.objects.filter(pk=invite.pk).update(expires_at=NOW - timedelta(minutes=1),
                                                   created_at=NOW - timedelta(days=1))  # fmt: skip
    elif state == "revoked":
        services.revoke_invite(invite=invite, now=NOW)
    else:
        services.accept_invite(token=invite.token, user=UserFactory(), now=NOW)
    users = User.objects.count()
    page = client.get(f"/invites/{invite.token}/")
    assert page.status_code == 410 and 'name="password1"' not in page.content.decode()
    response = client.post(f"/invites/{invite.token}/", GOOD)
    assert response.status_code == 410 and "Ask your team lead for a new one" in (
        response.content.decode()
    )
    assert User.objects.count() == users


def test_signing_up_and_joining_happen_together_or_not_at_all(team, lead):
    """The link is used up between the form check and the write: the account is rolled back."""
    invite = InviteFactory(team=team, created_by=lead, max_uses=1, use_count=1)
    with pytest.raises(services.TeamError):
        services.sign_up_with_invite(username="late", email="", password="pw-late-42x",
                                     token=invite.token, now=NOW)  # fmt: skip
    assert not User.objects.filter(username="late").exists()


def test_a_taken_username_is_an_account_error(member):
    with pytest.raises(services.AccountError, match="was just taken"):
        services.create_account(username="member", email="", password="pw-12345-x")


def test_an_unknown_invite_is_404_logged_out_too(client):
    assert client.get("/invites/not-a-token/").status_code == 404
    assert client.post("/invites/not-a-token/", GOOD).status_code == 404
    assert not User.objects.filter(username="newcomer").exists()


# Open sign-up -----------------------------------------------------------------------------------


def test_open_sign_up_is_off_by_default(client, settings):
    from studyapp import settings as project_settings

    assert project_settings.SIGNUP_OPEN is False  # the default, read from no environment
    html = client.get("/accounts/signup/").content.decode()
    assert "Accounts by invitation" in html and 'name="password1"' not in html
    assert client.post("/accounts/signup/", GOOD).status_code == 403
    assert not User.objects.filter(username="newcomer").exists()
    login = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in login and "invite link" in login


def test_open_sign_up_when_the_setting_allows_it(client, settings):
    settings.SIGNUP_OPEN = True
    assert "/accounts/signup/" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/signup/?next=/teams/", GOOD)
    assert response.status_code == 302 and response["Location"] == "/teams/"
    user = User.objects.get(username="newcomer")
    assert logged_in_user(client) == user and not user.memberships.exists()
    # Logged in already: the page sends you home.
    assert client.get("/accounts/signup/")["Location"] == "/"
    client.logout()
    evil = client.post("/accounts/signup/", {**GOOD, "username": "second",
                                              "next": "https://evil.example/"})  # fmt: skip
    assert evil["Location"] == "/"


# Rate limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [("10/h", (10, 3600)), ("3/m", (3, 60)), (" 5 / d ", (5, 86400)), ("1/s", (1, 1))],
)
def test_parse_rate(text, rate):
    assert ratelimit.parse_rate(text) == ratelimit.Rate(*rate)


@pytest.mark.parametrize("text", ["", "10", "ten/h", "10/w", "-1/h", "10/hour"])
def test_parse_rate_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="like 10/h"):
        ratelimit.parse_rate(text)


def test_window_of_says_how_long_until_the_next_one():
    rate = ratelimit.Rate(5, 3600)
    assert ratelimit.window_of(7200.0, rate) == (2, 3600)
    assert ratelimit.window_of(10799.5, rate) == (2, 1)


def test_sign_up_is_rate_limited_per_address(client, invite, settings, frozen_clock):
    settings.SIGNUP_RATE_LIMIT = "3/h"
    url = f"/invites/{invite.token}/"
    for _ in range(3):  # bad input counts too: guessing usernames costs tries
        assert (
            client.post(url, {**GOOD, "password2": "x"}, REMOTE_ADDR="10.0.0.1").status_code == 400
        )
    refused = client.post(url, GOOD, REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not User.objects.filter(username="newcomer").exists()
    # Another address is not held back; the first one is again in the next hour.
    assert (
        client.post(url, {**GOOD, "username": "other"}, REMOTE_ADDR="10.0.0.2").status_code == 302
    )
    client.logout()
    frozen_clock.shift(timedelta(hours=1))
    assert client.post(url, GOOD, REMOTE_ADDR="10.0.0.1").status_code == 302


def test_open_sign_up_shares_the_limit(client, settings):
    settings.SIGNUP_OPEN = True
    settings.SIGNUP_RATE_LIMIT = "1/h"
    client.post("/accounts/signup/", {**GOOD, "password2": "x"})
    assert client.post("/accounts/signup/", GOOD).status_code == 429
    assert not User.objects.filter(username="newcomer").exists()


# Password change and reset ----------------------------------------------------------------------


def test_password_pages_are_the_apps_own(client, member):
    for url in ("/accounts/password/reset/", "/accounts/password/reset/sent/",
                "/accounts/reset/MQ/bad-token/", "/accounts/reset/done/"):  # fmt: skip
        html = client.get(url, follow=True).content.decode()
        assert "Django administration" not in html and "Kubeprep" in html, url
    client.force_login(member)
    html = client.get("/accounts/password/").content.decode()
    assert "Change your password" in html and "Django administration" not in html
    assert 'name="old_password"' in html


@pytest.mark.slow
def test_changing_my_password(client, member):
    client.force_login(member)
    wrong = client.post("/accounts/password/", {"old_password": "nope", "new_password1":
                        "kube-dns-rules-9", "new_password2": "kube-dns-rules-9"})  # fmt: skip
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in (
        wrong.content.decode()
    )
    member.refresh_from_db()
    assert member.check_password("pw-for-tests")
    response = client.post("/accounts/password/", {"old_password": "pw-for-tests",
                           "new_password1": "kube-dns-rules-9",
                           "new_password2": "kube-dns-rules-9"})  # fmt: skip
    assert response["Location"] == "/accounts/"
    member.refresh_from_db()
    assert member.check_password("kube-dns-rules-9")
    assert logged_in_user(client) == member  # still logged in here
    html = client.get("/accounts/").content.decode()
    assert html.count("Your password is changed.") == 1


def reset_link(message) -> str:
    return re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)


@pytest.mark.parametrize("login", ["member", "MEMBER@example.com"])
def test_a_reset_link_by_username_or_e_mail(client, member, mailoutbox, login):
    member.email = "member@example.com"
    member.save()
    response = client.post("/accounts/password/reset/", {"email": login})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["member@example.com"]
    assert mailoutbox[0].subject == "Your Kubeprep password link"
    assert "It works once, for 3 days" in mailoutbox[0].body


def test_a_reset_says_the_same_whoever_asks_and_mails_only_addresses(client, member, mailoutbox):
    for login in ("member", "nobody", "nobody@example.com"):  # member has no e-mail address
        response = client.post("/accounts/password/reset/", {"email": login})
        assert response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []
    html = client.get("/accounts/password/reset/sent/").content.decode()
    assert "ask your team lead" in html


def test_a_reset_link_works_once(client, member, mailoutbox):
    member.email = "member@example.com"
    member.save()
    client.post("/accounts/password/reset/", {"email": "member"})
    link = reset_link(mailoutbox[0])
    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "ingress-class-77", "new_password2":
                       "ingress-class-77"})  # fmt: skip
    assert done["Location"] == "/accounts/reset/done/"
    member.refresh_from_db()
    assert member.check_password("ingress-class-77")
    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_reset_requests_are_rate_limited(client, member, settings, mailoutbox):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/h"
    member.email = "member@example.com"
    member.save()
    for _ in range(2):
        client.post("/accounts/password/reset/", {"email": "member"})
    refused = client.post("/accounts/password/reset/", {"email": "member"})
    assert refused.status_code == 429 and "Too many password reset requests" in (
        refused.content.decode()
    )
    assert len(mailoutbox) == 2


@pytest.mark.slow
def test_e_mail_goes_to_the_console_in_development_and_smtp_in_production():
    from tests.core.test_production import run_production

    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    production = run_production("-c", code, DJANGO_SETTINGS_MODULE="studyapp.settings")
    assert production.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend"
    development = run_production("-c", code, DJANGO_SETTINGS_MODULE="studyapp.settings",
                                 DJANGO_ENV="development")  # fmt: skip
    assert development.stdout.strip() == "django.core.mail.backends.console.EmailBackend"
    chosen = run_production("-c", code, DJANGO_SETTINGS_MODULE="studyapp.settings",
                            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")  # fmt: skip
    assert chosen.stdout.strip() == "django.core.mail.backends.dummy.EmailBackend"


# A lead's one-time password link ----------------------------------------------------------------


def test_a_lead_makes_a_one_time_password_link_for_a_member(client, team, lead, member):
    membership = Membership.objects.get(user=member)
    client.force_login(lead)
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert f"/teams/{team.pk}/members/{membership.pk}/reset-link/" in page
    response = client.post(f"/teams/{team.pk}/members/{membership.pk}/reset-link/", **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="team-panel"')
    link = re.search(r"http://testserver(/accounts/reset/[^<\s]+/)", body).group(1)
    assert "once, within 3 days" in body
    # The member (logged out) sets a password with it; it then stops working.
    client.logout()
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": "service-mesh-31", "new_password2": "service-mesh-31"})
    member.refresh_from_db()
    assert member.check_password("service-mesh-31")
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_the_plain_form_shows_the_link_on_its_own_page(client, team, lead, member):
    membership = Membership.objects.get(user=member)
    client.force_login(lead)
    html = client.post(f"/teams/{team.pk}/members/{membership.pk}/reset-link/").content.decode()
    assert "Password link for member" in html and "/accounts/reset/" in html
    member.refresh_from_db()
    assert member.check_password("pw-for-tests")  # nothing changes until the link is used


def test_no_password_link_for_leads_admins_oneself_or_others(client, team, lead, member,
                                                            other_lead):  # fmt: skip
    second_lead = MembershipFactory(team=team, role="lead", user=UserFactory(username="co-lead"))
    admin_member = MembershipFactory(team=team, user=UserFactory(username="root", is_staff=True))
    own = Membership.objects.get(user=lead)
    client.force_login(lead)
    for membership, reason in [(second_lead, "leads reset their own password"),
                               (admin_member, "is an administrator"),
                               (own, "Change your own password")]:  # fmt: skip
        body = client.post(f"/teams/{team.pk}/members/{membership.pk}/reset-link/",
                           **HTMX).content.decode()  # fmt: skip
        assert reason in body and "/accounts/reset/" not in body
    membership = Membership.objects.get(user=member)
    url = f"/teams/{team.pk}/members/{membership.pk}/reset-link/"
    for user in (member, other_lead):
        client.force_login(user)
        assert client.post(url).status_code == 404
    client.logout()
    assert client.post(url).status_code == 302  # to log in


# My account -------------------------------------------------------------------------------------


def test_my_account_keeps_my_name_and_e_mail(client, member):
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")
    client.force_login(member)
    response = client.post("/accounts/", {"first_name": "Mia", "last_name": "Ember",
                                          "email": "mia@example.com"})  # fmt: skip
    assert response["Location"] == "/accounts/"
    member.refresh_from_db()
    assert (member.first_name, member.email) == ("Mia", "mia@example.com")
    bad = client.post("/accounts/", {"email": "nope"})
    assert bad.status_code == 400
    member.refresh_from_db()
    assert member.email == "mia@example.com"


# Asking before destroying -----------------------------------------------------------------------


def test_removing_a_member_and_revoking_a_link_ask_first(client, team, lead, member, invite):
    membership = Membership.objects.get(user=member)
    client.force_login(lead)
    page = client.get(f"/teams/{team.pk}/").content.decode()
    # Two Remove buttons (the lead and the member) and one Revoke, each asking first.
    assert page.count("hx-confirm=") == 3 and page.count('"confirmed": "1"') == 3
    remove = f"/teams/{team.pk}/members/{membership.pk}/remove/"
    asked = client.post(remove).content.decode()
    assert "Remove member from Platform onboarding?" in asked and 'name="confirmed"' in asked
    assert Membership.objects.filter(pk=membership.pk).exists()
    revoke = f"/teams/{team.pk}/invites/{invite.pk}/revoke/"
    assert "Revoke this invite link?" in client.post(revoke).content.decode()
    invite.refresh_from_db()
    assert invite.revoked_at is None
    client.post(remove, {"confirmed": "1"})
    client.post(revoke, {"confirmed": "1"})
    invite.refresh_from_db()
    assert not Membership.objects.filter(pk=membership.pk).exists() and invite.revoked_at


def test_a_new_team_goes_on_to_where_the_lead_was_going(client, outsider_user):
    client.force_login(outsider_user)
    response = client.post("/teams/new/", {"name": "SRE", "next": "/assessments/new/"})
    assert response["Location"] == "/assessments/new/"
    response = client.post("/teams/new/", {"name": "SRE 2", "next": "https://evil.example/"})
    assert response["Location"].startswith("/teams/")


@pytest.fixture
def outsider_user():
    return UserFactory(username="outsider")


def test_an_unreadable_rate_stops_the_start(settings):
    from django.core.checks import run_checks

    settings.SIGNUP_RATE_LIMIT = "10/hour"
    errors = [error for error in run_checks() if error.id == "accounts.E001"]
    assert len(errors) == 1 and "SIGNUP_RATE_LIMIT" in errors[0].msg
    settings.SIGNUP_RATE_LIMIT = "10/h"
    assert not [error for error in run_checks() if error.id == "accounts.E001"]

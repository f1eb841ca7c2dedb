"""Teams: creating one, invite links (expired, revoked, reused), removing members, who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from studyapp.accounts import services
from studyapp.accounts.models import Invite, Membership, Team
from tests.factories import InviteFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def outsider():
    return UserFactory(username="outsider")


def forbidden(client, method, url, users, data=None):
    client.logout()
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for user in users:
        client.force_login(user)
        assert getattr(client, method)(url, data or {}).status_code == 404, (url, user)
    client.logout()


def test_a_logged_in_user_creates_a_team_and_leads_it(client, outsider):
    client.force_login(outsider)
    assert "You are not in a team yet" in client.get("/teams/").content.decode()
    response = client.post("/teams/new/", {"name": "  SRE spring  "})
    team = Team.objects.get(name="SRE spring")
    assert response["Location"] == f"/teams/{team.pk}/"
    assert Membership.objects.get(team=team).role == "lead"
    html = client.get("/teams/").content.decode()
    assert "SRE spring" in html and "you are its lead" in html
    assert client.post("/teams/new/", {"name": "   "}).status_code == 400


def test_my_teams_lists_only_mine(client, team, member, other_lead):
    client.force_login(member)
    html = client.get("/teams/").content.decode()
    assert "Platform onboarding" in html and "a member" in html and "Team " not in html


def test_team_page_for_members_and_leads(client, team, lead, member):
    invite = InviteFactory(team=team, created_by=lead)
    client.force_login(member)
    html = client.get(f"/teams/{team.pk}/").content.decode()
    assert "member" in html and "lead" in html and invite.token not in html and "Remove" not in html
    client.force_login(lead)
    page = client.get(f"/teams/{team.pk}/")
    html = page.content.decode()
    assert f"http://testserver/invites/{invite.token}/" in html and "Remove" in html
    assert "HX-Request" in page["Vary"]
    fragment = client.get(f"/teams/{team.pk}/", **HTMX).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="team-panel"')


def test_team_views_forbidden_cases(client, team, lead, member, other_lead, outsider):
    invite = InviteFactory(team=team, created_by=lead)
    membership = Membership.objects.get(user=member)
    forbidden(client, "get", f"/teams/{team.pk}/", [other_lead, outsider])
    for path, data in [
        ("invites/", {"valid_for_days": "7", "role": "member"}),
        (f"invites/{invite.pk}/revoke/", None),
        (f"members/{membership.pk}/remove/", None),
    ]:
        forbidden(client, "post", f"/teams/{team.pk}/{path}", [other_lead, outsider, member], data)
    invite.refresh_from_db()
    assert invite.revoked_at is None and Invite.objects.count() == 1
    assert Membership.objects.filter(pk=membership.pk).exists()
    # Another team's object through this team's URL is a 404 too.
    mine = Membership.objects.get(user=other_lead)
    client.force_login(lead)
    assert client.post(f"/teams/{team.pk}/members/{mine.pk}/remove/").status_code == 404


def test_invite_tokens_are_long_random_and_unique(team, lead):
    tokens = {
        services.create_invite(
            team=team, created_by=lead, now=NOW, valid_for=timedelta(days=1)
        ).token
        for _ in range(50)
    }
    assert len(tokens) == 50 and all(len(token) >= 43 for token in tokens)


def test_lead_makes_an_invite_link_with_htmx(client, team, lead):
    client.force_login(lead)
    response = client.post(f"/teams/{team.pk}/invites/",
                           {"valid_for_days": "3", "role": "member", "single_use": "on"}, **HTMX)  # fmt: skip
    invite = Invite.objects.get()
    assert response.status_code == 200 and f"/invites/{invite.token}/" in response.content.decode()
    assert invite.expires_at == NOW + timedelta(days=3) and invite.max_uses == 1
    bad = client.post(f"/teams/{team.pk}/invites/", {"valid_for_days": "365"}, **HTMX)
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    plain = client.post(f"/teams/{team.pk}/invites/", {"valid_for_days": "365"}, follow=True)
    assert "Choose how long the link works" in plain.content.decode()
    assert Invite.objects.count() == 1


def test_joining_by_invite_link(client, team, lead, outsider):
    invite = InviteFactory(team=team, created_by=lead)
    url = f"/invites/{invite.token}/"
    html = client.get(url).content.decode()  # logged out: the team's name, sign up or log in
    assert "Join Platform onboarding" in html and f"/accounts/login/?next={url}" in html
    client.force_login(outsider)
    html = client.get(url).content.decode()
    assert (
        "Join Platform onboarding" in html and not Membership.objects.filter(user=outsider).exists()
    )
    response = client.post(url)
    assert response["Location"] == f"/teams/{team.pk}/"
    assert Membership.objects.get(user=outsider).role == "member"
    # Reused by the same person: still one membership.
    assert client.post(url)["Location"] == f"/teams/{team.pk}/"
    assert "already in this team" in client.get(url).content.decode()
    assert Membership.objects.filter(user=outsider).count() == 1
    invite.refresh_from_db()
    assert invite.use_count == 1
    # A shared (multi-use) link lets a second person join.
    client.force_login(UserFactory(username="second"))
    client.post(url)
    invite.refresh_from_db()
    assert invite.use_count == 2 and team.memberships.count() == 3


def test_a_single_use_link_cannot_be_reused_by_someone_else(client, team, lead, outsider):
    invite = InviteFactory(team=team, created_by=lead, max_uses=1)
    client.force_login(outsider)
    client.post(f"/invites/{invite.token}/")
    client.force_login(UserFactory(username="late"))
    for response in (
        client.get(f"/invites/{invite.token}/"),
        client.post(f"/invites/{invite.token}/"),
    ):
        assert response.status_code == 410
        assert "has already been used" in response.content.decode()
    assert team.memberships.count() == 2


def test_an_expired_link_says_so(client, team, lead, outsider, frozen_clock):
    invite = InviteFactory(team=team, created_by=lead, created_at=NOW,
                           expires_at=NOW + timedelta(days=1))  # fmt: skip
    frozen_clock.move_to(NOW + timedelta(days=1))
    client.force_login(outsider)
    response = client.get(f"/invites/{invite.token}/")
    html = response.content.decode()
    assert response.status_code == 410 and "expired on 2026-05-05 at 10:00 UTC" in html
    assert "<form" not in html.split('id="main"')[1]
    assert client.post(f"/invites/{invite.token}/").status_code == 410
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_revoked_link_says_so(client, team, lead, outsider):
    invite = InviteFactory(team=team, created_by=lead)
    client.force_login(lead)
    revoke = f"/teams/{team.pk}/invites/{invite.pk}/revoke/"
    assert client.post(revoke, {"confirmed": "1"}).status_code == 302
    assert invite.token not in client.get(f"/teams/{team.pk}/").content.decode()
    client.force_login(outsider)
    response = client.post(f"/invites/{invite.token}/")
    assert response.status_code == 410 and "was revoked" in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()


def test_an_unknown_token_is_404(client, outsider):
    client.force_login(outsider)
    assert client.get("/invites/not-a-real-token/").status_code == 404
    assert client.post("/invites/not-a-real-token/").status_code == 404


def test_lead_removes_a_member(client, team, lead, member):
    membership = Membership.objects.get(user=member)
    client.force_login(lead)
    response = client.post(
        f"/teams/{team.pk}/members/{membership.pk}/remove/", {"confirmed": "1"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and "member was removed" in body and "<html" not in body
    assert not Membership.objects.filter(pk=membership.pk).exists()
    client.force_login(member)
    assert client.get(f"/teams/{team.pk}/").status_code == 404


def test_the_last_lead_cannot_be_removed(client, team, lead, member):
    own = Membership.objects.get(user=lead)
    client.force_login(lead)
    response = client.post(f"/teams/{team.pk}/members/{own.pk}/remove/", {"confirmed": "1"})
    assert "A team needs a lead" in client.get(response["Location"]).content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()
    second = MembershipFactory(team=team, role="lead")
    response = client.post(f"/teams/{team.pk}/members/{own.pk}/remove/", {"confirmed": "1"})
    assert response["Location"] == "/teams/"
    assert not Membership.objects.filter(pk=own.pk).exists()
    assert Membership.objects.filter(pk=second.pk).exists()


def test_a_user_can_be_in_several_teams(outsider):
    for name in ("A", "B"):
        invite = InviteFactory(team=TeamFactory(name=name))
        services.accept_invite(token=invite.token, user=outsider, now=NOW)
    assert sorted(outsider.teams.values_list("name", flat=True)) == ["A", "B"]


def test_staff_create_teams_in_the_admin(client):
    staff = UserFactory(username="admin-user", is_staff=True, is_superuser=True)
    member = UserFactory(username="joiner")
    client.force_login(staff)
    assert client.get("/admin/accounts/team/add/").status_code == 200
    response = client.post("/admin/accounts/team/add/", {
        "name": "From the admin",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": member.pk, "memberships-0-role": "lead",
        "invites-TOTAL_FORMS": "0", "invites-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(name="From the admin")
    assert team.memberships.get().user == member
    # Staff see and manage every team.
    assert client.get(f"/teams/{team.pk}/").status_code == 200

"""Security: a strict CSP with no inline script, login throttling, CSRF on htmx posts."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from studyapp.banks.models import Question
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())


PAGES = ["/", "/topics/service-types/", "/snippets/example-nodeport/", "/accounts/login/",
         "/study/", "/study/settings/", "/study/practice/?topic=service-types", "/progress/"]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_a_strict_csp_and_no_inline_script_or_style(client, example, url):
    client.force_login(UserFactory(username="reader"))
    response = client.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_HANDLER.search(html)
    assert ' style="' not in html


@pytest.mark.slow
def test_logins_are_throttled_per_username_and_address(client):
    UserFactory(username="ann", password="right-password-1")
    statuses = [
        client.post("/accounts/login/", {"username": "ann", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure reaches the limit
    locked = client.post("/accounts/login/", {"username": "ann", "password": "right-password-1"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    UserFactory(username="bob", password="right-password-2")
    other = client.post("/accounts/login/", {"username": "bob", "password": "right-password-2"})
    assert other.status_code == 302


def test_htmx_posts_need_the_csrf_header(example):
    user = UserFactory(username="csrf")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/study/").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    question = re.search(r'name="question" value="(\d+)"', page).group(1)
    data = {"question": question, "version": "0", "truth": "true", "choice": "0"}
    assert client.post("/study/answer/", data, HTTP_HX_REQUEST="true").status_code == 403
    ok = client.post("/study/answer/", data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200
    assert Question.objects.filter(pk=question).exists()


def _login(client, username, password, forwarded_for):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.7",  # the Ingress controller: the same for every client
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.slow
def test_behind_the_ingress_a_flood_from_one_client_never_locks_the_account_for_others(
    client, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="ann", password="right-password-1")
    # The attacker forges entries on the left; the Ingress appends the address it saw.
    statuses = [
        _login(client, "ann", "wrong", f"198.51.100.{i}, 203.0.113.9").status_code for i in range(6)
    ]
    assert statuses[-2:] == [429, 429]
    assert _login(client, "ann", "right-password-1", "203.0.113.9").status_code == 429
    # Ann, from her own address through the same proxy, still gets in.
    assert _login(Client(), "ann", "right-password-1", "192.0.2.44").status_code == 302


@pytest.mark.slow
def test_without_trusted_proxies_a_forwarded_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(username="ann", password="right-password-1")
    for i in range(5):
        _login(client, "ann", "wrong", f"198.51.100.{i}")  # a new forged address each time
    assert _login(client, "ann", "right-password-1", "192.0.2.44").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "chain", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.1.2.3", "203.0.113.9"),
        (1, "", "10.0.0.7"),
        (0, "203.0.113.9", "10.0.0.7"),
    ],
)
def test_client_ip_is_the_address_our_outermost_proxy_wrote(rf, settings, proxies, chain, expected):
    from studyapp.core.clientip import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR=chain)
    assert client_ip(request) == expected

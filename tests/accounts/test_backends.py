"""The model backend reads each request's user in one plain query, as Django's would read it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import AnonymousUser

from studyapp.accounts.backends import ModelBackend
from studyapp.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_get_user_reads_the_user_as_djangos_backend_does(django_assert_num_queries):
    user = UserFactory(first_name="Ada", email="ada@example.com", is_staff=True)
    user.set_password("a long passphrase")
    user.save()
    expected = DjangoModelBackend().get_user(user.pk)
    with django_assert_num_queries(1):
        found = ModelBackend().get_user(user.pk)
    assert type(found) is User
    assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert found._state.db == "default" and not found._state.adding
    assert found.check_password("a long passphrase")


def test_get_user_refuses_missing_and_inactive_users():
    inactive = UserFactory(is_active=False)
    assert ModelBackend().get_user(inactive.pk) is None
    assert ModelBackend().get_user(inactive.pk + 1000) is None
    assert ModelBackend().get_user("not a number") is None


def test_password_logins_use_it_and_keep_the_user_signed_in(client):
    user = UserFactory(username="ada")
    user.set_password("a long passphrase")
    user.save()
    response = client.post("/accounts/login/", {"username": "ada", "password": "a long passphrase"})
    assert response.status_code == 302
    assert settings.AUTHENTICATION_BACKENDS[-1] == "studyapp.accounts.backends.ModelBackend"
    assert client.session["_auth_user_backend"] == "studyapp.accounts.backends.ModelBackend"
    assert client.get("/study/").context["user"] == user


def test_a_changed_password_still_ends_other_sessions(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/study/").status_code == 200
    user.set_password("another long passphrase")
    user.save()
    response = client.get("/study/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SESSION_KEY not in client.session


def test_a_user_deactivated_is_signed_out(client):
    user = UserFactory()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/study/")
    assert response.status_code == 302
    assert isinstance(response.wsgi_request.user, AnonymousUser)

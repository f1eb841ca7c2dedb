"""`manage.py create_demo_users`: admin/admin and demo/demo in development, never with DEBUG off."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from studyapp.accounts.models import User
from tests.core.test_production import run_production


@pytest.mark.django_db
def test_no_demo_user_is_made_with_debug_off(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    assert out.getvalue() == "DEBUG is off: no demo users are created.\n"
    assert not User.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_users_in_development_once(settings, client):
    settings.DEBUG = True
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    assert out.getvalue().splitlines() == [
        "Learner demo/demo: created.",
        "Superuser admin/admin: created.",
    ]
    admin, demo = User.objects.get(username="admin"), User.objects.get(username="demo")
    assert admin.is_superuser and admin.is_staff and admin.check_password("admin")
    assert not demo.is_superuser and not demo.is_staff and demo.check_password("demo")
    admin.set_password("changed-by-me-42")
    admin.save()
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    assert "Superuser admin/admin: already there." in out.getvalue()
    assert User.objects.get(username="admin").check_password("changed-by-me-42")


@pytest.mark.slow
def test_the_production_settings_refuse_the_demo_superuser():
    """As deployed (DJANGO_ENV=production, DEBUG off by default): the command says no and never
    touches the database (unmigrated here: any query would fail)."""
    result = run_production("manage.py", "create_demo_users")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "DEBUG is off: no demo users are created.\n"

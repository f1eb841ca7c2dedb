"""fixtures/demo.json: loadable with loaddata on today's schema, loaded once by `make run` in
development with its dates moved to today, and rebuilt by one command."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from studyapp.accounts.models import Membership, Team, User
from studyapp.assessments import demo
from studyapp.assessments.models import Assessment, Attempt
from studyapp.study import summaries
from studyapp.study.models import CardState, DailyReviewSummary, ReviewLog

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def content(db):
    """The real banks, which the demo refers to by slug."""
    call_command("loadbanks", str(settings.CONTENT_DIR), stdout=StringIO())


def test_the_fixture_refers_to_content_by_slug_only():
    rows = json.loads(demo.FIXTURE.read_text(encoding="utf-8"))
    for row in rows:
        for name in ("question", "topic"):
            value = row["fields"].get(name)
            assert value is None or (isinstance(value, list) and isinstance(value[0], str)), row
        if row["model"] == "accounts.user":
            assert "pk" not in row  # matched by username, never overwriting another user


def test_the_fixture_carries_the_stored_html():
    """Pages print the HTML stored with each text: a fixture without it shows blank questions."""
    rows = json.loads(demo.FIXTURE.read_text(encoding="utf-8"))
    assessments = [row for row in rows if row["model"] == "assessments.assessment"]
    snapshots = [row for row in rows if row["model"] == "assessments.attemptquestion"]
    assert assessments and snapshots
    for row in assessments:
        assert row["fields"]["instructions_html"].startswith("<p>"), row["pk"]
    for row in snapshots:
        html = row["fields"]["html"]
        assert html["prompt"] and html["explanation"] and html["excerpt"], row["pk"]
        assert len(html["choices"]) == len(row["fields"]["spec"]["choices"]), row["pk"]


def test_loaddata_loads_the_demo(content):
    call_command("loaddata", str(demo.FIXTURE), stdout=StringIO())
    team = Team.objects.get(name=demo.TEAM_NAME)
    roles = dict(Membership.objects.filter(team=team).values_list("user__username", "role"))
    assert roles == {"lead": "lead", "demo": "member", "ana": "member", "ben": "member"}
    assert User.objects.get(username="demo").check_password("demo")
    published = Assessment.objects.get(team=team, is_published=True)
    finished = Attempt.objects.filter(assessment=published, submitted_at__isnull=False)
    assert sorted(finished.values_list("user__username", flat=True)) == ["ana", "demo"]
    assert Assessment.objects.filter(team=team, is_published=False).exists()
    reviews = ReviewLog.objects.filter(user__username="demo")
    days = {moment.date() for moment in reviews.values_list("reviewed_at", flat=True)}
    assert reviews.count() > 800 and len(days) >= 50
    first, last = min(days), max(days)
    assert timedelta(days=55) <= last - first <= timedelta(days=60)
    # Loading again changes nothing (the rows keep their ids).
    call_command("loaddata", str(demo.FIXTURE), stdout=StringIO())
    assert ReviewLog.objects.filter(user__username="demo").count() == reviews.count()


def summary_rows() -> list[tuple]:
    return sorted(
        DailyReviewSummary.objects.values_list("user__username", "day", *summaries.FIGURES)
    )


def test_the_fixtures_daily_summaries_are_those_of_its_reviews(content):
    call_command("loaddata", str(demo.FIXTURE), stdout=StringIO())
    loaded = summary_rows()
    assert sum(row[2] for row in loaded) == ReviewLog.objects.count() > 800
    summaries.rebuild()
    assert summary_rows() == loaded


def test_load_demo_counts_the_moved_reviews_in_their_days(content, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    loaded = summary_rows()
    last_day = max(day for _, day, *_ in loaded)
    assert timedelta(0) < timezone.now().date() - last_day < timedelta(days=3)
    summaries.rebuild()
    assert summary_rows() == loaded


def test_load_demo_moves_the_dates_to_today_once(client, content, settings):
    settings.DEBUG = True  # as in development (tests run with DEBUG off)
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo data: loaded" in out.getvalue()
    now = timezone.now()
    last = ReviewLog.objects.filter(user__username="demo").latest("reviewed_at").reviewed_at
    assert timedelta(0) < now - last < timedelta(days=2)  # the last session: yesterday
    assert CardState.objects.filter(user__username="demo", due__gt=now).exists()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert out.getvalue().strip() == "Demo data: already there."
    # The progress page shows a streak, a year's heatmap and a forecast.
    client.force_login(User.objects.get(username="demo"))
    html = client.get("/progress/").content.decode()
    streak = re.search(
        r'<span class="stat-value">(\d+)</span><span class="stat-label">day streak', html
    )
    assert int(streak.group(1)) >= 14
    assert int(re.search(r"(\d+) reviews? on (\d+) days", html).group(2)) >= 50
    assert int(re.search(r"(\d+) cards? \(overdue cards count for", html).group(1)) > 20
    # The lead sees the team, its assessments and the report.
    client.force_login(User.objects.get(username="lead"))
    team = Team.objects.get(name=demo.TEAM_NAME)
    page = client.get(f"/teams/{team.pk}/").content.decode()
    assert "Services and networking basics" in page and "Storage and scaling (draft)" in page
    published = Assessment.objects.get(team=team, is_published=True)
    report = client.get(f"/assessments/{published.pk}/report/").content.decode()
    assert "Passed" in report and "Not passed" in report and "Not started" in report


def test_load_demo_runs_in_development_only(settings, content):
    settings.DEBUG = False
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "DEBUG is off" in out.getvalue() and not Team.objects.exists()


def test_load_demo_never_overwrites_rows_of_the_database(content, settings):
    settings.DEBUG = True
    Team.objects.create(pk=1, name="Mine")
    errors = StringIO()
    call_command("load_demo", stdout=StringIO(), stderr=errors)
    assert "already has rows with the demo's ids (accounts.Team 1)" in errors.getvalue()
    assert Team.objects.get(pk=1).name == "Mine" and not User.objects.filter(username="ana")


def test_the_demo_is_rebuilt_by_its_command_and_loads_back(content, tmp_path):
    """A short history keeps the test quick; `manage.py build_demo_fixture` builds 60 days."""
    text = demo.build_fixture(history_days=6)
    assert not User.objects.filter(username="demo").exists()  # the build was rolled back
    assert text == demo.build_fixture(history_days=6)  # the same file from the same code
    path = tmp_path / "demo.json"
    path.write_text(text, encoding="utf-8")
    loaded = demo.load_demo(path, timezone.now())
    assert loaded.objects == len(json.loads(text))
    assert Attempt.objects.filter(submitted_at__isnull=False).count() == 2
    assert ReviewLog.objects.filter(user__username="demo").exists()
    # The days the ratings counted as the demo was built, written with it.
    built = summary_rows()
    summaries.rebuild()
    assert built and summary_rows() == built


def test_load_demo_says_what_to_do_when_the_banks_do_not_fit(settings):
    settings.DEBUG = True  # no banks loaded: the questions the demo names are missing
    errors = StringIO()
    call_command("load_demo", stdout=StringIO(), stderr=errors)
    assert "does not fit this database" in errors.getvalue()
    assert "make demo-fixture" in errors.getvalue()
    assert not Team.objects.exists() and not User.objects.filter(username="ana").exists()

"""Issue 16's end to end: a lead who signs up (no admin) makes a team and an invite; a logged-out
newcomer signs up through the invite, joins, takes an assessment built with the search picker;
the lead reads the report; a forgotten password is reset through the console e-mail backend.
Then the demo data at a phone's width."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from playwright.sync_api import expect

from studyapp.accounts.models import Membership, User
from studyapp.assessments.models import Assessment, AssessmentItem, Attempt
from studyapp.banks.models import Question

pytestmark = pytest.mark.django_db(transaction=True)

LAYERS = ["the node's IP and `nodePort`", "the Service's cluster IP and `port`",
          "a Pod's IP and `targetPort`"]  # fmt: skip


def sign_up(page, username: str, email: str, password: str) -> None:  # noqa: ANN001
    page.fill("#id_username", username)
    page.fill("#id_email", email)
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)


def messages(page, text: str) -> int:  # noqa: ANN001
    return page.locator(f".message:has-text('{text}')").count()


def add_from_picker(page, words: str, type_label: str = "") -> None:  # noqa: ANN001
    """Search the picker (htmx, as one types) until one question is left, then add it."""
    if type_label:
        page.select_option("#id_type", label=type_label)
    page.fill("#id_q", words)
    expect(page.locator("#picker-results .pick")).to_have_count(1)
    pick = page.locator("#picker-results .pick")
    pick.locator("summary").click()  # the preview shows the answer
    assert pick.locator(".revealed").is_visible()
    pick.locator("button:has-text('Add')").click()
    page.wait_for_selector("#picker-results .pick .badge.ok:has-text('Added')")


def test_a_team_onboards_without_the_admin(browser, live_server, e2e_content, settings, capsys):
    settings.SIGNUP_OPEN = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    layers = Question.objects.get(slug="example-layers")
    layers.items = LAYERS
    layers.save()

    # A lead makes an account from the login page.
    lead = browser.new_context().new_page()
    lead.goto(f"{live_server.url}/accounts/login/")
    lead.click("text=Create an account")
    sign_up(lead, "lena", "lena@example.com", "onboard-the-team-7")
    lead.click("button:has-text('Create account')")
    lead.wait_for_url(f"{live_server.url}/")
    assert messages(lead, "Welcome, lena.") == 1

    # New assessment: a team comes first, made on the way.
    lead.click("nav >> text=Assessments")
    lead.click("text=New assessment")
    lead.wait_for_selector("text=A team comes first")
    lead.fill("#id_name", "Platform onboarding")
    lead.click("button:has-text('Create team')")
    lead.wait_for_url("**/assessments/new/")
    assert messages(lead, "Team “Platform onboarding” created.") == 1
    lead.fill("#id_title", "Services week 1")
    assert lead.input_value("#id_time_limit_minutes") == "30"
    assert lead.input_value("#id_pass_mark") == "70"
    lead.click("button:has-text('Create assessment')")
    lead.wait_for_url("**/assessments/*/manage/")
    assert messages(lead, "Assessment created.") == 1

    # The picker: words, then a type; an order question; then the order changed.
    add_from_picker(lead, "programs the rules")
    add_from_picker(lead, "label selector", type_label="True or false")
    lead.select_option("#id_type", label="Any type")
    add_from_picker(lead, "hops")
    lead.locator("#items .item-row").nth(1).locator("button[value=up]").click()
    expect(lead.locator("#items .item-row").first).to_contain_text("label selector")
    order = AssessmentItem.objects.order_by("position").values_list("question__slug", flat=True)
    assert list(order) == ["extra-selector", "extra-kube-proxy", "example-layers"]
    lead.click("button:has-text('Publish')")
    lead.wait_for_selector("text=Back to draft")

    # The team page lists the assessment; the lead makes an invite link.
    lead.click("text=Platform onboarding")
    lead.wait_for_selector("#team-assessments-heading")
    expect(lead.locator(".team-assessments tbody tr")).to_have_count(1)
    expect(lead.locator(".team-assessments tbody tr")).to_contain_text("Services week 1")
    lead.click("button:has-text('Create invite link')")
    link = lead.locator("code[id^=invite-]").first.inner_text()

    # A logged-out newcomer opens it, sees the team, signs up and is in.
    newcomer = browser.new_context().new_page()
    newcomer.goto(link)
    assert newcomer.locator("h1").inner_text() == "Join Platform onboarding"
    sign_up(newcomer, "nina", "nina@example.com", "first-day-at-work-3")
    newcomer.click("button:has-text('Create account and join')")
    newcomer.wait_for_url("**/teams/*/")
    assert messages(newcomer, "Welcome to Platform onboarding, nina.") == 1
    assert Membership.objects.get(user__username="nina").role == "member"

    # The newcomer takes the assessment: every answer right, the order items as code.
    newcomer.click(".team-assessments td a:has-text('Services week 1')")
    newcomer.click("form[action$='/start/'] button")
    newcomer.wait_for_url("**/assessments/attempts/*/")
    for question in newcomer.locator(".attempt-question").all():
        text = question.inner_text()
        if "programs the rules" in text:
            question.locator("input[type=text]").fill("kube-proxy")
        elif "label selector" in text:
            question.locator("input[value=true]").check()
        else:
            assert question.locator(".order-text code").count() == 3
            for item in question.locator(".order-item").all():
                words = item.locator(".order-text").inner_text()
                rank = [entry.replace("`", "") for entry in LAYERS].index(words) + 1
                item.locator(".order-position").fill(str(rank))
    # Let the saves as you go finish first (they wait 800 ms after the last keystroke): the live
    # server's threads share one SQLite connection, so a save and the submit at the same moment
    # collide there (in production each request has its own connection).
    newcomer.wait_for_timeout(1200)
    expect(newcomer.locator(".htmx-request")).to_have_count(0)
    newcomer.on("dialog", lambda dialog: dialog.accept())
    newcomer.click("#submit-attempt")
    newcomer.wait_for_selector(".score-card")
    assert "100% · Passed" in newcomer.locator(".score").inner_text()
    assert newcomer.locator(".revealed li code:has-text('nodePort')").count() >= 1

    # The lead reads the report, and the newcomer's answers under the newcomer's name.
    assessment = Assessment.objects.get(title="Services week 1")
    lead.goto(f"{live_server.url}/assessments/{assessment.pk}/report/")
    row = lead.locator(".report-members tr:has-text('nina')")
    assert "Passed" in row.inner_text() and "100%" in row.inner_text()
    assert "`" not in lead.locator(".report-questions").inner_text()
    row.locator("a").click()
    lead.wait_for_selector("text=nina's answers")

    # The newcomer forgets the password: a reset link through the console backend.
    capsys.readouterr()
    stranger = browser.new_context().new_page()
    stranger.goto(f"{live_server.url}/accounts/login/")
    stranger.click("text=Forgot your password?")
    assert "Django administration" not in stranger.content()
    stranger.fill("#id_email", "nina")
    stranger.click("button:has-text('Send the link')")
    stranger.wait_for_selector("text=Check your e-mail")
    printed = capsys.readouterr().out
    assert "Subject: Your Kubeprep password link" in printed and "To: nina@example.com" in printed
    reset = re.search(r"(http://\S+/accounts/reset/\S+/)", printed).group(1)
    stranger.goto(reset)
    stranger.fill("#id_new_password1", "second-day-at-work-4")
    stranger.fill("#id_new_password2", "second-day-at-work-4")
    stranger.click("button:has-text('Set password')")
    stranger.wait_for_selector("text=Password set")
    assert User.objects.get(username="nina").check_password("second-day-at-work-4")
    stranger.goto(reset)
    stranger.wait_for_selector("text=This link no longer works")
    assert Attempt.objects.get(user__username="nina").passed
    assert django_settings.SIGNUP_OPEN  # the override reached the live server's settings


def test_the_demo_at_a_phones_width(browser, live_server, settings):
    """The real banks and the demo: progress, the attempt and the report fit 390 px."""
    settings.DEBUG = True
    call_command("loadbanks", str(settings.CONTENT_DIR), stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    from tests.e2e.conftest import log_in

    log_in(page, live_server, "demo", "demo")
    attempt = Attempt.objects.get(user__username="demo")
    for path in ["/progress/", "/teams/1/", "/assessments/", f"/assessments/attempts/{attempt.pk}/",
                 "/study/settings/"]:  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    page.goto(f"{live_server.url}/progress/")
    assert page.locator(".heatmap rect:not(.heat-0)").count() >= 50
    assert page.locator(".mastery-table tbody tr").count() >= 16
    context.close()
    lead = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(lead, live_server, "lead", "lead")
    for path in ["/teams/1/", f"/assessments/{attempt.assessment_id}/manage/", "/assessments/"]:
        lead.goto(f"{live_server.url}{path}")
        overflow = lead.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)

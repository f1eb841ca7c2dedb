"""A lead builds and assigns an assessment in the browser; a member takes it, reloads in the
middle (answers kept) and runs past the deadline; the lead reads the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from studyapp.assessments.models import AssessmentItem, Attempt
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_lead_builds_member_takes_with_reload_and_deadline(browser, live_server, e2e_content,
                                                          django_user_model):  # fmt: skip
    django_user_model.objects.create_user("lead", password="lead-pass-1")
    django_user_model.objects.create_user("member", password="member-pass-1")
    lead = browser.new_context().new_page()
    log_in(lead, live_server, "lead", "lead-pass-1")

    # The lead makes a team and an invite link; the member joins through it.
    lead.goto(f"{live_server.url}/teams/")
    lead.fill("#id_name", "Platform onboarding")
    lead.click("button:has-text('Create team')")
    lead.wait_for_url("**/teams/*/")
    lead.click("button:has-text('Create invite link')")
    link = lead.locator("code[id^=invite-]").first.inner_text()
    member = browser.new_context().new_page()
    log_in(member, live_server, "member", "member-pass-1")
    member.goto(link)
    member.click("button:has-text('Join Platform onboarding')")
    member.wait_for_url("**/teams/*/")
    assert member.locator(".message:has-text('Welcome to Platform onboarding.')").count() == 1

    # The lead builds the assessment: settings, two fixed questions, publish.
    now = timezone.now()
    lead.goto(f"{live_server.url}/assessments/new/")
    lead.fill("#id_title", "Services week 1")
    lead.fill("#id_instructions", "Answer **both** questions.")
    lead.fill("#id_time_limit_minutes", "20")
    lead.fill("#id_pass_mark", "50")
    lead.fill("#id_attempts_allowed", "1")
    lead.fill("#id_opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    lead.fill("#id_closes_at", (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    lead.check("#id_assigned_to_all")
    lead.click("button:has-text('Create assessment')")
    lead.wait_for_url("**/assessments/*/manage/")
    for words in ("label selector", "programs the rules"):
        lead.fill("#id_q", words)
        # Enter as well: the search must run even when the fill came before htmx had bound the
        # form the last "Add" swapped in (the form works without htmx too).
        lead.press("#id_q", "Enter")
        add = lead.locator("#picker-results .pick button:has-text('Add')")
        expect(add).to_have_count(1)  # the old results hold no "Add" button
        expect(lead.locator("#picker-results .pick")).to_have_count(1)
        add.click()
        lead.wait_for_selector("#picker-results .pick .badge.ok:has-text('Added')")
    added = AssessmentItem.objects.order_by("position").values_list("question__slug", flat=True)
    assert list(added) == ["extra-selector", "extra-kube-proxy"]
    lead.click("button:has-text('Publish')")
    lead.wait_for_selector("text=Back to draft")

    # The member sees it, starts, answers one question, reloads: the answer is still there.
    member.goto(f"{live_server.url}/assessments/")
    member.click("text=Services week 1")
    member.click("form[action$='/start/'] button")
    member.wait_for_url("**/assessments/attempts/*/")
    attempt = Attempt.objects.get()
    text_field = member.locator(".attempt-question input[type=text]")
    text_field.fill("kube-proxy")
    member.wait_for_selector(".attempt-question :text('Saved')")
    member.reload()
    assert member.locator(".attempt-question input[type=text]").input_value() == "kube-proxy"

    # The member runs past the deadline: the next request submits what was saved.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    member.reload()
    member.wait_for_selector("text=Time is up")
    assert member.locator(".message:has-text('Time is up')").count() == 1
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.is_time_up
    assert attempt.correct_count == 1  # kube-proxy right, the true/false left unanswered

    # The lead reads the report; the member's miss is in their review queue.
    lead.goto(f"{live_server.url}/assessments/{attempt.assessment_id}/report/")
    assert lead.locator("text=member").count() >= 1
    assert lead.locator("text=50%").count() >= 1
    assert attempt.user.cards.filter(
        question__slug="extra-selector", due__lte=timezone.now()
    ).exists()

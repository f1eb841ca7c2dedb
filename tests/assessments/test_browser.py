"""The attempt page in Chromium: autosave with htmx, resume, the countdown, a late answer.

Skipped without /usr/bin/chromium (like tests/e2e), unless E2E_REQUIRED is set. The browser is
this module's own: Playwright's event loop (and the allowance for the ORM beside it) ends with
the module, so no later test runs inside it.
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import sync_playwright

from studyapp.assessments.models import Attempt
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, log_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM))
        and not os.environ.get("E2E_REQUIRED"),
        reason=f"no Chromium at {CHROMIUM}",
    ),
]


@pytest.fixture(scope="module")
def chromium():
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an event loop in this thread; the ORM calls around it are
        # ordinary synchronous code.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()


@pytest.fixture
def tab(chromium):
    context = chromium.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def open_assessment(assessment, member):
    member.set_password("member-pass-1")
    member.save()
    now = timezone.now()
    assessment.opens_at = now - timedelta(hours=1)
    assessment.closes_at = now + timedelta(days=1)
    assessment.save()
    return assessment


def start(page, live_server, assessment):
    log_in(page, live_server, "member", "member-pass-1")
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    page.click("form[action$='/start/'] button")
    page.wait_for_url("**/assessments/attempts/*/")
    return Attempt.objects.get()


def test_answers_save_as_you_go_and_survive_a_reload(tab, chromium, live_server, open_assessment):
    page = tab
    attempt = start(page, live_server, open_assessment)
    assert page.locator("[data-countdown-left]").inner_text().endswith("left")
    page.locator("#question-2 input[value=false]").check()
    page.locator("#question-3 input[type=text]").fill("nodePort")
    page.locator("#question-4 [data-order-move=down]").first.click()
    page.wait_for_selector("#save-status-3:has-text('Saved')")
    page.wait_for_selector("#save-status-4:has-text('Saved')")
    assert page.locator("#save-status-2").inner_text().startswith("Saved")
    # A locator wait, not wait_for_function: the strict CSP refuses Playwright's string eval.
    page.locator(".question-jump a.answered").nth(2).wait_for()
    assert page.locator(".question-jump a.answered").count() == 3
    assert attempt.questions.get(position=2).response == ["false"]
    order = attempt.questions.get(position=4)
    assert order.response and order.response != order.item_order

    page.context.close()  # a closed tab loses nothing
    again = chromium.new_context().new_page()
    log_in(again, live_server, "member", "member-pass-1")
    again.goto(f"{live_server.url}/assessments/{open_assessment.pk}/")
    again.click("text=Resume")
    assert again.locator("#question-2 input[value=false]").is_checked()
    assert again.locator("#question-3 input[type=text]").input_value() == "nodePort"
    again.context.close()


def test_a_late_answer_shows_why_it_was_refused(tab, live_server, open_assessment):
    page = tab
    attempt = start(page, live_server, open_assessment)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    page.locator("#question-2 input[value=true]").check()
    page.wait_for_selector("#save-status-2.refused:has-text('Time is up')")
    attempt.refresh_from_db()
    assert attempt.is_time_up and attempt.questions.get(position=2).response == []


def test_the_countdown_submits_at_the_deadline(tab, live_server, open_assessment):
    page = tab
    attempt = start(page, live_server, open_assessment)
    page.locator("#question-2 input[value=false]").check()
    page.wait_for_selector("#save-status-2:has-text('Saved')")
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    page.reload()
    page.wait_for_selector("text=Time is up: your attempt was submitted", timeout=15_000)
    assert page.locator(".score-card").count() == 1
    attempt.refresh_from_db()
    assert attempt.is_time_up and attempt.correct_count == 1


def test_assessment_pages_have_no_serious_accessibility_violations(
    chromium, live_server, open_assessment, lead
):
    lead.set_password("lead-pass-1")
    lead.save()
    member_page = chromium.new_context().new_page()
    attempt = start(member_page, live_server, open_assessment)
    lead_page = chromium.new_context().new_page()
    log_in(lead_page, live_server, "lead", "lead-pass-1")
    axe = Axe()
    for page, path in [
        (member_page, "/assessments/"),
        (member_page, f"/assessments/attempts/{attempt.pk}/"),
        (lead_page, f"/assessments/{open_assessment.pk}/manage/"),
        (lead_page, f"/assessments/{open_assessment.pk}/preview/"),
        (lead_page, f"/assessments/{open_assessment.pk}/report/"),
        (lead_page, f"/teams/{open_assessment.team_id}/"),
        (lead_page, "/teams/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        results = axe.run(page).response
        serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, (path, [(v["id"], v["help"], v["nodes"][0]["target"]) for v in serious])
    member_page.context.close()
    lead_page.context.close()

"""Readiness in the browser: a member sees it on an assigned assessment before starting, acts on
its advice, and the lead sees each member's figure on the team page (loaded by htmx)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from studyapp.accounts.models import Membership, Team
from studyapp.assessments import readiness as assessment_readiness
from studyapp.assessments.models import Assessment, AssessmentItem
from studyapp.banks.models import Question
from studyapp.study.models import CardState
from tests.e2e.conftest import log_in
from tests.readiness_data import first_try, many_reviews, studied_card

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team_with_assessment(e2e_content, django_user_model):
    now = timezone.now()
    lead = django_user_model.objects.create_user("lead", password="lead-pass-1")
    member = django_user_model.objects.create_user("member", password="member-pass-1")
    newcomer = django_user_model.objects.create_user("newcomer", password="newcomer-pass-1")
    team = Team.objects.create(name="Platform onboarding")
    Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
    Membership.objects.create(team=team, user=member)
    Membership.objects.create(team=team, user=newcomer)
    assessment = Assessment.objects.create(
        team=team, title="Services week 1", pass_mark=60, is_published=True, created_by=lead,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3),
    )  # fmt: skip
    graded = list(Question.objects.exclude(type="flashcard").order_by("slug"))
    for position, question in enumerate(graded):
        AssessmentItem.objects.create(assessment=assessment, question=question, position=position)
    for i, question in enumerate(graded[:6]):
        studied_card(member, question, stability=3.0 + 4 * i, last_review=now - timedelta(days=4))
    for i, question in enumerate(graded[6:9]):
        first_try(member, question, right=i != 1, at=now - timedelta(days=9))
    many_reviews(member, CardState.objects.filter(user=member).first(), 30, before=now)
    return assessment, member


def test_member_sees_readiness_and_the_lead_sees_it_on_the_team_page(
    browser, live_server, team_with_assessment
):
    assessment, member = team_with_assessment
    expected = assessment_readiness.member_readiness(member, assessment, timezone.now())
    score = round(expected.readiness.expected_score)
    chance = round(100 * expected.readiness.pass_probability)

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server, "member", "member-pass-1")
    page.goto(f"{live_server.url}/assessments/")
    page.click("text=Services week 1")
    figure = page.locator(".readiness-figure").inner_text()
    assert figure == f"Expected {score}% · {chance}% chance to pass (60%)"
    page.click("text=What these figures mean")
    assert page.locator(".readiness-meaning").get_by_text("first-try accuracy").is_visible()
    advice = page.locator(".advice").first
    assert "you would recall" in advice.inner_text()
    advice.get_by_role("button", name=re.compile("Review now")).click()
    page.wait_for_url(f"{live_server.url}/study/")
    assert page.get_by_text(re.compile("cards? of this topic are due now")).first.is_visible()

    lead = browser.new_context().new_page()
    log_in(lead, live_server, "lead", "lead-pass-1")
    lead.goto(f"{live_server.url}/teams/{assessment.team_id}/")
    table = lead.locator(".readiness-members")
    table.wait_for()  # loaded by htmx after the page
    rows = {
        cells[0]: cells for cells in (row.locator("td").all_inner_texts()
                                      for row in table.locator("tbody tr").all())
    }  # fmt: skip
    cells = rows["member"]
    # Reviewing the topic just now raised the member's figure: compare with it as it stands.
    now_expected = assessment_readiness.member_readiness(member, assessment, timezone.now())
    assert cells[1] == f"{round(now_expected.readiness.expected_score)}%"
    assert cells[2] == f"{round(100 * now_expected.readiness.pass_probability)}%"
    assert rows["newcomer"][1] == "0 of 30 reviews"
    assert "lead" not in rows  # leads are not assigned
    results = Axe().run(lead).response
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["nodes"][0]["target"]) for v in serious]
    page.context.close()
    lead.context.close()

"""Building an assessment as a lead finds it: New assessment from anywhere (a team first), the
question picker, random questions, defaults, reordering, confirmations, and the team page."""

from __future__ import annotations

import random
import re

import pytest
import time_machine

from studyapp.accounts.models import Membership, Team
from studyapp.assessments import analysis, services
from studyapp.assessments.models import Assessment, AssessmentItem, Attempt
from studyapp.banks.models import Bank, Question, Topic
from tests.factories import AssessmentFactory, AssessmentItemFactory, UserFactory

from .conftest import GRADED_SLUGS, NOW, member_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def draft(team, lead, example):
    """An assessment with no questions yet."""
    return AssessmentFactory(team=team, title="Week one", is_published=False, created_by=lead)


def login(client, user):
    client.force_login(user)
    return client


def slugs_in(assessment) -> list[str]:
    return list(
        assessment.items.filter(question__isnull=False)
        .order_by("position", "pk")
        .values_list("question__slug", flat=True)
    )


# New assessment, a team first -------------------------------------------------------------------


def test_new_assessment_is_offered_to_someone_who_leads_no_team(client, example):
    newcomer = UserFactory(username="newcomer")
    html = login(client, newcomer).get("/assessments/").content.decode()
    assert 'href="/assessments/new/"' in html and "start a team</a> first" in html
    page = client.get("/assessments/new/").content.decode()
    assert "A team comes first" in page
    assert 'action="/teams/new/"' in page and 'name="next" value="/assessments/new/"' in page
    response = client.post("/teams/new/", {"name": "SRE onboarding", "next": "/assessments/new/"})
    assert response["Location"] == "/assessments/new/"
    page = client.get("/assessments/new/").content.decode()
    team = Team.objects.get(name="SRE onboarding")
    assert "A team comes first" not in page and f'<option value="{team.pk}"' in page
    assert page.count("Team “SRE onboarding” created.") == 1


def test_defaults_and_hints(client, lead, team):
    page = login(client, lead).get(f"/assessments/new/?team={team.pk}").content.decode()
    for field, value in [("time_limit_minutes", 30), ("pass_mark", 70), ("attempts_allowed", 1)]:
        assert re.search(rf'name="{field}" value="{value}"', page), field
    assert "Per attempt, from when the member starts. Empty: 30." in page
    assert "The share of questions right to pass. Empty: 70%." in page
    response = client.post("/assessments/new/", {
        "team": team.pk, "title": "Defaults", "time_limit_minutes": "", "pass_mark": "",
        "attempts_allowed": "", "opens_at": "2026-05-04T09:00", "closes_at": "2026-05-11T09:00",
        "answers_shown": "after_submit", "assigned_to_all": "on",
    })  # fmt: skip
    assert response.status_code == 302
    made = Assessment.objects.get(title="Defaults")
    assert (made.time_limit_minutes, made.pass_mark, made.attempts_allowed) == (30, 70, 1)


# The question picker ----------------------------------------------------------------------------


def test_the_picker_shows_prompts_with_a_preview(client, draft, lead):
    html = login(client, lead).get(f"/assessments/{draft.pk}/manage/").content.decode()
    picker = html.split('id="picker-results"')[1]
    assert "7 questions match" in picker  # eight in the bank, the flashcard left out
    assert "example-explain-service" not in picker
    assert "Which port range does a NodePort Service use by default?" in picker
    # The preview holds the answer: the right choice marked, the explanation rendered.
    assert "(right answer)" in picker and "<code>--service-node-port-range</code>" in picker
    # A cloze prompt shows its blanks, never its answers, before the preview.
    assert "A LoadBalancer Service also gets a [NodePort]" not in picker.split("<details")[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "nodeport"}, {"example-nodeport-range", "example-nodeport-field",
                             "example-layers", "example-write-nodeport", "example-cloze"}),
        ({"q": "NodePort service default"}, {"example-nodeport-range"}),
        ({"q": "example-headless"}, {"example-headless"}),
        ({"type": "truefalse"}, {"example-headless"}),
        ({"level": "1"}, {"example-nodeport-range"}),
        ({"topic": "services"}, set()),
        ({"q": "nodeport", "type": "short"}, {"example-nodeport-field"}),
    ],
)  # fmt: skip
def test_search_by_words_topic_type_and_level(client, draft, lead, query, expected):
    response = login(client, lead).get(
        f"/assessments/{draft.pk}/manage/", query, HTTP_HX_TARGET="picker-results", **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="picker-results"') and "<html" not in body
    assert "HX-Request" in response["Vary"]
    assert set(re.findall(r'id="pick-([a-z0-9-]+)"', body)) == expected
    if not expected:
        assert "No question matches" in body


def test_retired_questions_are_not_offered(client, draft, lead):
    Question.objects.filter(slug="example-headless").update(is_retired=True)
    body = login(client, lead).get(f"/assessments/{draft.pk}/manage/", {"q": "headless"}).content
    assert b'id="pick-example-headless"' not in body


def test_adding_from_the_picker_keeps_the_search(client, draft, lead):
    url = f"/assessments/{draft.pk}/items/question/"
    login(client, lead)
    plain = client.post(url, {"question": "example-headless", "q": "headless", "type": "truefalse"})
    assert plain["Location"] == f"/assessments/{draft.pk}/manage/?q=headless&type=truefalse#items"
    page = client.get(plain["Location"]).content.decode()
    assert re.search(r'id="pick-example-headless".*?Added', page, re.S)
    fragment = client.post(
        url, {"question": "example-layers", "q": "hops"}, **HTMX
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="builder"')
    assert re.search(r'id="pick-example-layers".*?badge ok">Added', fragment, re.S)
    assert slugs_in(draft) == ["example-headless", "example-layers"]
    again = client.post(url, {"question": "example-layers"}, **HTMX).content.decode()
    assert "is already in this assessment" in again and again.count("is already in") == 1


@pytest.mark.parametrize(("size", "queries"), [(5, 25), (200, 25)])
def test_the_manage_page_runs_a_constant_number_of_queries(
    client, draft, lead, size, queries, django_assert_max_num_queries
):
    topic = Topic.objects.get(slug="service-types")
    bank = Bank.objects.get(slug="example")
    Question.objects.bulk_create(
        Question(slug=f"bulk-{i}", bank=bank, topic=topic, type="single",
                 prompt=f"Bulk question {i} about `nodePort`", explanation="E")
        for i in range(size)
    )  # fmt: skip
    for question in Question.objects.filter(slug__startswith="bulk-")[:3]:
        services.add_question_item(assessment=draft, question=question)
    login(client, lead)
    with django_assert_max_num_queries(queries):
        page = client.get(f"/assessments/{draft.pk}/manage/", {"q": "bulk nodePort"})
    assert f"{size} questions match" in page.content.decode()
    with django_assert_max_num_queries(12):
        client.get(f"/assessments/{draft.pk}/manage/", {"q": "bulk"},
                   HTTP_HX_TARGET="picker-results", **HTMX)  # fmt: skip


# Random questions, draws, order, removal --------------------------------------------------------


def test_add_random_questions_now(draft):
    topic = Topic.objects.get(slug="service-types")
    added = services.add_random_questions(assessment=draft, topic=topic, count=3,
                                          rng=random.Random(1))  # fmt: skip
    assert len(added) == 3 and len(set(slugs_in(draft))) == 3
    assert "example-explain-service" not in slugs_in(draft)  # never a flashcard
    # Only what is left, never twice; then a clear refusal.
    more = services.add_random_questions(assessment=draft, topic=topic, count=10,
                                         rng=random.Random(2))  # fmt: skip
    assert len(more) == 4 and sorted(slugs_in(draft)) == sorted(GRADED_SLUGS)
    assert [item.position for item in draft.items.order_by("position")] == list(range(7))
    with pytest.raises(services.AssessmentError, match="left to add"):
        services.add_random_questions(assessment=draft, topic=topic, count=1, rng=random.Random())


def test_add_random_questions_of_one_type_and_level(client, draft, lead):
    login(client, lead)
    response = client.post(f"/assessments/{draft.pk}/items/random/",
                           {"topic": "service-types", "count": "5", "type": "single"},
                           **HTMX)  # fmt: skip
    body = response.content.decode()
    assert slugs_in(draft) == ["example-nodeport-range"]
    assert "Added 1 question of Service types (only 1 were left)." in body
    client.post(f"/assessments/{draft.pk}/items/random/",
                {"topic": "service-types", "count": "2", "level": "3"}, **HTMX)  # fmt: skip
    assert len(slugs_in(draft)) == 1  # no level-3 question in the bank
    bad = client.post(f"/assessments/{draft.pk}/items/random/", {"topic": "nope", "count": "2"})
    assert "Choose a topic" in client.get(bad["Location"]).content.decode()


def test_move_items_up_and_down(client, draft, lead):
    for slug in GRADED_SLUGS[:3]:
        services.add_question_item(assessment=draft, question=Question.objects.get(slug=slug))
    first, second, third = draft.items.order_by("position")
    login(client, lead)
    body = client.post(f"/assessments/{draft.pk}/items/{third.pk}/move/", {"direction": "up"},
                       **HTMX).content.decode()  # fmt: skip
    assert body.lstrip().startswith('<div id="builder"')
    assert slugs_in(draft) == [GRADED_SLUGS[0], GRADED_SLUGS[2], GRADED_SLUGS[1]]
    client.post(f"/assessments/{draft.pk}/items/{first.pk}/move/", {"direction": "up"})
    client.post(f"/assessments/{draft.pk}/items/{second.pk}/move/", {"direction": "down"})
    assert slugs_in(draft) == [GRADED_SLUGS[0], GRADED_SLUGS[2], GRADED_SLUGS[1]]  # at the ends
    client.post(f"/assessments/{draft.pk}/items/{first.pk}/move/", {"direction": "down"})
    assert slugs_in(draft) == [GRADED_SLUGS[2], GRADED_SLUGS[0], GRADED_SLUGS[1]]
    assert [i.position for i in draft.items.order_by("position")] == [0, 1, 2]
    html = client.get(f"/assessments/{draft.pk}/manage/").content.decode()
    items = html.split('id="items"')[1].split('id="picker"')[0]  # the list in its new order
    order = re.findall(r'#q-([a-z-]+)"', items)
    assert order == [GRADED_SLUGS[2], GRADED_SLUGS[0], GRADED_SLUGS[1]]


def test_removing_an_item_asks_first(client, draft, lead):
    item = services.add_question_item(
        assessment=draft, question=Question.objects.get(slug="example-headless")
    )
    login(client, lead)
    page = client.get(f"/assessments/{draft.pk}/manage/").content.decode()
    assert (
        'hx-confirm="Remove “A headless Service has a cluster IP.” from this assessment?"' in page
    )
    asked = client.post(f"/assessments/{draft.pk}/items/{item.pk}/remove/", {"q": "head"})
    html = asked.content.decode()
    assert asked.status_code == 200 and "Remove this question?" in html
    assert 'name="q" value="head"' in html  # the search comes back after confirming
    assert AssessmentItem.objects.filter(pk=item.pk).exists()
    done = client.post(f"/assessments/{draft.pk}/items/{item.pk}/remove/",
                       {"confirmed": "1", "q": "head"})  # fmt: skip
    assert done["Location"] == f"/assessments/{draft.pk}/manage/?q=head#items"
    assert not AssessmentItem.objects.filter(pk=item.pk).exists()


def test_deleting_an_assessment_asks_first_and_keeps_started_ones(client, assessment, lead,
                                                                  member):  # fmt: skip
    url = f"/assessments/{assessment.pk}/delete/"
    login(client, lead)
    assert "Delete “Service types”?" in client.post(url).content.decode()
    services.start_attempt(assessment=assessment, user=member, now=NOW)
    kept = client.post(url, {"confirmed": "1"})
    assert "it is kept with their results" in client.get(kept["Location"]).content.decode()
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    Attempt.objects.all().delete()
    gone = client.post(url, {"confirmed": "1"})
    assert gone["Location"] == f"/teams/{assessment.team_id}/"
    assert not Assessment.objects.filter(pk=assessment.pk).exists()


def test_new_building_views_forbidden_cases(client, assessment, member, other_lead):
    item = assessment.items.first()
    for path, data in [
        ("items/random/", {"topic": "service-types", "count": "1"}),
        (f"items/{item.pk}/move/", {"direction": "down"}),
        (f"items/{item.pk}/remove/", {"confirmed": "1"}),
        ("delete/", {"confirmed": "1"}),
    ]:
        url = f"/assessments/{assessment.pk}/{path}"
        client.logout()
        assert client.post(url, data)["Location"].startswith("/accounts/login/")
        for user in (member, other_lead):
            login(client, user)
            assert client.post(url, data).status_code == 404, (url, user)
    assert assessment.items.count() == 7 and Assessment.objects.filter(pk=assessment.pk).exists()
    assert [i.pk for i in assessment.items.order_by("position")][0] == item.pk


# The team page ----------------------------------------------------------------------------------


def test_the_team_page_lists_its_assessments(client, team, lead, member, assessment):
    draft = AssessmentFactory(team=team, title="Draft two", is_published=False)
    AssessmentItem.objects.create(assessment=draft, topic=Topic.objects.get(slug="service-types"),
                                  count=5)  # fmt: skip
    AssessmentFactory(title="Another team's")
    html = login(client, lead).get(f"/teams/{team.pk}/").content.decode()
    section = html.split('id="team-assessments-heading"')[1]
    assert "Service types" in section and "Draft two" in section and "Another team" not in section
    assert f"/assessments/new/?team={team.pk}" in section
    # Questions each attempt gets: 7 fixed; a draw of 5 counts 5.
    assert re.search(r"Draft two</a> <span class=\"badge warn\">draft</span></td>\s*"
                     r"<td class=\"wide-only\">[^<]*</td>\s*<td class=\"num wide-only\">5</td>", section)  # fmt: skip
    mine = login(client, member).get(f"/teams/{team.pk}/").content.decode()
    section = mine.split('id="team-assessments-heading"')[1]
    assert "Service types" in section and "To do" in section and "Draft two" not in section
    assert "New assessment" not in section


@pytest.mark.slow
@pytest.mark.parametrize("size", [2, 30])
def test_the_team_page_runs_a_constant_number_of_queries(
    client, team, lead, example, size, django_assert_max_num_queries
):
    for number in range(size):
        made = AssessmentFactory(team=team, title=f"A{number}")
        AssessmentItemFactory(assessment=made, question=Question.objects.first())
        member_of(team, f"m{number}")
    login(client, lead)
    with django_assert_max_num_queries(14):
        client.get(f"/teams/{team.pk}/")
    login(client, Membership.objects.filter(role="member").first().user)
    with django_assert_max_num_queries(14):
        client.get(f"/teams/{team.pk}/")


# The report and the lead's view of an attempt ---------------------------------------------------


def test_item_analysis_counts_unanswered_questions_apart():
    statistics = {
        s.question: s
        for s in analysis.item_analysis(
            {"a": 80.0, "b": 40.0, "c": 10.0},
            {"Q1": {"a": True, "b": False, "c": False}},
            answered={"Q1": {"a", "b"}},
        )
    }
    q1 = statistics["Q1"]
    assert (q1.asked, q1.answered, q1.correct, q1.missed, q1.unanswered) == (3, 2, 1, 2, 1)
    assert q1.facility_index == pytest.approx(100 / 3)


def test_the_lead_reads_the_members_answers_not_your_answers(client, assessment, lead, member):
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    html = login(client, lead).get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "member's answers" in html and "Your answers" not in html
    own = login(client, member).get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "Your answers" in own


def test_instructions_longer_than_their_cap_are_refused_with_a_message(client, lead, team):
    login(client, lead)
    response = client.post("/assessments/new/", {
        "team": team.pk, "title": "Long", "instructions": "[" * 4001, "opens_at": "2026-05-04T09:00",
        "closes_at": "2026-05-11T09:00", "answers_shown": "after_submit", "assigned_to_all": "on",
    })  # fmt: skip
    assert response.status_code == 400
    assert (
        "Ensure this value has at most 4000 characters (it has 4001)." in response.content.decode()
    )
    assert not Assessment.objects.filter(title="Long").exists()

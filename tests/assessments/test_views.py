"""Assessment pages through the Django client: plain forms first, htmx fragments second."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from studyapp.assessments import services
from studyapp.assessments.models import Assessment, AssessmentItem, Attempt
from studyapp.banks.models import Question
from studyapp.study.models import CardState
from tests.factories import AssessmentFactory, UserFactory

from .conftest import GRADED_SLUGS, NOW, answers_for, member_of, posted

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def login(client, user):
    client.force_login(user)
    return client


def started(client, assessment, member):
    login(client, member)
    response = client.post(f"/assessments/{assessment.pk}/start/")
    assert response.status_code == 302
    return Attempt.objects.get(user=member, assessment=assessment, submitted_at__isnull=True)


def forbidden(client, method, url, *, team, lead_elsewhere=None, member=None, data=None):
    """Assert anonymous users go to log in, and the others named get a 404."""
    client.logout()
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for user in (u for u in (lead_elsewhere, member) if u is not None):
        client.force_login(user)
        assert getattr(client, method)(url, data or {}).status_code == 404, (url, user)
    client.logout()


# Lists and the home section -----------------------------------------------------------------------


def test_members_see_their_assigned_assessments(client, assessment, member, lead):
    hidden = AssessmentFactory(team=assessment.team, title="Draft one", is_published=False)
    AssessmentItem.objects.create(assessment=hidden, question=Question.objects.first())
    elsewhere = AssessmentFactory(title="Another team's")
    html = login(client, member).get("/assessments/").content.decode()
    assert "Service types" in html and "To do" in html
    assert "Draft one" not in html and elsewhere.title not in html
    # A member leads no team: "New assessment" is there, with what a team lead does first.
    assert "/assessments/new/" in html and "start a team</a> first" in html
    lead_html = login(client, lead).get("/assessments/").content.decode()
    assert "Assessments you manage" in lead_html and "Draft one" in lead_html
    assert "Service types" in lead_html and "/assessments/new/" in lead_html


def test_assigned_to_chosen_members_only(client, assessment, member, other_member):
    assessment.assigned_to_all = False
    assessment.save()
    assessment.assignees.add(other_member)
    assert "Service types" not in login(client, member).get("/assessments/").content.decode()
    assert client.get(f"/assessments/{assessment.pk}/").status_code == 404
    assert "Service types" in login(client, other_member).get("/assessments/").content.decode()


def render_home_section(user):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load assessment_tags %}{% assigned_to_you %}").render(
        Context({"request": request})
    )


def test_home_section_lists_what_is_to_do(assessment, member, django_assert_num_queries):
    with django_assert_num_queries(1):
        html = render_home_section(member)
    assert "Assigned to you" in html and "Service types" in html and "To do" in html
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW)
    html = render_home_section(member)
    assert f"/assessments/attempts/{attempt.pk}/" in html and "In progress" in html
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW)
    assert "Service types" not in render_home_section(member)  # done: nothing left to do


def test_home_section_is_empty_for_anonymous_and_unassigned(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert render_home_section(AnonymousUser()).strip() == ""
    assert render_home_section(UserFactory()).strip() == ""


# Taking -------------------------------------------------------------------------------------------


def test_assessment_page_and_its_forbidden_cases(client, assessment, member, other_lead, lead):
    html = login(client, member).get(f"/assessments/{assessment.pk}/").content.decode()
    assert "<strong>every</strong> question" in html and "Start" in html
    outsider = member_of(AssessmentFactory().team, "outsider")
    forbidden(client, "get", f"/assessments/{assessment.pk}/", team=assessment.team,
              lead_elsewhere=other_lead, member=outsider)  # fmt: skip
    forbidden(client, "post", f"/assessments/{assessment.pk}/start/", team=assessment.team,
              lead_elsewhere=other_lead, member=outsider)  # fmt: skip
    assert not Attempt.objects.exists()


def test_the_attempt_page_never_holds_an_answer(client, assessment, member):
    attempt = started(client, assessment, member)
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert html.count('class="card attempt-question"') == 7
    leaks = [
        "Those are the privileged ports",  # why of a wrong choice
        "allocates node ports",  # explanation
        "DNS returns the Pod IPs",
        "spec.ports.nodePort",  # accepted answer
        "picked from the range",
        "builds on a ClusterIP Service",
        "::NodePort", "ClusterIP::",  # cloze answers
        "reachable only from inside",
        "nodePort: 30080",  # the yaml solution
        "Set nodePort to 30080",  # a check's message
        "is_correct", "correct",
    ]  # fmt: skip
    for leak in leaks:
        assert leak not in html, leak
    cloze = html[html.index('id="question-5"') : html.index('id="question-6"')]
    assert 'name="q5-cloze-1"' in cloze and "NodePort" not in cloze and "ClusterIP" not in cloze
    assert 'name="q4-position-0"' in html
    deadline = attempt.deadline.isoformat()
    assert f'data-deadline="{deadline}"' in html and "Ends at" in html and "10:30 UTC" in html
    assert "<script>" not in html.replace('<script src="', "")


def test_autosave_with_htmx_then_resume_after_reload(client, assessment, member):
    attempt = started(client, assessment, member)
    url = f"/assessments/attempts/{attempt.pk}/questions/2/"
    response = client.post(url, {"q2-present": "1", "q2-truth": "false", "q3-present": "1",
                                 "q3-text": "ignored: not this question"}, **HTMX)  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="save-status-2"' in body and "Saved 10:00:00" in body
    client.post(f"/assessments/attempts/{attempt.pk}/questions/3/",
                {"q3-present": "1", "q3-text": "nodePort"}, **HTMX)  # fmt: skip
    client.post(f"/assessments/attempts/{attempt.pk}/questions/6/",
                {"q6-present": "1", "q6-choice": ["0", "2"]}, **HTMX)  # fmt: skip
    # A reload (or a new browser) shows every saved answer.
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert re.search(r'name="q2-truth" value="false" checked', html)
    assert 'name="q3-text" value="nodePort"' in html
    assert re.search(r'name="q6-choice" value="0" checked', html)
    assert not re.search(r'name="q6-choice" value="1" checked', html)
    assert "<strong>3 of 7</strong> answered" in html
    assert (
        client.post(f"/assessments/{assessment.pk}/start/")["Location"]
        == f"/assessments/attempts/{attempt.pk}/"
    )


def test_plain_save_button_saves_the_whole_form(client, assessment, member):
    attempt = started(client, assessment, member)
    data = posted(answers_for(attempt, right={"example-headless", "example-nodeport-field"}))
    data["save"] = "3"
    response = client.post(f"/assessments/attempts/{attempt.pk}/save/", data)
    assert response.status_code == 302 and response["Location"].endswith("#question-3")
    assert attempt.questions.exclude(response=[]).count() == 2
    # Without JS the per-question endpoint redirects back too.
    response = client.post(
        f"/assessments/attempts/{attempt.pk}/questions/1/", {"q1-present": "1", "q1-choice": "0"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#question-1")


def test_late_answers_are_refused_with_409_and_change_nothing(
    client, assessment, member, frozen_clock
):
    attempt = started(client, assessment, member)
    client.post(
        f"/assessments/attempts/{attempt.pk}/questions/2/",
        {"q2-present": "1", "q2-truth": "false"},
        **HTMX,
    )
    frozen_clock.move_to(attempt.deadline + timedelta(seconds=1))
    late = client.post(
        f"/assessments/attempts/{attempt.pk}/questions/2/",
        {"q2-present": "1", "q2-truth": "true"},
        **HTMX,
    )
    assert late.status_code == 409
    assert "Time is up" in late.content.decode() and 'id="save-status-2"' in late.content.decode()
    assert attempt.questions.get(position=2).response == ["false"]
    plain = client.post(
        f"/assessments/attempts/{attempt.pk}/save/", {"q2-present": "1", "q2-truth": "true"}
    )
    assert plain.status_code == 409 and "can no longer change" in plain.content.decode()
    submit = client.post(
        f"/assessments/attempts/{attempt.pk}/submit/", {"q2-present": "1", "q2-truth": "true"}
    )
    assert submit.status_code == 302
    attempt.refresh_from_db()
    assert attempt.is_time_up and attempt.correct_count == 1
    assert attempt.questions.get(position=2).response == ["false"]


def test_a_late_plain_submit_is_refused_with_409(client, assessment, member, frozen_clock):
    attempt = started(client, assessment, member)
    frozen_clock.move_to(attempt.deadline)
    response = client.post(
        f"/assessments/attempts/{attempt.pk}/submit/",
        posted(answers_for(attempt, right=set(GRADED_SLUGS))),
    )
    assert response.status_code == 409 and "Time is up" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.correct_count == 0


def test_coming_back_after_the_deadline_submits_what_was_saved(
    client, assessment, member, frozen_clock
):
    attempt = started(client, assessment, member)
    client.post(
        f"/assessments/attempts/{attempt.pk}/questions/1/",
        {"q1-present": "1", "q1-choice": "0"},
        **HTMX,
    )
    frozen_clock.move_to(NOW + timedelta(hours=2))
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "Time is up: your attempt was submitted with your saved answers." in html
    assert "14% · Not passed" in html and "30 min 00 s" in html
    attempt.refresh_from_db()
    assert attempt.is_time_up and attempt.submitted_at == attempt.deadline


def test_submit_shows_the_result_and_queues_the_misses(client, assessment, member):
    attempt = started(client, assessment, member)
    data = posted(answers_for(attempt, right=set(GRADED_SLUGS) - {"example-layers"}))
    response = client.post(f"/assessments/attempts/{attempt.pk}/submit/", data)
    assert response.status_code == 302
    assert client.post(f"/assessments/attempts/{attempt.pk}/submit/", data).status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "86% · Passed" in html and "6 of 7 questions right" in html
    assert "The 1 question you missed is now in your review queue" in html
    assert "allocates node ports" in html  # answers shown after submitting (the default)
    assert "/topics/service-types/#q-example-layers" in html
    assert CardState.objects.filter(user=member, question__slug="example-layers", due=NOW).exists()
    # A finished attempt cannot be saved to.
    again = client.post(
        f"/assessments/attempts/{attempt.pk}/questions/1/", {"q1-present": "1"}, **HTMX
    )
    assert again.status_code == 409


@pytest.mark.parametrize("policy", ["after_close", "never"])
def test_answers_are_hidden_until_the_policy_allows(
    client, assessment, member, frozen_clock, policy
):
    assessment.answers_shown = policy
    assessment.save()
    attempt = started(client, assessment, member)
    client.post(
        f"/assessments/attempts/{attempt.pk}/submit/",
        posted(answers_for(attempt, right={"example-headless"})),
    )
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "14% · Not passed" in html
    for leak in ("allocates node ports", "DNS returns the Pod IPs", "nodePort: 30080", "✓"):
        assert leak not in html, leak
    frozen_clock.move_to(assessment.closes_at)
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert ("allocates node ports" in html) is (policy == "after_close")


def test_attempt_forbidden_cases(client, assessment, member, other_member, other_lead, lead):
    attempt = started(client, assessment, member)
    url = f"/assessments/attempts/{attempt.pk}/"
    forbidden(
        client, "get", url, team=assessment.team, lead_elsewhere=other_lead, member=other_member
    )
    for action in ("save/", "questions/1/", "submit/"):
        forbidden(client, "post", url + action, team=assessment.team, lead_elsewhere=other_lead,
                  member=other_member, data={"q1-present": "1", "q1-choice": "1"})  # fmt: skip
        login(client, lead)
        assert client.post(url + action, {"q1-present": "1"}).status_code == 404  # leads read only
    assert attempt.questions.exclude(response=[]).count() == 0
    attempt.refresh_from_db()
    assert not attempt.is_submitted
    # The team's lead sees the attempt (in progress: no answers yet).
    assert "In progress" in login(client, lead).get(url).content.decode()


def test_the_lead_sees_a_submitted_attempt_with_its_answers(client, assessment, member, lead):
    assessment.answers_shown = "never"
    assessment.save()
    attempt = started(client, assessment, member)
    client.post(
        f"/assessments/attempts/{attempt.pk}/submit/",
        posted(answers_for(attempt, right={"example-headless"})),
    )
    html = login(client, lead).get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "member" in html and "allocates node ports" in html


# Building -----------------------------------------------------------------------------------------


def test_create_an_assessment(client, lead, team):
    html = login(client, lead).get("/assessments/new/").content.decode()
    assert 'type="datetime-local"' in html and team.name in html
    response = client.post("/assessments/new/", {
        "team": team.pk, "title": "Week one", "instructions": "Go", "time_limit_minutes": "20",
        "pass_mark": "80", "attempts_allowed": "2", "opens_at": "2026-05-04T09:00",
        "closes_at": "2026-05-11T09:00", "answers_shown": "after_close", "assigned_to_all": "on",
    })  # fmt: skip
    assessment = Assessment.objects.get(title="Week one")
    assert response["Location"] == f"/assessments/{assessment.pk}/manage/"
    assert assessment.created_by == lead and not assessment.is_published
    assert assessment.closes_at - assessment.opens_at == timedelta(days=7)


def test_create_refuses_a_team_you_do_not_lead_and_a_backwards_window(
    client, lead, member, other_lead
):
    data = {"team": other_lead.memberships.get().team_id, "title": "X", "time_limit_minutes": "20",
            "pass_mark": "80", "attempts_allowed": "1", "opens_at": "2026-05-04T09:00",
            "closes_at": "2026-05-03T09:00", "answers_shown": "never"}  # fmt: skip
    response = login(client, lead).post("/assessments/new/", data)
    html = response.content.decode()
    assert response.status_code == 400 and "Select a valid choice" in html
    assert "The window must close after it opens." in html
    assert "You lead no team yet" in login(client, member).get("/assessments/new/").content.decode()
    assert client.post("/assessments/new/", data).status_code == 400
    assert not Assessment.objects.filter(title="X").exists()


def test_manage_items_with_plain_forms_and_htmx(client, assessment, lead, example):
    url = f"/assessments/{assessment.pk}/"
    html = login(client, lead).get(url + "manage/").content.decode()
    assert "example-write-nodeport" in html and "Add a random draw" in html
    assert 'value="example-explain-service"' not in html  # flashcards are not offered
    response = client.post(url + "items/question/", {"question": "example-explain-service"})
    assert response.status_code == 302
    assert "flashcards are self-graded" in client.get(response["Location"]).content.decode()
    fragment = client.post(
        url + "items/draw/", {"topic": "service-types", "count": "9", "difficulty": "1"}, **HTMX
    )
    body = fragment.content.decode()
    assert (
        fragment.status_code == 200
        and "<html" not in body
        and body.lstrip().startswith('<div id="builder"')
    )
    assert "9 random" in body and "Only 1 question to draw from." in body
    item = AssessmentItem.objects.get(topic__isnull=False)
    client.post(url + f"items/{item.pk}/remove/", {"confirmed": "1"}, **HTMX)
    assert not AssessmentItem.objects.filter(pk=item.pk).exists()
    Question.objects.filter(slug="example-cloze").update(is_retired=True)
    assert "Retired since it was added" in client.get(url + "manage/").content.decode()


def test_manage_settings_and_assignees(client, assessment, lead, member, other_member):
    url = f"/assessments/{assessment.pk}/manage/"
    login(client, lead)
    data = {"title": "Renamed", "instructions": "", "time_limit_minutes": "45", "pass_mark": "70",
            "attempts_allowed": "1", "opens_at": "2026-05-03T10:00", "closes_at": "2026-05-10T10:00",
            "answers_shown": "after_submit"}  # fmt: skip
    bad = client.post(url, data)
    assert bad.status_code == 400 and "Choose the members" in bad.content.decode()
    assert client.post(url, {**data, "assignees": [member.pk]}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.title == "Renamed" and list(assessment.assignees.all()) == [member]
    outsider = UserFactory()
    bad = client.post(url, {**data, "assignees": [outsider.pk]})
    assert bad.status_code == 400


def test_publish_and_back_to_draft(client, assessment, lead, member):
    url = f"/assessments/{assessment.pk}/publish/"
    login(client, lead)
    client.post(url, {"publish": "0"})
    assessment.refresh_from_db()
    assert not assessment.is_published
    assert login(client, member).get(f"/assessments/{assessment.pk}/").status_code == 404
    login(client, lead).post(url, {"publish": "1"})
    started(client, assessment, member)
    response = login(client, lead).post(url, {"publish": "0"})
    assert "stays published" in client.get(response["Location"]).content.decode()


def test_preview_draws_and_shows_answers_to_the_lead(client, assessment, lead):
    html = login(client, lead).get(f"/assessments/{assessment.pk}/preview/").content.decode()
    assert html.count('class="card attempt-question"') == 7
    assert "allocates node ports" in html and "disabled" in html
    assert "<form" not in html.split('id="main"')[1]
    assert not Attempt.objects.exists()


def test_building_views_forbidden_cases(client, assessment, member, other_lead):
    url = f"/assessments/{assessment.pk}/"
    item = assessment.items.first()
    for method, path, data in [
        ("get", "manage/", None),
        ("post", "manage/", {"title": "Hacked"}),
        ("post", "items/question/", {"question": "example-headless"}),
        ("post", "items/draw/", {"topic": "service-types", "count": "1"}),
        ("post", f"items/{item.pk}/remove/", None),
        ("post", "publish/", {"publish": "0"}),
        ("get", "preview/", None),
        ("get", "report/", None),
        ("get", "report/members.csv", None),
        ("get", "report/questions.csv", None),
    ]:
        forbidden(client, method, url + path, team=assessment.team, lead_elsewhere=other_lead,
                  member=member, data=data)  # fmt: skip
    assessment.refresh_from_db()
    assert assessment.title == "Service types" and assessment.is_published
    assert assessment.items.count() == 7


def test_staff_can_manage_any_assessment(client, assessment):
    staff = UserFactory(username="staff", is_staff=True)
    login(client, staff)
    assert client.get(f"/assessments/{assessment.pk}/manage/").status_code == 200
    assert client.get(f"/assessments/{assessment.pk}/report/").status_code == 200


# Reports ------------------------------------------------------------------------------------------


def take(assessment, user, right, now=NOW):
    attempt = services.start_attempt(assessment=assessment, user=user, now=now)
    services.submit_attempt(attempt_id=attempt.pk, user=user, now=now + timedelta(minutes=7),
                            data=answers_for(attempt, right=right))  # fmt: skip
    return attempt


def test_report_members_and_questions(client, assessment, lead, member, other_member):
    take(assessment, member, set(GRADED_SLUGS))
    take(assessment, other_member, {"example-headless"})
    member_of(assessment.team, "not-started")
    html = login(client, lead).get(f"/assessments/{assessment.pk}/report/").content.decode()
    assert "Not started" in html and "Passed" in html and "Not passed" in html
    assert "7 min 00 s" in html
    # The most missed first; linked to its topic page anchor.
    first = re.search(
        r'<a href="(/topics/[^"]+)">([a-z-]+)</a>', html.split("questions-heading")[-1]
    )
    assert first.group(1) == f"/topics/service-types/#q-{first.group(2)}"
    assert first.group(2) != "example-headless"

    members = list(
        csv.reader(
            io.StringIO(
                client.get(f"/assessments/{assessment.pk}/report/members.csv").content.decode()
            )
        )
    )
    assert members[0][:5] == ["username", "name", "status", "score_percent", "passed"]
    rows = {row[0]: row for row in members[1:]}
    assert rows["member"][2:5] == ["Passed", "100.0", "yes"] and rows["member"][6:] == ["420", "1"]
    assert rows["other-member"][2:5] == ["Not passed", "14.3", "no"]
    assert rows["not-started"][2:] == ["Not started", "", "", "", "", "0"]

    questions = list(
        csv.reader(
            io.StringIO(
                client.get(f"/assessments/{assessment.pk}/report/questions.csv").content.decode()
            )
        )
    )
    assert questions[0] == ["question", "topic", "type", "asked", "answered", "correct",
                            "facility_index_percent", "discrimination_index", "url"]  # fmt: skip
    by_slug = {row[0]: row for row in questions[1:]}
    # Two members: groups of one each (the top and the bottom); other-member left the cloze blank.
    assert by_slug["example-headless"][3:8] == ["2", "2", "2", "100.0", "0.00"]
    assert by_slug["example-cloze"][3:8] == ["2", "1", "1", "50.0", "1.00"]
    assert by_slug["example-cloze"][8] == "http://testserver/topics/service-types/#q-example-cloze"
    assert questions[-1][0] == "example-headless"


def build_report_data(assessment, members: int, questions: int):
    """`members` members who each answered `questions` questions, made with bulk_create."""
    from studyapp.accounts.models import Membership, User
    from studyapp.assessments.models import AttemptQuestion
    from studyapp.banks.models import Bank, Topic

    topic = Topic.objects.create(slug=f"bulk-{members}", title="Bulk")
    bank = Bank.objects.create(slug=f"bulk-{members}", title="Bulk", topic=topic)
    made = Question.objects.bulk_create(
        Question(
            slug=f"bulk-{members}-{i}",
            bank=bank,
            topic=topic,
            type="truefalse",
            prompt=f"Statement {i}",
            explanation="E",
            truth=True,
        )  # fmt: skip
        for i in range(questions)
    )
    users = User.objects.bulk_create(User(username=f"bulk-{members}-{i}") for i in range(members))
    Membership.objects.bulk_create(Membership(team=assessment.team, user=u) for u in users)
    attempts = Attempt.objects.bulk_create(
        Attempt(
            assessment=assessment,
            user=u,
            number=1,
            started_at=NOW,
            deadline=NOW + timedelta(minutes=30),
            submitted_at=NOW + timedelta(minutes=9),
            question_count=questions,
            correct_count=i % (questions + 1),
            score=100 * (i % (questions + 1)) / questions,
            passed=i % 2 == 0,
        )  # fmt: skip
        for i, u in enumerate(users)
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=a,
            position=j + 1,
            question=q,
            question_slug=q.slug,
            topic_slug=topic.slug,
            topic_title=topic.title,
            spec={
                "id": q.slug,
                "type": "truefalse",
                "prompt": q.prompt,
                "explanation": "E",
                "truth": True,
            },
            response=["true"],
            is_correct=j < a.correct_count,
        )  # fmt: skip
        for a in attempts
        for j, q in enumerate(made)
    )


@pytest.mark.parametrize(("members", "questions"), [(5, 4), (100, 50)])
def test_report_runs_a_constant_number_of_queries(
    client, assessment, lead, members, questions, django_assert_max_num_queries
):
    build_report_data(assessment, members, questions)
    login(client, lead)
    with django_assert_max_num_queries(8):
        response = client.get(f"/assessments/{assessment.pk}/report/")
    html = response.content.decode()
    assert html.count("<tr>") >= members + questions
    with django_assert_max_num_queries(8):
        client.get(f"/assessments/{assessment.pk}/report/questions.csv")
    with django_assert_max_num_queries(8):
        client.get(f"/assessments/{assessment.pk}/report/members.csv")


@pytest.mark.parametrize("size", [3, 40])
def test_member_pages_run_a_constant_number_of_queries(
    client, assessment, member, size, django_assert_max_num_queries
):
    for i in range(size):
        other = AssessmentFactory(team=assessment.team, title=f"Extra {i}")
        AssessmentItem.objects.create(assessment=other, question=Question.objects.first())
    login(client, member)
    with django_assert_max_num_queries(6):
        client.get("/assessments/")
    attempt = started(client, assessment, member)
    with django_assert_max_num_queries(7):
        client.get(f"/assessments/attempts/{attempt.pk}/")
    with django_assert_max_num_queries(9):
        client.post(
            f"/assessments/attempts/{attempt.pk}/questions/2/",
            {"q2-present": "1", "q2-truth": "false"},
            **HTMX,
        )


def test_timezone_now_is_frozen():
    assert timezone.now() == NOW


@pytest.mark.parametrize("url", ["/assessments/", "/assessments/new/", "/teams/", "/teams/1/"])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/teams/new/", {"name": "X"}).status_code == 302


def test_csv_cells_are_never_read_as_formulas(client, assessment, lead):
    user = member_of(assessment.team, "-member")
    user.first_name = "=HYPERLINK(1)"
    user.save()
    body = (
        login(client, lead).get(f"/assessments/{assessment.pk}/report/members.csv").content.decode()
    )
    assert "'-member,'=HYPERLINK(1)" in body


def test_saving_a_question_the_attempt_does_not_have_is_404(client, assessment, member):
    attempt = started(client, assessment, member)
    response = client.post(
        f"/assessments/attempts/{attempt.pk}/questions/99/", {"q99-present": "1"}, **HTMX
    )
    assert response.status_code == 404


def test_a_removed_member_loses_their_attempts_at_once(client, assessment, lead, member):
    attempt = started(client, assessment, member)
    done = take(assessment, member_of(assessment.team, "finished"), set(GRADED_SLUGS))
    assessment.team.memberships.filter(user__in=[done.user, member]).delete()

    url = f"/assessments/attempts/{attempt.pk}/"
    data = answers_for(attempt, right=set(GRADED_SLUGS))
    assert client.get(url).status_code == 404
    assert client.post(url + "save/", data).status_code == 404
    assert client.post(url + "submit/", data).status_code == 404
    with pytest.raises(services.AssessmentError):
        services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW, data=data)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not any(q.response for q in attempt.questions.all())

    # The lead still reads the finished attempt of the member who left, marked as such.
    html = login(client, lead).get(f"/assessments/{assessment.pk}/report/").content.decode()
    row = next(line for line in html.split("<tr") if "finished" in line)
    assert "former member" in row and "100%" in row
    assert client.get(f"/assessments/attempts/{done.pk}/").status_code == 200

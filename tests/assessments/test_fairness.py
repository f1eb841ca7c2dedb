"""Assessment verdicts that can be trusted: choice values that reveal nothing, Moodle's partial
credit for multi questions, and a lead's manual regrade that the score and the report follow."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
import time_machine
from django.http import QueryDict

from studyapp.assessments import services
from studyapp.assessments.models import AssessmentItem, Attempt, AttemptQuestion
from studyapp.assessments.scoring import attempt_percent, question_credit
from tests.factories import (
    AssessmentFactory,
    ChoiceFactory,
    MembershipFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
)

from .conftest import NOW, answers_for, posted

pytestmark = pytest.mark.django_db
FIRST_INPUT = re.compile(r'<input type="radio" name="(q\d+-choice)" value="(\d+)"')


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("question_type", "is_correct", "score", "credit"),
    [
        ("single", True, 1.0, 1.0),
        ("single", False, 0.0, 0.0),
        ("multi", False, 0.5, 0.5),  # one of two right choices: half the point
        ("multi", False, 0.3333, 0.3333),
        ("multi", False, 0.0, 0.0),
        ("cloze", False, 0.5, 0.0),  # only multi earns partial credit
        ("order", False, 0.66, 0.0),
        ("yaml", False, 0.5, 0.0),
    ],
)
def test_question_credit(question_type, is_correct, score, credit):
    assert question_credit(question_type, is_correct, score) == credit


def test_attempt_percent():
    assert attempt_percent([1.0, 0.5, 0.0, 1.0]) == 62.5
    assert attempt_percent([]) == 0.0


def test_choice_values_are_displayed_positions_never_bank_indexes(client, assessment, member):
    assessment.shuffle_choices = True
    assessment.save()
    client.force_login(member)
    client.post(f"/assessments/{assessment.pk}/start/")
    attempt = Attempt.objects.get(user=member)
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    row = AttemptQuestion.objects.get(attempt=attempt, question_slug="example-types")
    values = re.findall(rf'name="q{row.position}-choice" value="(\d+)"', html)
    assert values == ["0", "1", "2"]  # in the order shown, whatever the order in the bank
    # The member ticks what is shown first and third: the bank indexes behind them are saved.
    data = QueryDict(mutable=True)
    data[f"q{row.position}-present"] = "1"
    data.setlist(f"q{row.position}-choice", ["0", "2"])
    client.post(f"/assessments/attempts/{attempt.pk}/save/", posted(data))
    row.refresh_from_db()
    assert row.response == [str(row.choice_order[0]), str(row.choice_order[2])]
    html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    checked = re.findall(rf'name="q{row.position}-choice" value="(\d+)" checked', html)
    assert checked == ["0", "2"]


def test_always_the_first_input_or_value_zero_scores_about_chance_over_50_cards(team):
    topic = TopicFactory()
    assessment = AssessmentFactory(team=team, shuffle_choices=True, pass_mark=50,
                                   opens_at=NOW - timedelta(days=1))  # fmt: skip
    for number in range(50):
        question = QuestionFactory(topic=topic, bank__topic=topic, type="single", truth=None)
        for position in range(4):  # the right choice authored first, as every bank once had it
            ChoiceFactory(question=question, position=position, text=f"option {position}",
                          is_correct=position == 0)  # fmt: skip
        AssessmentItem.objects.create(assessment=assessment, question=question, position=number)
    from django.test import Client

    scores = {}
    for seed, strategy in enumerate(("first input", "value 0"), start=13):
        member = MembershipFactory(
            team=team, user=UserFactory(username=strategy.replace(" ", "-"))
        ).user
        attempt = services.start_attempt(assessment=assessment, user=member, now=NOW,
                                         rng=random.Random(seed))  # fmt: skip
        client = Client()
        client.force_login(member)
        html = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
        data = QueryDict(mutable=True)
        firsts: dict[str, str] = {}
        for name, value in FIRST_INPUT.findall(html):
            firsts.setdefault(name, value)
        assert len(firsts) == 50
        for name, value in firsts.items():
            data[name.replace("choice", "present")] = "1"
            data[name] = value if strategy == "first input" else "0"
        client.post(f"/assessments/attempts/{attempt.pk}/submit/", posted(data))
        attempt.refresh_from_db()
        scores[strategy] = attempt.correct_count
    # Chance is 12.5 of 50; with values that were bank indexes both strategies scored 50.
    print(scores)
    assert all(6 <= right <= 19 for right in scores.values()), scores


def test_a_multi_question_earns_moodle_partial_credit(client, assessment, member):
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW,
                                     rng=random.Random(1))  # fmt: skip
    data = answers_for(attempt, right={"example-headless"})
    types = attempt.questions.get(question_slug="example-types")
    data[f"q{types.position}-present"] = "1"
    data.setlist(f"q{types.position}-choice", ["0"])  # NodePort: one of the two right choices
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=5),
                            data=data)  # fmt: skip
    types.refresh_from_db()
    attempt.refresh_from_db()
    assert types.is_correct is False and types.score == 0.5
    assert attempt.correct_count == 1
    assert attempt.score == round(100 * 1.5 / 7, 2)  # headless right + half of example-types
    client.force_login(member)
    page = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "Partly right: 50% of the point" in page and "21% · Not passed" in page


def submitted(assessment, member, right):
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW,
                                     rng=random.Random(1))  # fmt: skip
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=5),
                            data=answers_for(attempt, right=right, wrong={"example-nodeport-field"}))  # fmt: skip
    attempt.refresh_from_db()
    return attempt


def test_a_lead_regrades_a_question_and_the_score_and_report_follow(
    client, assessment, lead, member
):
    right = {"example-headless", "example-nodeport-range", "example-cloze"}
    attempt = submitted(assessment, member, right)
    assert attempt.score == round(100 * 3 / 7, 2) and not attempt.passed  # pass mark 50
    field = attempt.questions.get(question_slug="example-nodeport-field")
    client.force_login(lead)
    page = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert page.count("Mark right") == 4 and page.count("Mark wrong") == 3
    url = f"/assessments/attempts/{attempt.pk}/questions/{field.position}/regrade/"
    response = client.post(url, {"verdict": "right"})
    assert response["Location"] == f"/assessments/attempts/{attempt.pk}/#question-{field.position}"
    client.post(url, {"verdict": "right"})  # twice: the same
    attempt.refresh_from_db()
    field.refresh_from_db()
    assert field.is_correct and field.score == 1.0 and field.regraded_by == lead
    assert attempt.correct_count == 4 and attempt.score == round(100 * 4 / 7, 2)
    assert attempt.passed
    page = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "Question 3 marked right: the score is now 57% (passed)" in page
    assert "marked right by a team lead" in page
    report = client.get(f"/assessments/{assessment.pk}/report/").content.decode()
    assert "57%" in report and "Passed" in report
    questions = client.get(f"/assessments/{assessment.pk}/report/questions.csv").content.decode()
    assert "example-nodeport-field,service-types,Short answer,1,1,1,100.0" in questions
    # And back: the lead's "wrong" takes the whole point away again.
    client.post(url, {"verdict": "wrong"})
    attempt.refresh_from_db()
    assert attempt.correct_count == 3 and not attempt.passed
    # The member sees the lead's verdict, and has no way to override one.
    client.force_login(member)
    mine = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "marked wrong by a team lead" in mine
    assert "Mark right" not in mine and "I was right" not in mine


def test_regrade_forbidden_cases(client, assessment, lead, member, other_member, other_lead):
    attempt = submitted(assessment, member, {"example-headless"})
    url = f"/assessments/attempts/{attempt.pk}/questions/1/regrade/"
    for user in (member, other_member, other_lead):
        client.force_login(user)
        assert client.post(url, {"verdict": "right"}).status_code == 404, user
    client.logout()
    assert "/accounts/login/" in client.post(url, {"verdict": "right"})["Location"]
    client.force_login(lead)
    assert client.get(url).status_code == 405
    assert client.post(url, {"verdict": "maybe"}).status_code == 400
    missing = f"/assessments/attempts/{attempt.pk}/questions/99/regrade/"
    assert (
        "no such question"
        in client.post(missing, {"verdict": "right"}, follow=True).content.decode()
    )
    attempt.refresh_from_db()
    assert attempt.correct_count == 1
    running = services.start_attempt(assessment=assessment, user=other_member, now=NOW)
    with pytest.raises(services.AssessmentError, match="Only a submitted attempt"):
        services.regrade_question(attempt_id=running.pk, position=1, is_correct=True, by=lead,
                                  now=NOW)  # fmt: skip
    with pytest.raises(services.AssessmentError, match="your own attempt"):
        services.regrade_question(attempt_id=attempt.pk, position=1, is_correct=True, by=member,
                                  now=NOW)  # fmt: skip

"""Restricted banks: their questions (answer keys of assessments) appear nowhere but assessments,
and reach a member's reviews only after an assessment asked them, when its answers may be shown."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from studyapp.assessments import services
from studyapp.assessments.models import Assessment
from studyapp.banks.models import Bank, Question
from studyapp.study import selectors
from studyapp.study import services as study_services
from studyapp.study.models import Answer, CardState
from tests.factories import UserFactory

from .conftest import GRADED_SLUGS, NOW, answers_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def restricted(example):
    Bank.objects.filter(slug="example").update(is_restricted=True)
    return Question.objects.filter(bank__slug="example")


def test_the_bank_file_key_loads_and_exports(example_content, tmp_path):
    bank = example_content.root / "banks" / "example.yaml"
    bank.write_text(
        bank.read_text().replace(
            "topic: service-types\n", "topic: service-types\nrestricted: true\n", 1
        )
    )
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    assert Bank.objects.get(slug="example").is_restricted
    call_command("exportbanks", str(tmp_path / "out"), stdout=StringIO())
    assert (tmp_path / "out" / "banks" / "example.yaml").read_bytes() == bank.read_bytes()
    bank.write_text(bank.read_text().replace("restricted: true\n", "restricted: maybe\n"))
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("loadbanks", "--check", str(example_content.root), stdout=StringIO(),
                     stderr=errors)  # fmt: skip
    assert "banks/example.yaml:5: 'restricted' must be true or false" in errors.getvalue()


def test_public_pages_and_counts_leave_them_out(client, restricted):
    client.force_login(UserFactory())
    topic_page = client.get("/topics/service-types/").content.decode()
    assert not any(f'id="q-{q.slug}"' in topic_page for q in restricted)
    assert "example-nodeport-range" not in topic_page
    snippet_page = client.get("/snippets/example-nodeport/").content.decode()
    assert "example-write-nodeport" not in snippet_page


def test_downloads_need_a_login_and_leave_restricted_banks_out(client, restricted):
    for url in ("/interop/topics/service-types.apkg", "/interop/topics/service-types.gift"):
        assert client.get(url).status_code == 302, url
    client.force_login(UserFactory())
    gift = client.get("/interop/topics/service-types.gift").content.decode()
    assert "example-nodeport-range" not in gift
    Bank.objects.update(is_restricted=False)
    assert (
        "example-nodeport-range"
        in client.get("/interop/topics/service-types.gift").content.decode()
    )


def test_practice_drill_and_new_cards_never_offer_them(client, restricted):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/study/practice/?topic=service-types").content.decode()
    assert "no questions" in page.lower() or not any(q.slug in page for q in restricted)
    question = restricted.get(slug="example-nodeport-range")
    posted = client.post("/study/practice/", {"topic": "service-types", "question": question.pk})
    assert posted.status_code == 404
    settings = selectors.study_settings(user)
    assert selectors.next_card(user, settings, NOW)[0] is None
    assert study_services.queue_now(user_id=user.pk, question_ids=[question.pk], now=NOW) == 0
    assert not CardState.objects.filter(user=user).exists()


def test_a_learner_cannot_answer_one_by_posting_its_id(client, restricted):
    user = UserFactory()
    client.force_login(user)
    question = restricted.get(slug="example-headless")
    client.post("/study/answer/", {"question": question.pk, "version": 0, "truth": "false"})
    assert not Answer.objects.filter(user=user).exists()
    assert not CardState.objects.filter(user=user).exists()


def _fail_everything(assessment, member, shown):
    assessment.answers_shown = shown
    assessment.save()
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW)
    services.submit_attempt(attempt_id=attempt.pk, user=member, now=NOW + timedelta(minutes=5),
                            data=answers_for(attempt, wrong=set(GRADED_SLUGS)))  # fmt: skip
    return CardState.objects.filter(user=member)


def test_misses_shown_after_submitting_are_due_at_once(assessment, member, restricted):
    cards = _fail_everything(assessment, member, Assessment.AnswersShown.AFTER_SUBMIT)
    assert cards.count() == len(GRADED_SLUGS)
    assert {card.due for card in cards} == {NOW + timedelta(minutes=5)}


def test_misses_shown_after_the_window_are_due_when_it_closes(
    client, assessment, member, restricted
):
    cards = _fail_everything(assessment, member, Assessment.AnswersShown.AFTER_CLOSE)
    assert {card.due for card in cards} == {assessment.closes_at}
    card = cards.get(question__slug="example-headless")
    client.force_login(member)
    with time_machine.travel(assessment.closes_at - timedelta(minutes=1), tick=False):
        client.post("/study/answer/", {"question": card.question_id, "version": card.version,
                                       "truth": "false"})  # fmt: skip
        assert not Answer.objects.filter(user=member).exists()
    with time_machine.travel(assessment.closes_at + timedelta(minutes=1), tick=False):
        client.post("/study/answer/", {"question": card.question_id, "version": card.version,
                                       "truth": "false"})  # fmt: skip
        assert Answer.objects.filter(user=member, card=card).exists()


def test_misses_of_an_assessment_that_never_shows_answers_are_not_queued(
    assessment, member, restricted
):
    assert not _fail_everything(assessment, member, Assessment.AnswersShown.NEVER).exists()


def test_public_misses_are_queued_whatever_the_answers_policy(assessment, member, example):
    cards = _fail_everything(assessment, member, Assessment.AnswersShown.NEVER)
    assert cards.count() == len(GRADED_SLUGS)


def test_leads_see_which_questions_are_for_assessments_only(client, assessment, lead, restricted):
    client.force_login(lead)
    page = client.get(f"/assessments/{assessment.pk}/manage/?q=NodePort").content.decode()
    assert "assessments only" in page

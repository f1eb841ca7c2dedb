"""Imports never destroy: our own notes update their question, nothing retired unless asked."""

from __future__ import annotations

from io import StringIO

import genanki
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from studyapp.banks.models import Bank, Question, Topic
from studyapp.interop.anki_export import BASIC, back, build_package, note_guid, questions_for_export
from studyapp.interop.anki_import import plan_import
from tests.factories import AssessmentFactory, AssessmentItemFactory, UserFactory
from tests.interop.test_anki import make_deck

pytestmark = pytest.mark.django_db

IMPORT = "/admin/banks/bank/import-anki/"


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


def _snapshot() -> list[tuple]:
    return list(
        Question.objects.order_by("pk").values_list(
            "pk", "slug", "bank_id", "topic_id", "is_retired", "prompt", "answer", "position"
        )
    )


def _import(*args: str) -> str:
    out = StringIO()
    call_command("importapkg", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("replace", [False, True])
def test_importing_our_own_export_into_its_bank_changes_nothing(example, tmp_path, replace):
    deck = tmp_path / "ours.apkg"
    build_package(questions_for_export(bank_slug="example"), deck)
    before = _snapshot()
    flags = ["--replace"] if replace else []
    text = _import(str(deck), "--bank", "example", *flags)
    assert (
        "0 would be created, 0 would be updated, 8 unchanged, 0 skipped, 0 would be retired" in text
    )
    assert "Nothing to do" in text
    assert _snapshot() == before  # same ids, same banks and topics, nothing retired


def _our_note(question: Question, front_html: str) -> genanki.Note:
    return genanki.Note(model=BASIC, fields=[front_html, back(question), question.slug],
                        guid=note_guid(question.slug))  # fmt: skip


def test_a_card_edited_in_anki_updates_its_own_question(example, tmp_path):
    flashcard = Question.objects.get(slug="example-explain-service")
    single = Question.objects.get(slug="example-nodeport-range")
    deck = genanki.Deck(1234567, "Edited")
    deck.add_note(_our_note(flashcard, "<p>Explain a <b>Service</b> in two sentences.</p>"))
    deck.add_note(_our_note(single, "<p>Which port range, really?</p>"))
    path = tmp_path / "edited.apkg"
    genanki.Package(deck).write_to_file(str(path))

    text = _import(str(path), "--bank", "some-other-bank", "--topic", "services")
    assert "example-explain-service (prompt)" in text
    assert "example-nodeport-range: the card was edited in Anki, but a 'single' question" in text
    flashcard.refresh_from_db()
    assert flashcard.prompt == "<p>Explain a <b>Service</b> in two sentences.</p>"
    assert flashcard.bank.slug == "example" and flashcard.topic.slug == "service-types"
    assert not Bank.objects.filter(slug="some-other-bank").exists()
    # The same deck again: the question already says it.
    again = _import(str(path), "--bank", "some-other-bank")
    assert "0 would be updated, 1 unchanged, 1 skipped" in again


def test_a_foreign_deck_adds_and_retires_nothing_without_replace(example, tmp_path):
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    text = _import(str(deck), "--bank", "example")
    assert "2 created" in text and "0 retired" in text
    bank = Bank.objects.get(slug="example")
    assert bank.questions.filter(is_retired=False).count() == 10
    added = bank.questions.filter(slug__contains="-anki-")
    assert {q.topic.slug for q in added} == {"service-types"}  # the bank's topic by default
    assert sorted(q.position for q in added) == [8, 9]  # after the bank's own questions


def test_replace_previews_what_goes_and_the_assessments_that_lose_it(example, tmp_path):
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    topic = Topic.objects.get(slug="service-types")
    fixed = AssessmentItemFactory(question=Question.objects.get(slug="example-headless"),
                                  assessment__title="Onboarding")  # fmt: skip
    AssessmentItemFactory(assessment=AssessmentFactory(title="Draws"), question=None,
                          topic=topic, count=5)  # fmt: skip
    AssessmentItemFactory(assessment=AssessmentFactory(title="Draft", is_published=False),
                          question=None, topic=topic, count=5)  # fmt: skip
    before = _snapshot()
    text = _import(str(deck), "--bank", "example", "--replace", "--dry-run")
    assert "8 would be retired" in text and "Dry run: nothing was written." in text
    assert "    example-headless: A headless Service has a cluster IP." in text
    assert "    Draws: draws 5 from Service types, only 2 would remain" in text
    assert "    Onboarding: its question example-headless" in text
    assert "Draft" not in text
    assert _snapshot() == before
    assert fixed.question.is_retired is False

    _import(str(deck), "--bank", "example", "--replace")
    assert Question.objects.filter(bank__slug="example", is_retired=False).count() == 2
    assert Question.objects.filter(bank__slug="example").count() == 10  # retired, never deleted


def test_plan_names_nothing_when_nothing_is_retired(example, tmp_path):
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    AssessmentItemFactory(question=Question.objects.get(slug="example-headless"))
    plan = plan_import(deck, bank_slug="example")
    assert plan.retired == [] and plan.assessments == []


@pytest.mark.parametrize("perms", [[], ["view_bank", "change_bank"]])
def test_staff_without_the_bank_change_permissions_gets_403(client, example, tmp_path, perms):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    client.force_login(user)
    assert client.get(IMPORT).status_code == 403
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    with deck.open("rb") as handle:
        response = client.post(IMPORT, {"deck": handle, "bank": "x"})
    assert response.status_code == 403
    assert client.post(IMPORT, {"step": "import", "bank": "x"}).status_code == 403
    assert not Bank.objects.filter(slug="x").exists()


def test_staff_with_the_bank_change_permissions_may_import(client, example):
    user = UserFactory(is_staff=True)
    codenames = ["add_bank", "change_bank", "add_question", "change_question"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    assert client.get(IMPORT).status_code == 200


def _confirm_data(page) -> dict:
    confirm = page.context["confirm"]
    data = {f.name: f.value() for f in confirm if f.name != "confirm_retire"}
    return {k: ("" if v is None else v) for k, v in data.items()} | {"step": "import"}


def test_admin_replace_asks_twice_listing_what_would_go(client, example, tmp_path):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    with deck.open("rb") as handle:
        preview = client.post(IMPORT, {"deck": handle, "bank": "example", "replace": "on"})
    page = preview.content.decode()
    assert "Would be retired (8)" in page and "example-headless" in page
    assert Question.objects.filter(bank__slug="example", is_retired=True).count() == 0

    unconfirmed = client.post(IMPORT, _confirm_data(preview))
    assert unconfirmed.status_code == 200
    assert "Tick this to retire the 8 questions listed" in unconfirmed.content.decode()
    assert Question.objects.filter(is_retired=True).count() == 0

    done = client.post(IMPORT, _confirm_data(preview) | {"confirm_retire": "on"})
    assert done.status_code == 302
    assert Question.objects.filter(bank__slug="example", is_retired=True).count() == 8


def test_admin_import_shows_a_fresh_preview_when_the_bank_changed(client, example, tmp_path):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    with deck.open("rb") as handle:
        preview = client.post(IMPORT, {"deck": handle, "bank": "example", "replace": "on"})
    Question.objects.filter(slug="example-headless").update(is_retired=True)  # meanwhile
    again = client.post(IMPORT, _confirm_data(preview) | {"confirm_retire": "on"})
    assert again.status_code == 200
    assert "The bank changed since the preview" in again.content.decode()
    assert "Would be retired (7)" in again.content.decode()


def test_admin_import_of_an_upload_that_is_gone_asks_for_it_again(client, example):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = {"step": "import", "token": "0" * 32, "digest": "x", "bank": "example"}
    response = client.post(IMPORT, data, follow=True)
    assert "upload the deck again" in response.content.decode()

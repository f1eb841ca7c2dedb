"""Anki decks: written with genanki, opened with Anki's own `anki` package; imports sanitized."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import genanki
import pytest
import time_machine
from anki.collection import Collection, ImportAnkiPackageRequest
from django.core.management import call_command
from django.core.management.base import CommandError

from studyapp.banks.models import Bank, Question
from studyapp.interop.anki_export import build_package, questions_for_export
from tests.factories import ChoiceFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


def open_in_anki(tmp_path: Path, *packages: Path) -> Collection:
    (tmp_path / "anki").mkdir(exist_ok=True)
    collection = Collection(str(tmp_path / "anki" / "collection.anki2"))
    for package in packages:
        collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package)))
    return collection


def test_exported_deck_opens_in_anki_with_notes_cards_and_subdecks(example, tmp_path):
    out = tmp_path / "service-types.apkg"
    call_command("exportbank", "example", "--format", "apkg", "-o", str(out), stdout=StringIO())
    collection = open_in_anki(tmp_path, out)
    try:
        assert collection.note_count() == 8
        assert collection.card_count() == 9  # the cloze note has two deletions: two cards
        assert "Kubeprep::Service types" in [d.name for d in collection.decks.all_names_and_ids()]
        [note_id] = collection.find_notes('"Kubeprep id:example-nodeport-range"')
        note = collection.get_note(note_id)
        assert "service-types" in note.tags and "interview" in note.tags
        card = note.cards()[0]
        question, answer = card.question(), card.answer()
        assert "Which port range does a NodePort Service use by default?" in question
        assert "<li><p>30000-32767</p></li>" in question and "Choose one." in question
        assert "30000-32767" in answer and "allocates node ports" in answer
        assert "kind: Service" in answer  # the linked snippet's YAML
        [cloze_id] = collection.find_notes('"Kubeprep id:example-cloze"')
        cloze = collection.get_note(cloze_id)
        assert cloze.note_type()["type"] == 1
        first = cloze.cards()[0].question()
        assert "[...]" in first and "NodePort" not in first.split("[...]")[0][-20:]
    finally:
        collection.close()


def test_reimporting_an_updated_deck_updates_notes(example, tmp_path):
    first = tmp_path / "v1.apkg"
    build_package(questions_for_export(bank_slug="example"), first)
    question = Question.objects.get(slug="example-headless")
    question.prompt = "Does a headless Service get a virtual IP?"
    question.save()
    second = tmp_path / "v2.apkg"
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1)):  # an edit made later on
        build_package(questions_for_export(bank_slug="example"), second)
    collection = open_in_anki(tmp_path, first, second)
    try:
        assert collection.note_count() == 8
        [note_id] = collection.find_notes('"Kubeprep id:example-headless"')
        assert "Does a headless Service get a virtual IP?" in collection.get_note(note_id).fields[0]
    finally:
        collection.close()


def make_deck(path: Path) -> None:
    deck = genanki.Deck(2059400110, "Outside deck")
    one_field = genanki.Model(1607392320, "One field", fields=[{"name": "Only"}],
                              templates=[{"name": "C", "qfmt": "{{Only}}", "afmt": "{{Only}}"}])  # fmt: skip
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[
        "What does <b>kube-proxy</b> do?<script>alert(1)</script>",
        'Programs Service rules <img src="x.png" onerror="alert(2)">'], guid="g-media"))  # fmt: skip
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=[
        "Which port range do NodePorts use?<br>Answer briefly.",
        '30000-32767 <a href="javascript:alert(3)">docs</a><iframe src="//evil"></iframe>'],
        guid="g-basic", tags=["K8s_Networking"]))  # fmt: skip
    deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[
        "A {{c1::ClusterIP}} is reachable only {{c2::inside the cluster}}.", "Extra <i>note</i>"],
        guid="g-cloze"))  # fmt: skip
    deck.add_note(
        genanki.Note(model=genanki.BASIC_MODEL, fields=["Empty back", ""], guid="g-empty")
    )
    deck.add_note(genanki.Note(model=one_field, fields=["Just one field"], guid="g-one"))
    genanki.Package(deck).write_to_file(str(path))


def test_import_turns_basic_and_cloze_into_sanitized_questions(example, tmp_path):
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    out = StringIO()
    call_command("importapkg", str(deck), "--bank", "outside", "--topic", "services", stdout=out)
    text = out.getvalue()
    assert "Preview. Bank 'outside' (would be created): 2 would be created" in text
    assert "3 skipped" in text and "Done. Bank 'outside': 2 created" in text
    assert "uses media files" in text and "empty" in text and "neither Basic nor Cloze" in text
    bank = Bank.objects.get(slug="outside")
    basic = bank.questions.get(type="flashcard")
    assert basic.prompt == "Which port range do NodePorts use?\nAnswer briefly."
    assert "javascript:" not in basic.answer and "<iframe" not in basic.answer
    assert basic.tags == ["k8s-networking"] and basic.topic.slug == "services"
    cloze = bank.questions.get(type="cloze")
    assert cloze.prompt == "A {{c1::ClusterIP}} is reachable only {{c2::inside the cluster}}."
    assert cloze.explanation == "Extra <i>note</i>"
    for question in bank.questions.all():
        assert "<script" not in question.prompt + question.answer + question.explanation
    # importing again changes nothing
    again = StringIO()
    call_command("importapkg", str(deck), "--bank", "outside", "--topic", "services", stdout=again)
    assert "2 unchanged" in again.getvalue() and "Nothing to do" in again.getvalue()
    assert bank.questions.count() == 2


def test_our_own_export_into_another_bank_stays_with_its_questions(example, tmp_path):
    deck = tmp_path / "ours.apkg"
    build_package(questions_for_export(bank_slug="example"), deck)
    out = StringIO()
    call_command("importapkg", str(deck), "--bank", "reimported", stdout=out)
    assert "0 would be created, 0 would be updated, 8 unchanged" in out.getvalue()
    assert not Bank.objects.filter(slug="reimported").exists()
    assert Question.objects.filter(bank__slug="example", is_retired=False).count() == 8


def test_import_refuses_what_is_not_a_deck(example, tmp_path):
    bogus = tmp_path / "bogus.apkg"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="not an Anki deck"):
        call_command("importapkg", str(bogus), "--bank", "x", stdout=StringIO())
    assert not Bank.objects.filter(slug="x").exists()


def test_topic_page_offers_downloads(client, example):
    html = client.get("/topics/service-types/").content.decode()
    assert (
        "/interop/topics/service-types.apkg" in html
        and "/interop/topics/service-types.gift" in html
    )
    anonymous = client.get("/interop/topics/service-types.apkg")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(UserFactory())
    response = client.get("/interop/topics/service-types.apkg")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a zip


def test_admin_import_page(client, example, tmp_path, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-for-tests"))
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    assert client.get("/admin/banks/bank/import-anki/").status_code == 200
    with deck.open("rb") as handle:
        topic = Bank.objects.get(slug="example").topic_id
        preview = client.post("/admin/banks/bank/import-anki/",
                              {"deck": handle, "bank": "from-admin", "topic": topic})  # fmt: skip
    assert preview.status_code == 200
    assert "2 would be created" in preview.content.decode()
    assert not Bank.objects.filter(slug="from-admin").exists()  # a preview writes nothing
    confirm = preview.context["confirm"]
    data = {name: field.value() for name, field in ((f.name, f) for f in confirm)}
    data = {k: ("" if v is None else v) for k, v in data.items() if k != "confirm_retire"}
    response = client.post("/admin/banks/bank/import-anki/", {**data, "step": "import"})
    assert response.status_code == 302
    assert Bank.objects.get(slug="from-admin").questions.count() == 2


def test_single_choice_notes_have_the_right_answer_in_more_than_one_position(tmp_path):
    """Every question lists its right choice first: the deck must not keep it at "A."."""
    topic = TopicFactory(slug="shuffled", title="Shuffled")
    for number in range(12):
        question = QuestionFactory(slug=f"shuffled-{number}", topic=topic, bank__topic=topic,
                                   type="single", truth=None)  # fmt: skip
        for position in range(4):
            ChoiceFactory(question=question, position=position, text=f"choice {number}.{position}",
                          is_correct=position == 0)  # fmt: skip
    out = tmp_path / "shuffled.apkg"
    build_package(questions_for_export(topic_slug="shuffled"), out)
    again = tmp_path / "again.apkg"
    build_package(questions_for_export(topic_slug="shuffled"), again)
    collection = open_in_anki(tmp_path, out)
    letters = []
    try:
        for note_id in collection.find_notes('"Kubeprep id:shuffled-*"'):
            card = collection.get_note(note_id).cards()[0]
            front = re.findall(r"<li><p>(choice [\d.]+)</p></li>", card.question())
            back = re.search(
                r'<div class="correct">([A-Z])\. <p>(choice [\d.]+)</p>', card.answer()
            )
            letter, right = back.groups()
            assert right.endswith(".0")  # the one authored first
            assert front["ABCD".index(letter)] == right  # the letter names the right choice
            letters.append(letter)
    finally:
        collection.close()
    assert len(letters) == 12
    assert len(set(letters)) > 1, letters
    print(f"right answer letters: {sorted(letters)}")
    # Exported again, the same order: re-importing does not reshuffle anyone's notes.
    assert note_fields(out) == note_fields(again)


def note_fields(package: Path) -> list[str]:
    """Return the fields of every note of a package, as genanki wrote them."""
    import sqlite3
    import zipfile

    path = package.with_suffix(".anki2")
    with zipfile.ZipFile(package) as archive:
        path.write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(path)
    try:
        return sorted(flds for (flds,) in connection.execute("SELECT flds FROM notes"))
    finally:
        connection.close()


def test_imported_questions_store_their_html(example, tmp_path):
    deck = tmp_path / "outside.apkg"
    make_deck(deck)
    call_command("importapkg", str(deck), "--bank", "outside", "--topic", "services",
                 stdout=StringIO())  # fmt: skip
    bank = Bank.objects.get(slug="outside")
    basic = bank.questions.get(type="flashcard")
    assert basic.prompt_html == "<p>Which port range do NodePorts use?\nAnswer briefly.</p>"
    assert basic.answer_html.startswith("<p>30000-32767") and "javascript:" not in basic.answer_html
    cloze = bank.questions.get(type="cloze")
    assert cloze.prompt_html == "<p>A [\u2026] is reachable only [\u2026].</p>"
    assert cloze.cloze_html == "<p>A KPCLOZE0X is reachable only KPCLOZE1X.</p>"
    assert cloze.explanation_html == "<p>Extra <i>note</i></p>"


def test_a_deck_is_built_from_the_stored_html(example, tmp_path, no_markdown_rendering):
    out = tmp_path / "example.apkg"
    build_package(questions_for_export(bank_slug="example"), out)
    collection = open_in_anki(tmp_path, out)
    try:
        [cloze_id] = collection.find_notes('"Kubeprep id:example-cloze"')
        text = collection.get_note(cloze_id).fields[0]
        assert text == ("<p>A LoadBalancer Service also gets a {{c1::NodePort}} and a "
                        "{{c2::ClusterIP::an internal address}}.</p>")  # fmt: skip
    finally:
        collection.close()

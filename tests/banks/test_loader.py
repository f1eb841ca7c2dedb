"""Loading valid content: upsert by id, idempotence, retiring, and the export round trip."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from studyapp.banks.loading import renumber_study_order
from studyapp.banks.models import Bank, Choice, Question, Snippet, Topic
from tests.factories import BankFactory, QuestionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = StringIO()
    call_command("loadbanks", *args, stdout=out)
    return out.getvalue().strip()


def test_first_load_creates_everything_and_reports_counts(example_content):
    summary = load(str(example_content.root))
    assert summary == (
        "1 banks, 2 topics, 8 questions (single 1, multi 1, truefalse 1, short 1, order 1, "
        "cloze 1, flashcard 1, yaml 1), 1 snippets; questions created 8, updated 0, retired 0, "
        "unchanged 0; topics, banks and snippets created 4, updated 0, retired 0."
    )
    assert Question.objects.count() == 8
    single = Question.objects.get(slug="example-nodeport-range")
    assert [(c.text, c.is_correct) for c in single.choices.all()] == [
        ("30000-32767", True),
        ("1-1024", False),
        ("8000-9000", False),
    ]
    assert single.topic.slug == "service-types"
    assert [s.slug for s in single.snippets.all()] == ["example-nodeport"]
    snippet = Snippet.objects.get(slug="example-nodeport")
    assert snippet.content == (example_content.root / "snippets/example-nodeport.yaml").read_text()
    assert snippet.kinds == ["Service"]


def test_reloading_unchanged_files_changes_nothing_and_says_so(example_content):
    load(str(example_content.root))
    stamps = dict(Question.objects.values_list("slug", "updated_at"))
    choice_ids = list(Choice.objects.values_list("pk", flat=True))
    summary = load(str(example_content.root))
    assert summary.endswith("; nothing changed.")
    assert dict(Question.objects.values_list("slug", "updated_at")) == stamps
    assert list(Choice.objects.values_list("pk", flat=True)) == choice_ids


def test_edited_question_is_updated_in_place(example_content, example_bank_text):
    load(str(example_content.root))
    before = Question.objects.get(slug="example-nodeport-range")
    first_choice = before.choices.get(position=0).pk
    example_content.bank(
        "example",
        example_bank_text.replace(
            "Which port range does a NodePort Service use by default?",
            "By default, from which range is a nodePort allocated?",
        ).replace("      - 8000-9000\n", "      - 8000-9000\n      - 20000-22767\n"),
    )
    summary = load(str(example_content.root))
    assert "questions created 0, updated 1, retired 0, unchanged 7" in summary
    after = Question.objects.get(slug="example-nodeport-range")
    assert after.pk == before.pk  # progress attached to the question survives
    assert after.prompt == "By default, from which range is a nodePort allocated?"
    assert after.choices.count() == 4
    assert after.choices.get(position=0).pk == first_choice


def test_question_removed_from_files_is_retired_not_deleted(example_content, example_bank_text):
    load(str(example_content.root))
    start = example_bank_text.index("  - id: example-headless")
    end = example_bank_text.index("  - id: example-nodeport-field")
    example_content.bank("example", example_bank_text[:start] + example_bank_text[end:])
    summary = load(str(example_content.root))
    assert "retired 1" in summary
    retired = Question.objects.get(slug="example-headless")
    assert retired.is_retired
    assert Question.objects.active().count() == 7
    # It comes back (same row) when it returns to the files; the questions after it move down.
    example_content.bank("example", example_bank_text)
    assert "questions created 0, updated 7, retired 0" in load(str(example_content.root))
    assert Question.objects.get(slug="example-headless").pk == retired.pk
    assert not Question.objects.get(slug="example-headless").is_retired


def test_bank_file_deleted_retires_its_questions_when_the_whole_folder_is_loaded(example_content):
    load(str(example_content.root))
    (example_content.root / "banks" / "example.yaml").unlink()
    example_content.bank("other", "bank: other\ntitle: O\ntopic: services\nquestions: []\n")
    load(str(example_content.root))
    assert Question.objects.active().count() == 0
    assert Question.objects.count() == 8
    assert Snippet.objects.get(slug="example-nodeport").is_retired


def test_loading_one_bank_file_leaves_other_banks_alone(example_content):
    load(str(example_content.root))
    path = example_content.bank(
        "extra",
        "bank: extra\ntitle: Extra\ntopic: services\nquestions:\n"
        "  - id: extra-one\n    type: truefalse\n    prompt: P\n    explanation: E\n    answer: true\n"
        "    snippets: [example-nodeport]\n",
    )
    load(str(path))
    assert Question.objects.active().count() == 9
    assert Bank.objects.get(slug="extra").questions.get().snippets.get().slug == "example-nodeport"


def test_check_never_writes(example_content):
    summary = load("--check", str(example_content.root))
    assert summary.startswith("Check passed (nothing written): ")
    assert "questions would be created 8" in summary
    assert Topic.objects.count() == Bank.objects.count() == Question.objects.count() == 0


def test_export_then_check_then_load_is_a_no_op(example_content, tmp_path):
    load(str(example_content.root))
    out = tmp_path / "exported"
    call_command("exportbanks", str(out), stdout=StringIO())
    assert (out / "snippets/example-nodeport.yaml").read_bytes() == (
        example_content.root / "snippets/example-nodeport.yaml"
    ).read_bytes()
    assert load("--check", str(out)).endswith("nothing would change.")
    assert load(str(out)).endswith("nothing changed.")


def test_export_carries_admin_edits_back_to_files(example_content, tmp_path):
    load(str(example_content.root))
    Question.objects.filter(slug="example-headless").update(prompt="Edited in the admin.")
    out = tmp_path / "exported"
    call_command("exportbanks", str(out), stdout=StringIO())
    assert "prompt: Edited in the admin." in (out / "banks/example.yaml").read_text()


def test_typed_answer_keys_load_and_export_back(example_content, example_bank_text, tmp_path):
    text = example_bank_text.replace(
        "    answers: [nodePort, spec.ports.nodePort]\n",
        "    answers: [nodePort, spec.ports.nodePort]\n    typo_tolerance: false\n"
        "    dash_underscore: true\n",
    )
    example_content.bank("example", text)
    load(str(example_content.root))
    short = Question.objects.get(slug="example-nodeport-field")
    assert (short.typo_tolerance, short.dash_underscore) == (False, True)
    cloze = Question.objects.get(slug="example-cloze")
    assert (cloze.typo_tolerance, cloze.dash_underscore) == (True, False)  # the defaults
    out = tmp_path / "exported"
    call_command("exportbanks", str(out), stdout=StringIO())
    exported = (out / "banks/example.yaml").read_text()
    assert exported.count("typo_tolerance: false") == 1 and exported.count("dash_underscore") == 1
    assert load(str(out)).endswith("nothing changed.")


def test_default_path_is_content_folder(monkeypatch, example_content):
    monkeypatch.chdir(example_content.root.parent)
    assert load("--check").startswith("Check passed")


def test_loading_another_folder_does_not_retire_this_ones_banks(example_content, tmp_path):
    load(str(example_content.root))
    other = tmp_path / "other"
    (other / "banks").mkdir(parents=True)
    (other / "banks/o.yaml").write_text(
        "bank: o\ntitle: O\ntopic: services\nquestions:\n"
        "  - id: o-one\n    type: truefalse\n    prompt: P\n    explanation: E\n    answer: true\n"
    )
    load(str(other))
    assert Question.objects.active().count() == 9


def test_load_numbers_questions_in_the_order_new_cards_come(example_content):
    load(str(example_content.root))
    by_number = list(Question.objects.order_by("study_order").values_list("slug", flat=True))
    expected = list(
        Question.objects.order_by("topic__position", "bank__slug", "position", "pk").values_list(
            "slug", flat=True
        )
    )
    assert by_number == expected
    assert sorted(Question.objects.values_list("study_order", flat=True)) == list(range(1, 9))


def test_renumbering_follows_topic_then_bank_then_position_and_writes_only_moves():
    later, first = TopicFactory(position=2), TopicFactory(position=1)
    b_bank, a_bank = (
        BankFactory(slug="b-bank", topic=first),
        BankFactory(slug="a-bank", topic=first),
    )
    questions = [
        QuestionFactory(bank=BankFactory(topic=later), position=0),
        QuestionFactory(bank=b_bank, position=0),
        QuestionFactory(bank=a_bank, position=1),
        QuestionFactory(bank=a_bank, position=0),
    ]
    assert renumber_study_order() == 4
    numbered = Question.objects.order_by("study_order")
    assert list(numbered) == [questions[3], questions[2], questions[1], questions[0]]
    assert list(numbered.values_list("study_order", flat=True)) == [1, 2, 3, 4]
    assert renumber_study_order() == 0


def test_may_swap_is_loaded_exported_and_read_back_unchanged(
    example_content, example_bank_text, tmp_path
):
    four = example_bank_text.replace(
        "    items: [the node's IP and nodePort, the Service's cluster IP and port, a Pod's IP and"
        " targetPort]\n",
        "    items: [one, two, three, four]\n    may_swap: [[2, 3]]\n",
    )
    assert four != example_bank_text
    example_content.bank("example", four)
    load(str(example_content.root))
    question = Question.objects.get(slug="example-layers")
    assert question.may_swap == [[2, 3]]
    assert question.to_spec().may_swap == ((2, 3),)
    out = tmp_path / "exported"
    call_command("exportbanks", str(out), stdout=StringIO())
    exported = yaml.safe_load((out / "banks/example.yaml").read_text())
    layers = next(q for q in exported["questions"] if q["id"] == "example-layers")
    assert layers["may_swap"] == [[2, 3]]
    assert load(str(out)).endswith("nothing changed.")

"""Load, edit in the admin, export: the files that come back are the files that went in."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from django.core.management import call_command

from studyapp.banks.exporting import export_banks
from studyapp.banks.format import QuestionSpec, TopicSpec, question_to_data
from studyapp.banks.models import Bank, Question, Snippet, SourceFile, Topic
from studyapp.banks.roundtrip import CannotPatch, patch_bank, patch_topics
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*.yaml"))
    }


@pytest.fixture
def loaded_real_content():
    call_command("loadbanks", str(CONTENT), verbosity=0)


def test_the_real_content_round_trips_byte_for_byte(loaded_real_content, tmp_path):
    counts = export_banks(tmp_path)
    assert counts["whole"] == 0
    assert _files(tmp_path) == _files(CONTENT)


def _change_form(question: Question, **changes: str) -> dict:
    """The admin change form of a question, as a browser sends it (textareas with CRLF)."""
    import json

    data = {
        "slug": question.slug, "bank": question.bank_id, "topic": question.topic_id,
        "type": question.type, "difficulty": question.difficulty, "prompt": question.prompt,
        "explanation": question.explanation,
        "truth": {True: "true", False: "false", None: "unknown"}[question.truth],
        "answers": json.dumps(question.answers), "pattern": question.pattern,
        "items": json.dumps(question.items), "answer": question.answer,
        "key_points": json.dumps(question.key_points), "starter": question.starter,
        "k8s_version": question.k8s_version, "checks": json.dumps(question.checks),
        "solution": question.solution, "tags": json.dumps(question.tags),
        "sources": json.dumps(question.sources), "position": question.position,
        "snippets": [s.pk for s in question.snippets.all()],
    }  # fmt: skip
    if question.all_documents:
        data["all_documents"] = "on"
    choices = list(question.choices.all())
    data.update({
        "choices-TOTAL_FORMS": len(choices), "choices-INITIAL_FORMS": len(choices),
        "choices-MIN_NUM_FORMS": 0, "choices-MAX_NUM_FORMS": 1000,
    })  # fmt: skip
    for i, choice in enumerate(choices):
        data[f"choices-{i}-id"] = choice.pk
        data[f"choices-{i}-question"] = question.pk
        data[f"choices-{i}-position"] = choice.position
        data[f"choices-{i}-text"] = choice.text
        data[f"choices-{i}-why"] = choice.why
        if choice.is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    for name, value in changes.items():
        data[name] = value.replace("\n", "\r\n")
    return data


@pytest.mark.slow
def test_one_admin_edit_gives_a_one_question_diff(loaded_real_content, client, tmp_path):
    question = Question.objects.get(slug="services-no-endpoints")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    new_prompt = "Why would a Service have no endpoints?\n\nThe Pods are Running."
    response = client.post(
        f"/admin/banks/question/{question.pk}/change/",
        _change_form(question, prompt=new_prompt),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.prompt == new_prompt  # stored with LF, as a file would hold it

    export_banks(tmp_path)
    before, after = _files(CONTENT), _files(tmp_path)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["banks/services.yaml"]

    old_lines = before["banks/services.yaml"].decode().splitlines()
    new_lines = after["banks/services.yaml"].decode().splitlines()
    first = next(i for i, line in enumerate(old_lines) if line == "  - id: services-no-endpoints")
    last = next(
        (i for i, line in enumerate(old_lines) if i > first and line.startswith("  - id: ")),
        len(old_lines),
    )
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    touched = [(a1, a2) for tag, a1, a2, _, _ in matcher.get_opcodes() if tag != "equal"]
    assert touched
    assert all(first <= a1 and a2 <= last for a1, a2 in touched), touched
    assert "\r" not in after["banks/services.yaml"].decode()
    assert (
        "    prompt: |-\n      Why would a Service have no endpoints?\n\n      The Pods are Running.\n"
        in (after["banks/services.yaml"].decode())
    )

    # Loading the export brings the edit back unchanged: the round trip is closed.
    call_command("loadbanks", str(tmp_path), verbosity=0)
    assert Question.objects.get(slug="services-no-endpoints").prompt == new_prompt


BANK = """\
# A bank written by hand: comments, flow lists and folded text stay as they are.
bank: demo
title: Demo bank
topic: services
snippets:
  - id: demo-pod
    file: snippets/demo-pod.yaml
    title: A Pod
questions:
  # the first question
  - id: demo-one
    type: truefalse
    prompt: >-
      A Service has a virtual IP.
    answer: true
    explanation: Yes.
    tags: [interview]   # keep me

  - id: demo-two
    type: short
    prompt: Which port field does a Service forward to?
    answers: [targetPort]
    explanation: The targetPort.
  - id: demo-three
    type: flashcard
    prompt: What is kube-proxy?
    answer: |
      A node agent that programs
      forwarding rules.
    explanation: It watches Services and EndpointSlices.
"""


def _spec(data: dict) -> QuestionSpec:
    from studyapp.banks.format import validate_question_data

    spec, errors = validate_question_data(data)
    assert not errors, errors
    return spec


def _bank(text: str):
    from studyapp.banks.format import parse_bank
    from studyapp.banks.yamlsource import load_yaml

    spec, errors = parse_bank(load_yaml(text)[0], "demo.yaml")
    assert not errors
    return spec


def _data(question: QuestionSpec, topic: str) -> dict:
    return question_to_data(question, bank_topic=topic)


def test_an_unchanged_bank_comes_back_byte_for_byte():
    assert patch_bank(BANK, _bank(BANK), _data) == BANK


def test_a_changed_question_is_the_only_text_that_changes():
    import dataclasses

    bank = _bank(BANK)
    two = dataclasses.replace(bank.questions[1], answers=("targetPort", "spec.ports.targetPort"))
    spec = dataclasses.replace(bank, questions=(bank.questions[0], two, bank.questions[2]))
    text = patch_bank(BANK, spec, _data)
    assert text == BANK.replace(
        "    answers: [targetPort]\n", "    answers: [targetPort, spec.ports.targetPort]\n"
    )


def test_new_questions_are_appended_and_retired_ones_removed():
    import dataclasses

    bank = _bank(BANK)
    new = _spec({"id": "demo-four", "type": "truefalse", "prompt": "P?", "answer": False,
                 "explanation": "E."})  # fmt: skip
    spec = dataclasses.replace(bank, questions=(bank.questions[0], bank.questions[2], new))
    text = patch_bank(BANK, spec, _data)
    assert "demo-two" not in text
    assert "# the first question" in text and "tags: [interview]   # keep me" in text
    assert text.endswith(
        "  - id: demo-four\n    type: truefalse\n    prompt: P?\n    answer: false\n"
        "    explanation: E.\n    difficulty: 2\n"
    )
    assert [q.id for q in _bank(text).questions] == ["demo-one", "demo-three", "demo-four"]


def test_a_reorder_keeps_unchanged_questions_verbatim():
    import dataclasses

    bank = _bank(BANK)
    spec = dataclasses.replace(bank, questions=tuple(reversed(bank.questions)))
    text = patch_bank(BANK, spec, _data)
    assert [q.id for q in _bank(text).questions] == ["demo-three", "demo-two", "demo-one"]
    assert "    answer: |\n      A node agent that programs\n      forwarding rules.\n" in text
    assert "tags: [interview]   # keep me" in text


def test_bank_fields_and_snippet_declarations_are_patched_in_place():
    import dataclasses

    from studyapp.banks.format import SnippetSpec, TryStep

    bank = _bank(BANK)
    snippet = SnippetSpec(
        "demo-pod", "snippets/demo-pod.yaml", "A Pod", (TryStep("kubectl get pods"),)
    )
    extra = SnippetSpec("demo-svc", "snippets/demo-svc.yaml", "A Service", ())
    spec = dataclasses.replace(bank, title="Demo", description="Now described.",
                               snippets=(extra, snippet))  # fmt: skip
    text = patch_bank(BANK, spec, _data)
    assert text.startswith(
        "# A bank written by hand: comments, flow lists and folded text stay as they are.\n"
        "bank: demo\ntitle: Demo\ndescription: Now described.\ntopic: services\nsnippets:\n"
        "  - id: demo-pod\n    file: snippets/demo-pod.yaml\n    title: A Pod\n    try:\n"
        "      - kubectl get pods\n  - id: demo-svc\n"
    )
    assert text.endswith(BANK[BANK.index("questions:") :])
    reparsed = _bank(text)
    assert reparsed.title == "Demo" and reparsed.description == "Now described."
    assert {s.id for s in reparsed.snippets} == {"demo-pod", "demo-svc"}


def test_a_layout_it_cannot_patch_is_refused():
    flow = "bank: demo\ntitle: T\ntopic: services\nquestions: [{id: a, type: truefalse, prompt: P, answer: true, explanation: E}]\n"
    import dataclasses

    bank = _bank(flow)
    changed = dataclasses.replace(bank.questions[0], prompt="Q")
    with pytest.raises(CannotPatch):
        patch_bank(flow, dataclasses.replace(bank, questions=(changed,)), _data)


def test_topics_patch_changes_one_topic():
    text = "# topics\n- slug: a\n  title: A\n\n- slug: b\n  title: B\n  description: Bee.\n"
    topics = [TopicSpec("a", "A", "", 0), TopicSpec("b", "Be", "Bee.", 1)]
    assert patch_topics(text, topics) == text.replace("  title: B\n", "  title: Be\n")
    assert patch_topics(text, [TopicSpec("a", "A", "", 0), TopicSpec("b", "B", "Bee.", 1)]) == text


def test_a_bank_without_a_stored_source_is_written_whole(tmp_path):
    topic = Topic.objects.create(slug="services", title="Services")
    bank = Bank.objects.create(slug="made-in-admin", title="Made in the admin", topic=topic)
    Question.objects.create(slug="made-one", bank=bank, topic=topic, type="truefalse",
                            prompt="P", explanation="E", truth=True)  # fmt: skip
    counts = export_banks(tmp_path)
    assert counts["whole"] == 2  # topics.yaml and the bank: nothing was loaded
    text = (tmp_path / "banks" / "made-in-admin.yaml").read_text()
    assert _bank(text.replace("made-in-admin", "demo")).questions[0].id == "made-one"


def test_the_loader_stores_snippets_and_sources_with_lf(content_dir):
    content_dir.bank("crlf", "bank: crlf\ntitle: CRLF\ntopic: services\nsnippets:\n"
                     "  - id: crlf-map\n    file: snippets/crlf-map.yaml\n    title: A map\n"
                     "questions:\n  - id: crlf-q\n    type: truefalse\n    prompt: P\n"
                     "    answer: true\n    explanation: E\n")  # fmt: skip
    (content_dir.root / "banks" / "crlf.yaml").write_bytes(
        (content_dir.root / "banks" / "crlf.yaml").read_bytes().replace(b"\n", b"\r\n")
    )
    (content_dir.root / "snippets" / "crlf-map.yaml").write_bytes(
        b"apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: m\r\ndata:\r\n  a: b"
    )
    call_command("loadbanks", str(content_dir.root), verbosity=0)
    snippet = Snippet.objects.get(slug="crlf-map")
    assert (
        snippet.content == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  a: b\n"
    )
    source = SourceFile.objects.get(bank__slug="crlf")
    assert source.path == "banks/crlf.yaml" and "\r" not in source.text

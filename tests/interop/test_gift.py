"""GIFT export, checked by reading the output back with `parse_gift` below: our own small reader
of the format, written in this file and sharing no code with the exporter (not Moodle's parser,
which would need PHP and a Moodle install: an import into Moodle itself is not tested)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from studyapp.banks.shuffling import export_order
from studyapp.interop.anki_export import questions_for_export
from studyapp.interop.gift import export_gift
from tests.factories import ChoiceFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def unescape(text: str) -> str:
    return re.sub(r"\\([~=#{}:\\])", r"\1", text).replace("\n<br>\n", "\n\n")


def split_unescaped(text: str, marks: str) -> list[tuple[str, str]]:
    """Split on unescaped marks; return (mark, chunk) pairs."""
    parts, current, mark, i = [], "", "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text[i] in marks:
            parts.append((mark, current))
            mark, current = text[i], ""
        else:
            current += text[i]
        i += 1
    parts.append((mark, current))
    return parts


def parse_gift(text: str) -> list[dict]:
    """Read GIFT questions: title, prompt, answers with weights and feedback, general feedback."""
    questions = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("//")]
        block = "\n".join(lines)
        if not block.strip():
            continue  # a block of comments only
        match = re.match(
            r"::(.*?)(?<!\\)::(\[markdown\])?(.*?)(?<!\\)\{(.*)(?<!\\)\}\s*$", block, re.S
        )
        assert match, f"not a GIFT question: {block!r}"
        title, _, prompt, body = match.groups()
        body, _, general = body.partition("####")
        answers = []
        for mark, chunk in split_unescaped(body, "=~"):
            chunk = chunk.strip()
            if not mark:
                if chunk:
                    answers.append({"truefalse": chunk})
                continue
            weight = None
            found = re.match(r"%(-?[\d.]+)%", chunk)
            if found:
                weight, chunk = float(found.group(1)), chunk[found.end() :]
            pieces = split_unescaped(chunk, "#")
            text_part = pieces[0][1]
            feedback = "#".join(piece for _, piece in pieces[1:])
            answers.append({"correct": mark == "=", "weight": weight,
                            "text": unescape(text_part.strip()), "feedback": unescape(feedback.strip())})  # fmt: skip
        questions.append({"title": unescape(title), "prompt": unescape(prompt.strip()),
                          "answers": answers, "general": unescape(general.strip())})  # fmt: skip
    return questions


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())


def test_gift_export_parses_back(example):
    result = export_gift(questions_for_export(bank_slug="example"))
    assert result.exported == 4
    assert sorted(slug for slug, _ in result.skipped) == [
        "example-cloze", "example-explain-service", "example-layers", "example-write-nodeport",
    ]  # fmt: skip
    parsed = {q["title"]: q for q in parse_gift(result.text)}
    single = parsed["example-nodeport-range"]
    assert single["prompt"] == "Which port range does a NodePort Service use by default?"
    answers = {a["text"]: a for a in single["answers"]}
    assert {text: a["correct"] for text, a in answers.items()} == {
        "30000-32767": True, "1-1024": False, "8000-9000": False,
    }  # fmt: skip
    # Shuffled, the same way on every export: the right choice is not where the bank has it.
    texts = ["30000-32767", "1-1024", "8000-9000"]
    assert [a["text"] for a in single["answers"]] == [texts[i] for i in export_order(
        "example-nodeport-range", texts)]  # fmt: skip
    assert single["answers"][0]["text"] != "30000-32767"
    assert export_gift(questions_for_export(bank_slug="example")).text == result.text
    assert answers["1-1024"]["feedback"].startswith("Those are the privileged ports")
    assert parsed["example-headless"]["answers"] == [{"truefalse": "FALSE"}]
    assert parsed["example-headless"]["general"].startswith(
        "A headless Service sets `clusterIP: None`"
    )
    multi = {a["text"]: a["weight"] for a in parsed["example-types"]["answers"]}
    # Each right choice +1/k, each wrong one -1/k (k = 2 right choices), as the app grades.
    assert multi == {"NodePort": 50.0, "LoadBalancer": 50.0, "ClusterIP": -50.0}
    assert [a["text"] for a in parsed["example-nodeport-field"]["answers"]] == [
        "nodePort",
        "spec.ports.nodePort",
    ]


def test_special_characters_survive_the_round_trip():
    question = QuestionFactory(
        slug="tricky", type="single", truth=None,
        prompt="Which selector: `app={web}` or ~prod#1?\n\nSecond paragraph with a \\ backslash.",
        explanation="Braces {} and = and ~ and # and : are escaped.",
    )  # fmt: skip
    ChoiceFactory(question=question, text="a=b: {c}", is_correct=True, why="")
    ChoiceFactory(question=question, text="~x#y", why="Because # means feedback.")
    [parsed] = parse_gift(export_gift([question]).text)
    assert parsed["prompt"] == question.prompt
    assert parsed["general"] == question.explanation
    assert [(a["correct"], a["text"], a["feedback"]) for a in parsed["answers"]] == [
        (True, "a=b: {c}", ""), (False, "~x#y", "Because # means feedback."),
    ]  # fmt: skip


def test_command_writes_gift_and_lists_skips(example, tmp_path):
    out = tmp_path / "bank.gift"
    stdout = StringIO()
    call_command("exportbank", "service-types", "--format", "gift", "-o", str(out), stdout=stdout)
    assert (
        "Wrote 4 questions" in stdout.getvalue() and "skipped example-layers" in stdout.getvalue()
    )
    assert len(parse_gift(out.read_text())) == 4

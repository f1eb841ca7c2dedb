"""Where the right answers sit in the files: the position-bias warning, and the tool that varies
the written order of choices without touching anything else."""

from __future__ import annotations

import textwrap
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from studyapp.banks.balance import answer_position_warnings
from studyapp.banks.format import parse_bank
from studyapp.banks.reordering import ReorderError, reorder_choices
from studyapp.banks.shuffling import hashed_order
from studyapp.banks.yamlsource import load_yaml

BANK = textwrap.dedent(
    """\
    # A comment at the top stays.
    bank: b
    title: B
    topic: services
    questions:
      - id: q-one
        type: single
        prompt: Which?
        choices:
          - text: right one   # right, and written first
            correct: true

          - text: wrong one
            why: >-
              A folded explanation
              over two lines.
          - "quoted wrong"
          - plain wrong
        explanation: Because.
      - id: q-flow
        type: single
        prompt: Flow?
        choices: [{text: yes, correct: true}, no]
        explanation: Left as written.
      - id: q-multi
        type: multi
        prompt: Which ones?
        choices:
          - text: a
            correct: true
          - text: b
            correct: true
          - c
          - d
        explanation: E.
        difficulty: 1
      - id: q-truefalse
        type: truefalse
        prompt: T?
        answer: true
        explanation: E."""
)


def choices_of(text: str) -> dict[str, list]:
    data = yaml.safe_load(text)
    return {q["id"]: q.get("choices") for q in data["questions"]}


def test_only_the_order_of_choice_blocks_changes():
    new, changed = reorder_choices(BANK)
    assert changed == ["q-one", "q-multi"]
    assert sorted(new.splitlines()) == sorted(BANK.splitlines())  # the same lines, moved
    assert new.startswith("# A comment at the top stays.\n") and not new.endswith("\n")
    assert "choices: [{text: yes, correct: true}, no]" in new  # a flow list is left alone
    before, after = choices_of(BANK), choices_of(new)
    for question_id, choices in before.items():
        if choices is None:
            continue
        texts = [c["text"] if isinstance(c, dict) else c for c in choices]
        order = hashed_order(question_id, texts) if question_id != "q-flow" else [0, 1]
        assert after[question_id] == [choices[i] for i in order]
    # Everything else reads back the same.
    strip = lambda text: [{k: v for k, v in q.items() if k != "choices"}  # noqa: E731
                          for q in yaml.safe_load(text)["questions"]]  # fmt: skip
    assert strip(new) == strip(BANK)


def test_a_rerun_changes_nothing_and_the_written_order_does_not_matter():
    new, _ = reorder_choices(BANK)
    assert reorder_choices(new) == (new, [])
    # The same question written in another order comes out the same.
    swapped = BANK.replace("      - c\n      - d\n", "      - d\n      - c\n")
    assert reorder_choices(swapped)[0] == new


def test_blank_lines_between_choices_stay_where_they_were():
    new, _ = reorder_choices(BANK)
    lines = new.splitlines()
    first = lines.index("    choices:", lines.index("  - id: q-one"))
    assert lines[first + 3] == ""  # the blank line after the second block of q-one, as before


def test_the_right_answer_moves_off_the_first_place():
    questions = "".join(
        f"  - id: q-{n}\n    type: single\n    prompt: P\n    explanation: E\n    choices:\n"
        f"      - text: right {n}\n        correct: true\n      - wrong a {n}\n"
        f"      - wrong b {n}\n      - wrong c {n}\n"
        for n in range(40)
    )
    text = "bank: b\ntitle: B\ntopic: services\nquestions:\n" + questions
    new, changed = reorder_choices(text)
    positions = [
        [isinstance(c, dict) for c in q["choices"]].index(True)
        for q in yaml.safe_load(new)["questions"]
    ]
    assert len(changed) >= 25 and set(positions) == {0, 1, 2, 3}
    assert max(positions.count(p) for p in range(4)) <= 20


def test_a_file_it_cannot_read_is_refused():
    with pytest.raises(ReorderError, match="not valid YAML"):
        reorder_choices("questions: [unclosed\n")


def spec_of(text: str):
    data, _ = load_yaml(text)
    bank, errors = parse_bank(data, "banks/b.yaml")
    assert not errors
    return bank


def right_first_bank(count: int) -> str:
    questions = "".join(
        f"  - id: q-{n}\n    type: single\n    prompt: P\n    explanation: E\n    choices:\n"
        f"      - text: right {n}\n        correct: true\n      - wrong a {n}\n"
        f"      - wrong b {n}\n      - wrong c {n}\n"
        for n in range(count)
    )
    return "bank: b\ntitle: B\ntopic: services\nquestions:\n" + questions


def test_right_answers_always_first_are_warned_about_and_fixed_by_the_tool():
    [warning] = answer_position_warnings(spec_of(right_first_bank(12)))
    assert str(warning) == (
        "banks/b.yaml:1: warning: choice 1 is a right answer in 12 of the 12 choice questions of "
        "bank 'b' (about 3 by chance); vary the order the choices are written in "
        "(`manage.py reorderchoices` does it)"
    )
    reordered, _ = reorder_choices(right_first_bank(12))
    assert answer_position_warnings(spec_of(reordered)) == []
    assert answer_position_warnings(spec_of(right_first_bank(4))) == []  # too few to tell


@pytest.mark.django_db
def test_loadbanks_check_prints_the_warning_and_passes(content_dir):
    content_dir.bank("b", right_first_bank(8))
    out, err = StringIO(), StringIO()
    call_command("loadbanks", "--check", str(content_dir.root), stdout=out, stderr=err)
    assert "Check passed" in out.getvalue()
    assert "b.yaml:1: warning: choice 1 is a right answer in 8 of the 8" in err.getvalue()


def test_the_command_rewrites_bank_files_and_checks_them(content_dir):
    path = content_dir.bank("b", right_first_bank(8))
    untouched = content_dir.bank("c", "bank: c\ntitle: C\ntopic: services\nquestions: []\n")
    before = untouched.read_bytes()
    with pytest.raises(CommandError) as failed:
        call_command("reorderchoices", "--check", str(content_dir.root), stdout=StringIO())
    assert failed.value.returncode == 1 and path.read_text() == right_first_bank(8)
    out = StringIO()
    call_command("reorderchoices", str(content_dir.root), stdout=out)
    assert out.getvalue().strip().endswith("reordered in 1 of 2 bank files.")
    assert untouched.read_bytes() == before
    out = StringIO()
    call_command("reorderchoices", "--check", str(content_dir.root), stdout=out)
    assert out.getvalue().strip() == "0 questions would be reordered in 0 of 2 bank files."

"""Every validation rule of the loader: refused with the exact `path:line`, database untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from studyapp.banks.models import Bank, Choice, Question, Snippet, Topic
from tests.bounds import ends_within

HEAD = """\
bank: b
title: B
topic: services
questions:
"""


def single(choices: str) -> str:
    return (
        HEAD
        + "  - id: q1\n    type: single\n    prompt: Which?\n    explanation: Because.\n"
        + choices
    )


ALIAS_BOMB = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
]


def question(body: str) -> str:
    return HEAD + "  - id: q1\n    prompt: Which?\n    explanation: Because.\n" + body


CASES = {
    "yaml syntax error": ("bank: b\ntitle: [unclosed\ntopic: services\n", 3, "YAML syntax error"),
    "not a mapping": ("- a\n- b\n", 1, "a bank file must be a mapping, not a list"),
    "several documents": ("bank: b\n---\nbank: c\n", 2, "YAML syntax error"),
    "empty file": ("", 1, "the file is empty"),
    "duplicate key": (HEAD.replace("title: B\n", "title: B\ntitle: C\n") + "  []\n", 3,
                      "duplicate key 'title'"),
    "unknown bank key": (HEAD.replace("topic:", "topik:"), 3,
                         "unknown key 'topik' in a bank (did you mean 'topic'?)"),
    "unknown question key": (question("    type: truefalse\n    answer: true\n    dificulty: 2\n"), 10,
                             "unknown key 'dificulty' in a 'truefalse' question (did you mean 'difficulty'?)"),
    "key of another type": (question("    type: truefalse\n    answer: true\n    choices: [a]\n"), 10,
                            "key 'choices' does not belong to a 'truefalse' question"),
    "missing explanation": (HEAD + "  - id: q1\n    type: truefalse\n    prompt: P\n    answer: true\n", 5,
                            "missing required field 'explanation'"),
    "missing prompt": (HEAD + "  - id: q1\n    type: truefalse\n    explanation: E\n    answer: true\n", 5,
                       "missing required field 'prompt'"),
    "missing questions": ("bank: b\ntitle: B\ntopic: services\n", 1, "missing required field 'questions'"),
    "bad question id": (question("    type: truefalse\n    answer: true\n").replace("id: q1", "id: Q_1"), 5,
                        "question id 'Q_1' must be lowercase letters, digits and single dashes"),
    "bad bank slug": (HEAD.replace("bank: b", "bank: My Bank") + "  []\n", 1,
                      "bank slug 'My Bank' must be lowercase"),
    "unknown type": (question("    type: essay\n"), 8, "unknown question type 'essay'"),
    "unknown bank topic": (HEAD.replace("topic: services", "topic: servces") + "  []\n", 3,
                           "unknown topic 'servces' (did you mean 'services'?)"),
    "unknown question topic": (question("    type: truefalse\n    answer: true\n    topic: dns\n"), 10,
                               "unknown topic 'dns'"),
    "unknown snippet": (question("    type: truefalse\n    answer: true\n    snippets: [nope]\n"), 10,
                        "unknown snippet 'nope'"),
    "single two correct": (single("    choices:\n      - text: a\n        correct: true\n"
                                  "      - text: b\n        correct: true\n"), 9,
                           "a 'single' question needs exactly one correct choice, found 2"),
    "single no correct": (single("    choices: [a, b]\n"), 9,
                          "a 'single' question needs exactly one correct choice, found 0"),
    "multi no correct": (single("    choices: [a, b]\n").replace("type: single", "type: multi"), 9,
                         "a 'multi' question needs at least one correct choice"),
    "empty choices": (single("    choices: []\n"), 9, "'choices' must not be empty"),
    "choice correct not boolean": (single("    choices:\n      - text: a\n        correct: yes please\n"
                                          "      - b\n"), 11, "'correct' must be true or false"),
    "truefalse answer string": (question("    type: truefalse\n    answer: 'true'\n"), 9,
                                "'answer' of a 'truefalse' question must be true or false, not 'true'"),
    "truefalse answer missing": (question("    type: truefalse\n"), 5, "missing required field 'answer'"),
    "short without answers": (question("    type: short\n"), 5,
                              "a 'short' question needs 'answers' or a 'pattern'"),
    "short invalid regex": (question("    type: short\n    pattern: '([a-z'\n"), 9,
                            "invalid regular expression in 'pattern'"),
    "typo_tolerance not boolean": (question("    type: short\n    answers: [a]\n    typo_tolerance: 'no'\n"), 10,
                                   "'typo_tolerance' must be true or false, not 'no'"),
    "dash_underscore on a choice question": (single("    choices: [a]\n    dash_underscore: true\n"), 10,
                                             "key 'dash_underscore' does not belong to a 'single' question"),
    "order one item": (question("    type: order\n    items: [only]\n"), 9,
                       "an 'order' question needs at least 2 items"),
    "order may_swap not adjacent": (question("    type: order\n    items: [a, b, c]\n    may_swap: [[1, 3]]\n"), 10,
                                    "'may_swap' item 1 (1, 3) must name two adjacent positions between 1 and 3"),
    "order may_swap out of range": (question("    type: order\n    items: [a, b]\n    may_swap: [[2, 3]]\n"), 10,
                                    "'may_swap' item 1 (2, 3) must name two adjacent positions between 1 and 2"),
    "order may_swap not pairs": (question("    type: order\n    items: [a, b]\n    may_swap: [1, 2]\n"), 10,
                                 "'may_swap' item 1 must be a pair of positions like [2, 3]"),
    "order may_swap not a list": (question("    type: order\n    items: [a, b]\n    may_swap: yes\n"), 10,
                                  "'may_swap' must be a list of pairs like [2, 3]"),
    "cloze without deletion": (question("    type: cloze\n"), 6,
                               "a 'cloze' prompt needs at least one deletion like {{c1::answer}}"),
    "flashcard without answer": (question("    type: flashcard\n"), 5, "missing required field 'answer'"),
    "yaml invalid jmespath": (question("    type: yaml\n    checks:\n      - expr: 'spec.ports[0'\n"
                                       "        message: m\n"), 10,
                              "invalid JMESPath expression 'spec.ports[0': the expression is incomplete"),
    "yaml without checks": (question("    type: yaml\n"), 5, "missing required field 'checks'"),
    "yaml unknown version": (question("    type: yaml\n    k8s_version: '1.2'\n    checks:\n"
                                      "      - expr: kind\n        message: m\n"), 9,
                             "'k8s_version' 1.2 is not supported"),
    "yaml solution fails a check": (
        question("    type: yaml\n    checks:\n      - expr: \"spec.type == 'NodePort'\"\n"
                 "        message: Use a NodePort.\n    solution: |\n      apiVersion: v1\n"
                 "      kind: Service\n      metadata:\n        name: s\n      spec:\n"
                 "        ports:\n          - port: 80\n"),
        12, "the 'solution' does not pass: Use a NodePort."),
    "difficulty out of range": (question("    type: truefalse\n    answer: true\n    difficulty: 5\n"), 10,
                                "'difficulty' must be 1, 2 or 3, not 5"),
    "prompt too long": (HEAD + "  - id: q1\n    type: truefalse\n    prompt: " + "p" * 2001
                        + "\n    explanation: E\n    answer: true\n", 7,
                        "'prompt' is 2,001 characters long; it may have 2,000 at most"),
    "choice too long": (single("    choices:\n      - text: " + "c" * 501 + "\n        correct: true\n      - b\n"), 10,
                        "choice 'text' is 501 characters long; it may have 500 at most"),
    "order item too long": (question("    type: order\n    items: [a, " + "b" * 301 + "]\n"), 9,
                            "'items' item 2 is 301 characters long; it may have 300 at most"),
    # 9 levels of 9 aliases: 387 million values once expanded, refused before anything walks it.
    "alias bomb": (HEAD.replace("questions:\n", "\n".join(ALIAS_BOMB) + "\nquestions:\n") + "  []\n",
                   9, "YAML refused: the text expands to more than 200,000 values"),
    "alias bomb in a solution": (
        question("    type: yaml\n    checks:\n      - expr: kind\n        message: m\n    solution: |\n"
                 + "".join(f"      {line}\n" for line in ["kind: ConfigMap", "data:"])
                 + "".join(f"        {line}\n" for line in ALIAS_BOMB)),
        12, "the 'solution' does not pass: line 4: YAML refused: aliases (*name) are not allowed here"),
}  # fmt: skip


@pytest.fixture
def loaded(example_content):
    """The example content loaded; returns a snapshot function of the whole database."""
    call_command("loadbanks", str(example_content.root), stdout=StringIO())

    def snapshot():
        return {
            "topics": list(Topic.objects.values().order_by("pk")),
            "banks": list(Bank.objects.values().order_by("pk")),
            "snippets": list(Snippet.objects.values().order_by("pk")),
            "questions": list(Question.objects.values().order_by("pk")),
            "choices": list(Choice.objects.values().order_by("pk")),
            "links": list(Question.snippets.through.objects.values().order_by("pk")),
        }

    return snapshot


def refuse(root: Path) -> list[str]:
    """Run loadbanks on root; assert it fails; return its error lines with paths made relative."""
    err = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("loadbanks", str(root), stdout=StringIO(), stderr=err)
    assert excinfo.value.returncode == 1
    assert "nothing was written" in str(excinfo.value)
    return [line.replace(f"{root}/", "") for line in err.getvalue().splitlines()]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed_bank_is_refused_with_path_and_line(case, example_content, loaded):
    text, line, message = CASES[case]
    before = loaded()
    example_content.write("banks/b.yaml", text)
    with ends_within(60):  # an unguarded alias bomb would be walked for minutes
        errors = refuse(example_content.root)
    expected = f"banks/b.yaml:{line}: {message}"
    assert any(error.startswith(expected) for error in errors), errors
    assert loaded() == before


@pytest.mark.django_db
def test_every_error_of_a_run_is_listed(content_dir):
    content_dir.bank(
        "b", question("    type: essay\n") + "  - id: Bad\n    type: order\n    items: [x]\n"
    )
    errors = refuse(content_dir.root)
    assert errors == [
        "banks/b.yaml:8: unknown question type 'essay'; expected one of single, multi, truefalse, "
        "short, order, cloze, flashcard, yaml",
        "banks/b.yaml:9: question id 'Bad' must be lowercase letters, digits and single dashes "
        "(like 'nodeport-range')",
        "banks/b.yaml:9: missing required field 'prompt'",
        "banks/b.yaml:9: missing required field 'explanation'",
        "banks/b.yaml:11: an 'order' question needs at least 2 items",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["question", "snippet", "bank"])
def test_duplicate_ids_across_files_are_refused(kind, example_content, loaded):
    before = loaded()
    if kind == "question":
        text = (
            HEAD
            + "  - id: example-headless\n    type: truefalse\n    prompt: P\n    explanation: E\n    answer: true\n"
        )
        expected = "banks/z.yaml:5: duplicate question id 'example-headless' (first defined at"
    elif kind == "snippet":
        text = HEAD.replace(
            "questions:",
            "snippets:\n  - id: example-nodeport\n    file: snippets/example-nodeport.yaml\n    title: T\nquestions: []",
        )
        expected = "banks/z.yaml:5: duplicate snippet id 'example-nodeport' (first defined at"
    else:
        text = HEAD.replace("bank: b", "bank: example") + "  []\n"
        expected = "banks/z.yaml:1: duplicate bank 'example' (first defined at"
    example_content.write("banks/z.yaml", text)
    errors = refuse(example_content.root)
    assert any(error.startswith(expected) for error in errors), errors
    assert loaded() == before


SNIPPET_DECL = HEAD.replace(
    "questions:", "snippets:\n  - id: s1\n    file: snippets/s1.yaml\n    title: T\nquestions: []"
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (None, "banks/b.yaml:5: snippet file 'snippets/s1.yaml' not found"),
        ("just: text\n", "snippets/s1.yaml:1: not a Kubernetes object: no apiVersion and no kind"),
        (
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: eighty\n",
            "snippets/s1.yaml:7: spec.ports[0].port: 'eighty' is not of type 'integer' (1.35, 1.36, 1.37)",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n"
            "      image: nginx\n      imagePullPolicy: Always\n      portz: []\n",
            "snippets/s1.yaml:10: spec.containers[0].portz: unknown field (1.35, 1.36, 1.37)",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec: {}\n",
            "snippets/s1.yaml:5: spec: 'containers' is required (1.35, 1.36, 1.37)",
        ),
        (
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
            "snippets/s1.yaml:1: (top level): no schema for kind Widget in apiVersion example.com/v1",
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [\n", "snippets/s1.yaml:4: invalid YAML"),
    ],
    ids=[
        "missing",
        "no-kind",
        "wrong-type",
        "unknown-field",
        "required",
        "unknown-kind",
        "bad-yaml",
    ],
)
def test_invalid_snippets_are_refused(manifest, expected, example_content, loaded, settings):
    settings.K8S_VERSIONS = ["1.35", "1.36", "1.37"]
    before = loaded()
    example_content.write("banks/b.yaml", SNIPPET_DECL)
    if manifest is not None:
        example_content.write("snippets/s1.yaml", manifest)
    errors = refuse(example_content.root)
    assert any(error.startswith(expected) for error in errors), errors
    assert loaded() == before


@pytest.mark.django_db
def test_not_utf8_is_refused(content_dir):
    (content_dir.root / "banks" / "b.yaml").write_bytes(b"bank: b\ntitle: \xff\n")
    assert refuse(content_dir.root) == ["banks/b.yaml:2: the file is not UTF-8 text"]


@pytest.mark.slow
def test_command_exits_1_without_traceback(content_dir, tmp_path):
    content_dir.bank("b", single("    choices: [a, b]\n"))
    result = subprocess.run(
        [sys.executable, "manage.py", "loadbanks", "--check", str(content_dir.root)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}"},
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        f"{content_dir.root}/banks/b.yaml:9: a 'single' question needs exactly one correct"
        in result.stderr
    )


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n"


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["parent", "absolute", "inside-then-up"])
def test_a_snippet_file_outside_content_is_refused(where, example_content, loaded):
    """A valid manifest outside content/ is never read: snippets are served to anyone, so a
    path must stay inside the content folder."""
    before = loaded()
    outside = example_content.root.parent / "outside.yaml"
    outside.write_text(POD)
    path = {
        "parent": "../outside.yaml",
        "absolute": str(outside),
        "inside-then-up": "snippets/../../outside.yaml",
    }[where]
    example_content.write("banks/b.yaml", SNIPPET_DECL.replace("snippets/s1.yaml", path))
    errors = refuse(example_content.root)
    assert errors == [f"banks/b.yaml:6: snippet file '{path}' must be relative to content/"]
    assert loaded() == before

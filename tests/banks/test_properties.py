"""Property-based tests: arbitrary input never raises from the loader or a grader."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from studyapp.banks.content import read_content
from studyapp.banks.format import BankErrors, CheckSpec, ChoiceSpec, QuestionSpec
from studyapp.banks.grading import grade
from studyapp.banks.models import Question

TOPICS = "- slug: services\n  title: Services\n"

# YAML-shaped values: what a bank file's keys could hold after a typo or a bad merge.
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30))  # fmt: skip
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "prompt",
                    "explanation",
                    "choices",
                    "text",
                    "correct",
                    "answer",
                    "answers",
                    "pattern",
                    "items",
                    "checks",
                    "expr",
                    "message",
                    "snippets",
                    "topic",
                    "bank",
                    "title",
                    "questions",
                    "difficulty",
                    "tags",
                    "file",
                    "try",
                    "x",
                ]
            ),
            children,
            max_size=6,
        ),  # fmt: skip
    ),
    max_leaves=25,
)


def write(root: Path, data: bytes) -> Path:
    (root / "banks").mkdir(parents=True, exist_ok=True)
    (root / "topics.yaml").write_text(TOPICS)
    path = root / "banks" / "b.yaml"
    path.write_bytes(data)
    return path


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=values)
def test_arbitrary_yaml_values_are_errors_not_tracebacks(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("content")
    write(root, yaml.safe_dump(data).encode())
    try:
        read_content([root], versions=["1.37"])
    except BankErrors as exc:
        assert all(error.message for error in exc.errors)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_errors_not_tracebacks(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("content")
    write(root, data)
    try:
        read_content([root], versions=["1.37"])
    except BankErrors as exc:
        assert all(str(error).startswith(str(root)) for error in exc.errors)


@pytest.mark.slow
@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=values)
def test_a_bad_bank_never_writes_partially(tmp_path_factory, example_content, data):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    before = list(Question.objects.values_list("slug", "prompt", "is_retired").order_by("slug"))
    write(example_content.root, yaml.safe_dump({"bank": "b", "title": "B", "topic": "services",
                                                "questions": [data]}).encode())  # fmt: skip
    try:
        call_command("loadbanks", str(example_content.root), stdout=StringIO(), stderr=StringIO())
    except CommandError:
        assert (
            list(Question.objects.values_list("slug", "prompt", "is_retired").order_by("slug"))
            == before
        )
    (example_content.root / "banks" / "b.yaml").unlink()


# An author's pattern whose backtracking doubles with each "a" (about 4 s on 22 of them without
# the grader's time limit, far more on 300): graded within the time limit, it gives up quickly.
BACKTRACKING = QuestionSpec(id="b", type="short", prompt="P", explanation="E", pattern=r"(a|a)+b")
QUESTIONS = [
    QuestionSpec(id="s", type="single", prompt="P", explanation="E", choices=(ChoiceSpec("a", True), ChoiceSpec("b"))),
    QuestionSpec(id="m", type="multi", prompt="P", explanation="E", choices=(ChoiceSpec("a", True), ChoiceSpec("b"))),
    QuestionSpec(id="t", type="truefalse", prompt="P", explanation="E", truth=True),
    QuestionSpec(id="h", type="short", prompt="P", explanation="E", answers=("x",), pattern=r"(a+)+b"),
    BACKTRACKING,
    QuestionSpec(id="o", type="order", prompt="P", explanation="E", items=("a", "b", "c")),
    QuestionSpec(id="c", type="cloze", prompt="{{c1::a}} {{c2::b::hint}}", explanation="E"),
    QuestionSpec(id="f", type="flashcard", prompt="P", explanation="E", answer="A", key_points=("a", "b")),
    QuestionSpec(id="y", type="yaml", prompt="P", explanation="E", k8s_version="1.37",
                 checks=(CheckSpec("kind == 'Pod'", "m"), CheckSpec("spec.containers[0].image", "i"))),
]  # fmt: skip
answers = st.one_of(
    st.none(), st.text(max_size=200), st.integers(), st.lists(st.text(max_size=40), max_size=6),
    st.lists(st.integers(min_value=-5, max_value=99), max_size=6), st.binary(max_size=40),
)  # fmt: skip


# A deadline, so that an author's pattern running on (no time limit, or a far longer one) fails
# the test instead of slowing it unnoticed: 2 s, ten times what the slowest grading takes here.
@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(index=st.integers(min_value=0, max_value=len(QUESTIONS) - 1), answer=answers)
@example(index=QUESTIONS.index(BACKTRACKING), answer=["a" * 22 + "!"])
def test_graders_never_raise(index, answer):
    verdict = grade(QUESTIONS[index], answer)
    assert isinstance(verdict.is_correct, bool) and 0.0 <= verdict.score <= 1.0


@settings(max_examples=60, deadline=timedelta(seconds=2))
@given(manifest=values)
def test_yaml_grader_survives_any_manifest_shape(manifest):
    verdict = grade(QUESTIONS[-1], [yaml.safe_dump(manifest)])
    assert isinstance(verdict.is_correct, bool)

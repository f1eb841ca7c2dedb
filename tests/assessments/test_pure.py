"""The pure parts of attempts: snapshots, draws, form answers and what a page may show."""

from __future__ import annotations

import random

import pytest
from django.http import QueryDict

from studyapp.assessments import drawing
from studyapp.assessments.answering import answer_from_form, is_blank
from studyapp.assessments.display import revealed_answer, shown_question
from studyapp.assessments.snapshots import spec_from_data, spec_to_data
from studyapp.banks.format import CheckSpec, ChoiceSpec, QuestionSpec
from studyapp.banks.rendering import render_spec

SINGLE = QuestionSpec(
    id="q-single", type="single", prompt="Pick", explanation="Because", topic="t",
    snippets=("s1",), tags=("a",), sources=("https://k8s.io",),
    choices=(ChoiceSpec("right", True), ChoiceSpec("wrong", False, "why not"), ChoiceSpec("other")),
)  # fmt: skip
YAML = QuestionSpec(
    id="q-yaml", type="yaml", prompt="Write", explanation="E", starter="kind: Pod\n",
    checks=(CheckSpec("kind == 'Pod'", "Must be a Pod"),), solution="kind: Pod", k8s_version="1.37",
)  # fmt: skip
ORDER = QuestionSpec(id="q-order", type="order", prompt="Order", explanation="E",
                     items=("one", "two", "three"))  # fmt: skip


@pytest.mark.parametrize("spec", [SINGLE, YAML, ORDER])
def test_snapshot_round_trips_through_json(spec):
    import json

    data = json.loads(json.dumps(spec_to_data(spec)))
    assert spec_from_data(data) == spec
    assert "line" not in data


def test_snapshot_ignores_fields_it_does_not_know():
    data = spec_to_data(SINGLE) | {"from_the_future": 1}
    assert spec_from_data(data) == SINGLE


def candidates():
    # topic 1: questions 1-6 (difficulty 1 for odd ids, 2 for even); topic 2: 7-8.
    return [drawing.Candidate(i, 1, 1 if i % 2 else 2) for i in range(1, 7)] + [
        drawing.Candidate(7, 2, 3),
        drawing.Candidate(8, 2, 3),
    ]


def test_draw_keeps_fixed_questions_and_never_repeats_them():
    items = [drawing.ItemPlan(question_id=2), drawing.ItemPlan(topic_id=1, count=5)]
    for seed in range(20):
        order = drawing.draw_questions(items, candidates(), random.Random(seed), shuffle=False)
        assert order[0] == 2 and len(order) == 6 and len(set(order)) == 6


def test_draw_filters_by_difficulty_and_takes_what_there_is():
    items = [drawing.ItemPlan(topic_id=1, count=10, difficulty=1)]
    order = drawing.draw_questions(items, candidates(), random.Random(1), shuffle=False)
    assert sorted(order) == [1, 3, 5]


def test_fixed_question_no_longer_a_candidate_is_left_out():
    items = [drawing.ItemPlan(question_id=99), drawing.ItemPlan(question_id=7)]
    assert drawing.draw_questions(items, candidates(), random.Random(1), shuffle=True) == [7]


def test_same_seed_same_draw():
    items = [drawing.ItemPlan(topic_id=1, count=3), drawing.ItemPlan(topic_id=2, count=1)]
    first = drawing.draw_questions(items, candidates(), random.Random(5), shuffle=True)
    again = drawing.draw_questions(items, candidates(), random.Random(5), shuffle=True)
    assert first == again


def test_order_items_are_never_shown_in_order():
    for seed in range(30):
        assert drawing.order_item_order(3, random.Random(seed)) != [0, 1, 2]


def form(**fields):
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name.replace("_", "-"), value if isinstance(value, list) else [value])
    return data


def test_answers_are_read_from_their_own_prefix_only():
    data = form(q1_choice="2", q2_choice="0")
    assert answer_from_form(SINGLE, [], 1, data) == ["2"]
    assert answer_from_form(SINGLE, [], 2, data) == ["0"]
    assert answer_from_form(SINGLE, [], 3, data) == []


def test_order_answer_uses_the_stored_display_order():
    # Shown as: three, one, two. The member ranks them one=1, two=2, three=3.
    shown = [2, 0, 1]
    data = form(q4_position_0="3", q4_position_1="1", q4_position_2="2")
    assert answer_from_form(ORDER, shown, 4, data) == [0, 1, 2]


@pytest.mark.parametrize(("response", "blank"), [([], True), ([""], True), (["", " "], True),
                                                 (["x"], False), ([0, 1], False)])  # fmt: skip
def test_is_blank(response, blank):
    assert is_blank(response) is blank


def test_shown_question_holds_no_answer():
    shown = shown_question(spec=SINGLE, html=render_spec(SINGLE), position=1, topic_title="T",
                           choice_order=[2, 0, 1], item_order=[], response=["0"])  # fmt: skip
    assert [c.text for c in shown.choices] == ["other", "right", "wrong"]
    assert [c.text_html for c in shown.choices] == ["<p>other</p>", "<p>right</p>", "<p>wrong</p>"]
    assert shown.prompt_html == "<p>Pick</p>"
    assert [c.is_chosen for c in shown.choices] == [False, True, False]
    assert not hasattr(shown.choices[0], "is_correct")
    assert "why not" not in repr(shown) and "Because" not in repr(shown)
    yaml = shown_question(spec=YAML, html=render_spec(YAML), position=2, topic_title="T",
                          choice_order=[], item_order=[], response=[])  # fmt: skip
    assert yaml.manifest == "kind: Pod\n" and "Must be a Pod" not in repr(yaml)


def test_order_is_shown_as_the_member_left_it():
    shown = shown_question(spec=ORDER, html=render_spec(ORDER), position=1, topic_title="T",
                           choice_order=[], item_order=[2, 0, 1], response=[1, 0, 2])  # fmt: skip
    assert [(i.text, i.text_html, i.display_index, i.rank) for i in shown.items] == [
        ("two", "two", 2, 1), ("one", "one", 1, 2), ("three", "three", 0, 3)
    ]  # fmt: skip


def test_revealed_answer_marks_the_right_choices_in_the_order_shown():
    answer = revealed_answer(spec=SINGLE, html=render_spec(SINGLE), choice_order=[1, 0, 2],
                             response=["1"], is_correct=False, feedback=())  # fmt: skip
    assert [(c.text, c.is_correct, c.is_chosen) for c in answer.choices] == [
        ("wrong", False, True), ("right", True, False), ("other", False, False)
    ]  # fmt: skip
    assert [(c.text_html, c.why_html) for c in answer.choices] == [
        ("<p>wrong</p>", "<p>why not</p>"), ("<p>right</p>", ""), ("<p>other</p>", "")
    ]  # fmt: skip
    assert answer.explanation == "Because" and answer.explanation_html == "<p>Because</p>"


def test_an_untouched_starter_or_shown_order_is_not_an_answer():
    from studyapp.assessments.answering import is_untouched

    assert is_untouched(YAML, [], ["kind: Pod\r\n"])
    assert not is_untouched(YAML, [], ["kind: Pod\nmetadata: {}\n"])
    assert is_untouched(ORDER, [2, 0, 1], [2, 0, 1])
    assert not is_untouched(ORDER, [2, 0, 1], [0, 2, 1])
    assert is_untouched(SINGLE, [], [])
    assert not is_untouched(SINGLE, [], ["0"])

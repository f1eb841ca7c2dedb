"""YAML limits: alias bombs, deep nesting and long texts are refused before anything walks them."""

from __future__ import annotations

import pytest

from studyapp.banks.yamlguard import (
    ANSWER_LIMITS,
    CONTENT_LIMITS,
    YamlLimits,
    YamlTooLarge,
    check_yaml,
)

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)  # 9 levels of 9 aliases each: 9**9, about 387 million values, from about 400 bytes


def test_an_alias_bomb_is_refused_without_expanding_it():
    assert len(BOMB) < 600
    limits = YamlLimits(max_chars=10_000, max_values=10_000, max_aliases=1_000)
    with pytest.raises(YamlTooLarge, match="expands to more than 10,000 values") as caught:
        check_yaml(BOMB, limits)
    assert caught.value.line in (4, 5)


def test_learner_answers_may_not_use_aliases_at_all():
    text = "kind: Pod\nmetadata: &m {name: p}\nspec: {containers: [{name: c, image: i}]}\nx: *m\n"
    with pytest.raises(YamlTooLarge, match="aliases") as caught:
        check_yaml(text, ANSWER_LIMITS)
    assert caught.value.line == 4


def test_authors_may_use_a_few_aliases():
    text = "base: &b {a: 1}\none: *b\ntwo: *b\n"
    check_yaml(text, CONTENT_LIMITS)
    with pytest.raises(YamlTooLarge, match="more than 1 aliases") as caught:
        check_yaml(text, YamlLimits(max_chars=100, max_values=100, max_aliases=1))
    assert caught.value.line == 3


def test_deep_nesting_is_refused_with_its_line():
    text = "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n"
    with pytest.raises(YamlTooLarge, match="nested more than 64") as caught:
        check_yaml(text, ANSWER_LIMITS)
    assert caught.value.line == 65
    with pytest.raises(YamlTooLarge, match="nested more than 64"):
        check_yaml("[" * 100 + "]" * 100, ANSWER_LIMITS)


def test_recursive_and_unknown_aliases():
    with pytest.raises(YamlTooLarge, match="refers to itself"):
        check_yaml("a: &a [1, *a]\n", CONTENT_LIMITS)
    with pytest.raises(YamlTooLarge, match="names no anchor"):
        check_yaml("a: *nowhere\n", CONTENT_LIMITS)


def test_long_texts_are_refused():
    check_yaml("x" * ANSWER_LIMITS.max_chars, ANSWER_LIMITS)
    with pytest.raises(YamlTooLarge, match="longer than 20,000 characters"):
        check_yaml("x" * (ANSWER_LIMITS.max_chars + 1), ANSWER_LIMITS)


def test_real_sized_documents_and_syntax_errors_pass_through():
    manifest = "kind: List\nitems:\n" + "".join(
        f"  - {{name: n{i}, value: {i}}}\n" for i in range(600)
    )
    check_yaml(manifest, ANSWER_LIMITS)
    check_yaml("a: [unclosed\n", ANSWER_LIMITS)  # the parser reports this one
    too_many = "items: [" + "0," * ANSWER_LIMITS.max_values + "]"
    with pytest.raises(YamlTooLarge, match="more than 5,000 values"):
        check_yaml(too_many, ANSWER_LIMITS)

"""Grading as the learner meets it, found untested by the mutation run (`make mutate`): the
score each verdict carries (an assessment adds them up), the message beside a wrong or unusable
answer, and the edges of the typed-answer rules (word length, limits, patterns)."""

from __future__ import annotations

import dataclasses

import pytest

from studyapp.banks.format import CheckSpec, ChoiceSpec, QuestionSpec
from studyapp.banks.grading import (
    MAX_ANSWER_CHARS,
    MAX_SHORT_CHARS,
    Grade,
    _matches_pattern,
    grade,
    is_one_edit_apart,
    match_typed,
    normalize_text,
    pattern_matches,
    unanswered_reason,
    within_typo_tolerance,
)

SINGLE = QuestionSpec(
    id="s", type="single", prompt="P", explanation="E",
    choices=(ChoiceSpec("a", True), ChoiceSpec("b"), ChoiceSpec("c")),
)  # fmt: skip
TRUEFALSE = QuestionSpec(id="t", type="truefalse", prompt="P", explanation="E", truth=True)
SHORT = QuestionSpec(id="sh", type="short", prompt="P", explanation="E", answers=("endpoints",))
ORDER = QuestionSpec(
    id="o", type="order", prompt="P", explanation="E", items=("Pod", "Service", "Ingress")
)
CLOZE_ONE = QuestionSpec(id="c", type="cloze", prompt="Use a {{c1::NodePort}}.", explanation="E")
FLASHCARD = QuestionSpec(
    id="f", type="flashcard", prompt="P", explanation="E", answer="A", key_points=("a", "b", "c", "d")
)  # fmt: skip
MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n"
YAML = QuestionSpec(
    id="y", type="yaml", prompt="P", explanation="E", k8s_version="1.37",
    checks=(
        CheckSpec("kind == 'ConfigMap'", "Make it a ConfigMap."),
        CheckSpec("data.mode == 'safe'", "Set mode to safe."),
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "answer", "verdict"),
    [
        (SINGLE, ["0"], Grade(True, 1.0)),
        (SINGLE, [" 0 "], Grade(True, 1.0)),  # spaces around the value are forgiven
        (SINGLE, ["1"], Grade(False, 0.0)),
        (SINGLE, ["3"], Grade(False, 0.0)),  # past the last choice
        (SINGLE, ["0000000"], Grade(False, 0.0)),  # no index has 7 digits
        (SINGLE, [], Grade(False, 0.0, ("Choose one answer.",))),
        (SINGLE, ["0", "1"], Grade(False, 0.0)),
        (SINGLE, 0, Grade(True, 1.0)),
        (SINGLE, ("0",), Grade(True, 1.0)),
        (SINGLE, 0.0, Grade(False, 0.0)),  # neither a string, a number nor a list of them
        (TRUEFALSE, ["true"], Grade(True, 1.0)),
        (TRUEFALSE, ["TRUE "], Grade(True, 1.0)),
        (TRUEFALSE, ["false"], Grade(False, 0.0)),
        (TRUEFALSE, ["true", "true"], Grade(False, 0.0, ("Choose true or false.",))),
        (TRUEFALSE, [], Grade(False, 0.0, ("Choose true or false.",))),
        (SHORT, ["endpoints"], Grade(True, 1.0)),
        (SHORT, ["endpoint"], Grade(True, 1.0, ("Accepted: the spelling is “endpoints”.",))),
        (SHORT, ["services"], Grade(False, 0.0)),
        (SHORT, [" "], Grade(False, 0.0, ("The answer was empty.",))),
        (SHORT, ["endpoints", "x"], Grade(False, 0.0, ("The answer was empty.",))),
        (ORDER, ["Pod", "Service", "Ingress"], Grade(True, 1.0)),
        (ORDER, ["pod", " service ", "INGRESS"], Grade(True, 1.0)),  # item texts as typed
        (ORDER, ["Pod", "Ingress", "Service"], Grade(False, 0.3333)),  # one item in place
        (ORDER, ["Service", "Pod", "Ingress"], Grade(False, 0.3333)),
        (ORDER, ["Ingress", "Pod", "Service"], Grade(False, 0.0)),
        (ORDER, ["Pod", "Service"], Grade(False, 0.6667)),  # one left out
        (CLOZE_ONE, ["NodePort"], Grade(True, 1.0)),
        (CLOZE_ONE, ["NodPort"], Grade(True, 1.0, ("Accepted: the spelling is “NodePort”.",))),
        (CLOZE_ONE, ["ClusterIP"], Grade(False, 0.0)),
        (CLOZE_ONE, [], Grade(False, 0.0)),
        (FLASHCARD, ["0", "1"], Grade(True, 0.5)),  # half the key points: enough
        (FLASHCARD, ["0"], Grade(False, 0.25)),
        (FLASHCARD, ["3", "2", "1", "0"], Grade(True, 1.0)),
        (FLASHCARD, ["4"], Grade(False, 0.0)),  # there is no fifth key point
        (YAML, [MANIFEST.replace("fast", "safe")], Grade(True, 1.0)),
        (YAML, [MANIFEST], Grade(False, 0.5, ("Set mode to safe.",))),
        (
            YAML,
            [MANIFEST + "---\n" + MANIFEST],
            Grade(False, 0.0, ("Submit exactly one object; this holds 2.",)),
        ),
        (YAML, ["  \n"], Grade(False, 0.0, ("The manifest was empty.",))),
        (
            YAML,
            ["#" * (MAX_ANSWER_CHARS + 1)],
            Grade(False, 0.0, (f"The manifest is longer than {MAX_ANSWER_CHARS} characters.",)),
        ),
    ],
)
def test_each_verdict_carries_its_score_and_message(question, answer, verdict):
    assert grade(question, answer) == verdict


def test_a_cloze_with_several_blanks_scores_the_share_of_blanks_right():
    cloze = QuestionSpec(
        id="c3", type="cloze", prompt="{{c1::Pod}}, {{c2::Service}} and {{c3::Ingress}}",
        explanation="E",
    )  # fmt: skip
    assert grade(cloze, ["Pod", "x", "x"]) == Grade(False, 0.3333)
    assert grade(cloze, ["Pod", "Service", "x"]) == Grade(False, 0.6667)
    assert grade(cloze, ["Pod", "Servise", "Ingres"]) == Grade(
        True,
        1.0,
        (
            "Blank 2: Accepted: the spelling is “Service”.",
            "Blank 3: Accepted: the spelling is “Ingress”.",
        ),
    )


def test_a_flashcard_without_key_points_counts_as_remembered():
    bare = dataclasses.replace(FLASHCARD, key_points=())
    assert grade(bare, []) == Grade(True, 1.0)


def test_a_manifest_with_no_checks_is_right_once_it_validates():
    bare = dataclasses.replace(YAML, checks=())
    assert grade(bare, [MANIFEST]) == Grade(True, 1.0)


def test_a_manifest_fails_every_check_whose_expression_cannot_run():
    broken = dataclasses.replace(
        YAML, checks=(CheckSpec("length(metadata.labels) > `0`", "Label it."),)
    )
    assert grade(broken, [MANIFEST]) == Grade(False, 0.0, ("Label it.",))


def test_a_manifest_at_the_length_limit_is_still_graded():
    padded = MANIFEST + "#" * (MAX_ANSWER_CHARS - len(MANIFEST))
    assert len(padded) == MAX_ANSWER_CHARS
    assert grade(YAML, [padded]).feedback == ("Set mode to safe.",)


def test_a_short_answer_at_the_length_limit_is_graded_one_longer_is_refused():
    assert grade(SHORT, ["x" * MAX_SHORT_CHARS]) == Grade(False, 0.0)
    assert grade(SHORT, ["x" * (MAX_SHORT_CHARS + 1)]) == Grade(
        False, 0.0, (f"A short answer has at most {MAX_SHORT_CHARS} characters.",)
    )


def test_a_short_answer_may_match_the_pattern_with_quotes_spaces_and_a_trailing_slash():
    question = QuestionSpec(
        id="p", type="short", prompt="P", explanation="E", pattern=r"/api/v1/pods"
    )
    assert grade(question, ["  /api/v1/pods  "]) == Grade(True, 1.0)
    assert grade(question, ['"/API/v1/pods/"']) == Grade(True, 1.0)
    assert grade(question, ["/api/v1/pods/x"]) == Grade(False, 0.0)


def test_patterns_ignore_case_must_match_everything_and_a_broken_one_matches_nothing():
    assert pattern_matches(r"cluster-?ip", "ClusterIP")
    assert not pattern_matches(r"cluster", "clusterip")
    assert not pattern_matches(r"(", "(")


@pytest.mark.parametrize(
    ("given", "expected", "forgiven"),
    [
        ("proxx", "proxy", True),  # 5 letters: one typo forgiven
        ("nide", "node", False),  # 4 letters: none
        ("proxy pods", "proxy pod", False),  # "pod" has 3 letters
        ("proxx servise", "proxy service", True),  # one typo in each long word
        ("proxy", "proxy pod", False),  # a word missing is not a typo
        ("proxx-1", "proxy-1", True),
        ("proxx-2", "proxy-1", False),  # the digits must match
        ("proxy", "proxy", False),  # the same answer is not a typo
    ],
)
def test_one_typo_is_forgiven_per_word_of_five_letters_or_more(given, expected, forgiven):
    assert within_typo_tolerance(given, expected) is forgiven


def test_typed_answers_match_exactly_before_with_a_typo_and_never_when_exact_only():
    assert match_typed("proxies", ["proxied", "proxies"]).has_typo is False
    assert match_typed("proxxy", ["proxy"]).accepted == "proxy"
    assert match_typed("proxxy", ["proxy"]).has_typo is True
    assert match_typed("proxxy", ["proxy"], exact_only=True) is None
    assert match_typed("proxxy", ["proxy"], typo_tolerance=False) is None
    assert match_typed("node_port", ["node-port"], dash_underscore=True).has_typo is False


def test_normalized_text_drops_case_spaces_quotes_and_one_trailing_slash_run():
    assert normalize_text(' "Kube Proxy" ') == "kubeproxy"
    assert normalize_text("http://x//") == "http://x"
    assert normalize_text("/") == "/"  # a lone slash is the answer, not nothing
    assert normalize_text("node_port", dash_underscore=True) == "node-port"
    assert normalize_text("node_port") == "node_port"


def test_tabs_and_line_breaks_count_as_spaces_in_typed_answers():
    assert normalize_text("Kube\tProxy\n") == "kubeproxy"
    assert grade(SHORT, ["\tEndpoints\n"]) == Grade(True, 1.0)
    assert within_typo_tolerance("proxx\tservice", "proxy service")


def test_multi_partial_credit_is_rounded_to_four_places():
    three = QuestionSpec(
        id="m3", type="multi", prompt="P", explanation="E",
        choices=(ChoiceSpec("a", True), ChoiceSpec("b", True), ChoiceSpec("c", True), ChoiceSpec("d")),
    )  # fmt: skip
    assert grade(three, ["0"]).score == 0.3333
    assert grade(three, ["0", "1"]).score == 0.6667


def test_a_manifest_question_without_a_version_is_checked_against_the_newest():
    unversioned = dataclasses.replace(YAML, k8s_version="")
    assert grade(unversioned, [MANIFEST.replace("fast", "safe")]) == Grade(True, 1.0)


def test_a_broken_manifest_over_the_length_limit_is_judged_too_long_not_sent_back():
    broken = "data: [\n"
    at_limit = broken + "#" * (MAX_ANSWER_CHARS - len(broken))
    assert unanswered_reason(YAML, [at_limit]).startswith("This is not valid YAML yet (line ")
    assert unanswered_reason(YAML, [at_limit + "#"]) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("abcx", "xyzw"),  # the last letter given is the first expected: not a swap
        ("abcd", "dbca"),  # two letters swapped, but not neighbours
        ("abcd", "xbcy"),  # two letters changed, not neighbours
        ("abcd", "axyd"),  # two neighbours changed, not swapped
    ],
)
def test_only_a_swap_of_two_neighbouring_letters_is_one_edit(given, expected):
    assert not is_one_edit_apart(given, expected)
    assert is_one_edit_apart("abdc", "abcd")


def test_a_pattern_sees_the_answer_with_its_spaces_collapsed_and_its_trailing_slash_gone():
    assert _matches_pattern("kubectl get pods", "kubectl  get\t pods")
    assert _matches_pattern("/api/foox", "/api/FOOX/")  # the slash goes, the letters stay


def test_an_order_with_an_unknown_item_among_the_right_ones_is_judged_without_error():
    assert grade(ORDER, ["nonsense", "Pod", "Service", "Ingress"]).is_correct
    assert not grade(ORDER, ["nonsense", "Service", "Pod", "Ingress"]).is_correct


def test_a_cloze_blank_takes_a_dash_for_an_underscore_when_the_author_allows_it():
    cloze = QuestionSpec(
        id="cd",
        type="cloze",
        prompt="Set {{c1::node-port}}.",
        explanation="E",
        dash_underscore=True,
    )
    assert grade(cloze, ["node_port"]) == Grade(True, 1.0)
    assert not grade(dataclasses.replace(cloze, dash_underscore=False), ["node_port"]).is_correct


def test_a_cloze_without_blanks_scores_nothing_rather_than_failing():
    assert grade(dataclasses.replace(CLOZE_ONE, prompt="No blanks."), []).score == 0.0


def test_flashcard_credit_is_rounded_to_four_places():
    three = dataclasses.replace(FLASHCARD, key_points=("a", "b", "c"))
    assert grade(three, ["0"]).score == 0.3333


def test_dash_for_underscore_holds_in_the_typo_tolerant_match_too():
    assert within_typo_tolerance("node_port_rnge", "node-port-range", dash_underscore=True)
    assert within_typo_tolerance("node-port-rnge", "node_port_range", dash_underscore=True)
    assert not within_typo_tolerance("node_port_rnge", "node-port-range")
    assert match_typed("node_port_rnge", ["node-port-range"], dash_underscore=True).has_typo
    assert match_typed("node-port", ["node_port"], dash_underscore=True).has_typo is False
    assert match_typed("node_port", ["node-port"]) is None  # off unless the author allows it
    assert match_typed("proxies", ["proxied", "proxies"]).accepted == "proxies"
    short = QuestionSpec(
        id="du", type="short", prompt="P", explanation="E", answers=("node-port-range",),
        dash_underscore=True,
    )  # fmt: skip
    assert grade(short, ["node_port_rnge"]).is_correct


def test_a_kubectl_command_with_its_flags_in_another_order_is_right_with_full_credit():
    short = QuestionSpec(
        id="k", type="short", prompt="P", explanation="E",
        answers=("kubectl get pods -n kube-system -o wide",),
    )  # fmt: skip
    assert grade(short, ["kubectl get pods -o wide -n kube-system"]) == Grade(True, 1.0)


def test_multi_ignores_a_choice_that_does_not_exist_and_scores_nothing_without_right_choices():
    multi = QuestionSpec(
        id="m", type="multi", prompt="P", explanation="E",
        choices=(ChoiceSpec("a", True), ChoiceSpec("b", True), ChoiceSpec("c")),
    )  # fmt: skip
    assert grade(multi, ["0", "1", "junk"]) == Grade(True, 1.0)
    none_right = dataclasses.replace(multi, choices=(ChoiceSpec("a"), ChoiceSpec("b")))
    assert grade(none_right, ["0"]).score == 0.0


# The survivors of the run of 2026-12-08 -----------------------------------------------------------


def test_an_answer_that_is_a_number_is_judged_by_its_text():
    """An answer may come as a number (an assessment's saved answers are JSON): 3.5 is "3.5"."""
    number = dataclasses.replace(SHORT, answers=("3.5",))
    assert grade(number, 3.5) == Grade(True, 1.0)


def test_a_manifest_that_fails_validation_scores_nothing_and_says_where():
    verdict = grade(YAML, "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n")
    assert (verdict.is_correct, verdict.score) == (False, 0.0)
    assert verdict.feedback and all(line.startswith("line ") for line in verdict.feedback)


def test_no_manifest_or_two_answers_for_one_is_empty():
    for answer in ([], [MANIFEST, MANIFEST]):
        assert grade(YAML, answer) == Grade(False, 0.0, ("The manifest was empty.",))
        assert unanswered_reason(YAML, answer) == "Write the manifest first."


def test_a_manifest_passing_one_check_of_three_scores_a_third_to_four_places():
    three = dataclasses.replace(
        YAML, checks=(*YAML.checks, CheckSpec("metadata.name == 'other'", "Name it other."))
    )
    assert grade(three, MANIFEST) == Grade(False, 0.3333, ("Set mode to safe.", "Name it other."))

"""Every grader, with tricky input: case, spaces, order, empty and malformed answers."""

from __future__ import annotations

import dataclasses

import pytest

from studyapp.banks.format import CheckSpec, ChoiceSpec, QuestionSpec
from studyapp.banks.grading import grade, is_one_edit_apart, unanswered_reason

SINGLE = QuestionSpec(
    id="s", type="single", prompt="P", explanation="E",
    choices=(ChoiceSpec("a"), ChoiceSpec("b", True), ChoiceSpec("c")),
)  # fmt: skip
MULTI = QuestionSpec(
    id="m", type="multi", prompt="P", explanation="E",
    choices=(ChoiceSpec("a", True), ChoiceSpec("b"), ChoiceSpec("c", True)),
)  # fmt: skip
TRUEFALSE = QuestionSpec(id="t", type="truefalse", prompt="P", explanation="E", truth=False)
SHORT = QuestionSpec(
    id="sh", type="short", prompt="P", explanation="E",
    answers=("kube-proxy", "Cluster IP"), pattern=r"(spec\.)?clusterIP:\s*None",
)  # fmt: skip
ORDER = QuestionSpec(id="o", type="order", prompt="P", explanation="E", items=("x", "y", "z"))
CLOZE = QuestionSpec(
    id="c", type="cloze", prompt="A {{c1::NodePort}} builds on a {{c2::ClusterIP::internal}}.",
    explanation="E",
)  # fmt: skip
FLASHCARD = QuestionSpec(
    id="f",
    type="flashcard",
    prompt="P",
    explanation="E",
    answer="A",
    key_points=("a", "b", "c", "d"),
)
YAML = QuestionSpec(
    id="y", type="yaml", prompt="P", explanation="E", k8s_version="1.37",
    checks=(
        CheckSpec("kind == 'Service' && spec.type == 'NodePort'", "Make it a NodePort Service."),
        CheckSpec("spec.ports[0].nodePort >= `30000` && spec.ports[0].nodePort <= `32767`",
                  "Use a nodePort in 30000-32767."),
    ),
)  # fmt: skip
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - port: 80
      nodePort: {port}
"""


@pytest.mark.parametrize(
    ("question", "answer", "correct"),
    [
        (SINGLE, ["1"], True),
        (SINGLE, "1", True),
        (SINGLE, [1], True),
        (SINGLE, ["0"], False),
        (SINGLE, ["0", "1"], False),
        (SINGLE, [], False),
        (SINGLE, ["7"], False),
        (SINGLE, ["-1"], False),
        (SINGLE, ["one"], False),
        (SINGLE, None, False),
        (MULTI, ["0", "2"], True),
        (MULTI, ["2", "0"], True),
        (MULTI, ["2", "0", "0"], True),
        (MULTI, ["0"], False),
        (MULTI, ["0", "1", "2"], False),
        (MULTI, [], False),
        (MULTI, ["x", "99"], False),
        (TRUEFALSE, ["false"], True),
        (TRUEFALSE, [" False "], True),
        (TRUEFALSE, ["true"], False),
        (TRUEFALSE, [""], False),
        (TRUEFALSE, ["maybe"], False),
        (SHORT, ["kube-proxy"], True),
        (SHORT, ["  KUBE-PROXY "], True),
        (SHORT, ["kube - proxy"], True),
        (SHORT, ["clusterip"], True),
        (SHORT, ["spec.clusterIP:   None"], True),
        (SHORT, ["clusterIP: None and more"], False),
        (SHORT, ["kubelet"], False),
        (SHORT, [""], False),
        (SHORT, ["   "], False),
        (SHORT, [], False),
        (ORDER, ["0", "1", "2"], True),
        (ORDER, [0, 1, 2], True),
        (ORDER, ["1", "0", "2"], False),
        (ORDER, ["0", "1"], False),
        (ORDER, [], False),
        (ORDER, ["a", "b", "c"], False),
        (CLOZE, ["nodeport", "Cluster IP"], True),
        (CLOZE, ["NodePort", "LoadBalancer"], False),
        (CLOZE, ["NodePort"], False),
        (CLOZE, [], False),
        (FLASHCARD, ["0", "1"], True),
        (FLASHCARD, ["0"], False),
        (FLASHCARD, ["0", "1", "2", "3", "9", "x"], True),
        (YAML, [SERVICE.replace("{port}", "30080")], True),
        (YAML, [SERVICE.replace("{port}", "8080")], False),
        (YAML, [SERVICE.replace("{port}", "eighty")], False),
        (YAML, ["kind: [unclosed"], False),
        (YAML, [""], False),
        (YAML, ["- just\n- a list\n"], False),
        (
            YAML,
            [SERVICE.replace("{port}", "30080") + "---\n" + SERVICE.replace("{port}", "30081")],
            False,
        ),
        (YAML, ["apiVersion: v1\nkind: List\nitems: []\n"], False),
        (YAML, ["x" * 30_000], False),
    ],
)
def test_graders(question, answer, correct):
    assert grade(question, answer).is_correct is correct


def test_multi_gives_partial_credit():
    assert grade(MULTI, ["0"]).score == 0.5
    assert grade(MULTI, ["0", "1"]).score == 0.0
    assert grade(MULTI, ["0", "2"]).score == 1.0


def test_yaml_reports_schema_errors_with_field_paths_and_failed_checks():
    wrong_type = grade(YAML, [SERVICE.replace("{port}", "eighty")])
    assert wrong_type.feedback == (
        "line 10: spec.ports[0].nodePort: 'eighty' is not of type 'integer' (1.37)",
    )
    failed = grade(
        YAML, [SERVICE.replace("      nodePort: {port}\n", "").replace("NodePort", "ClusterIP")]
    )
    assert failed.feedback == ("Make it a NodePort Service.", "Use a nodePort in 30000-32767.")
    rejected = grade(YAML, [SERVICE.replace("{port}", "8080").replace("NodePort", "ClusterIP")])
    assert rejected.feedback == (
        "line 10: spec.ports[0].nodePort: 8080 is out of range: must be between 30000 and 32767",
        "line 10: spec.ports[0].nodePort: may not be used when the Service type is ClusterIP",
    )
    assert grade(YAML, ["kind: [unclosed"]).feedback[0].startswith("line 1: invalid YAML")


def test_yaml_all_documents_checks_see_every_object():
    question = QuestionSpec(
        id="y2", type="yaml", prompt="P", explanation="E", all_documents=True,
        checks=(CheckSpec(
            "{s: [?kind=='Service'] | [0].spec.selector.app, p: [?kind=='Pod'] | [0].metadata.labels.app}"
            " | s != null && s == p",
            "The Service must select the Pod.",
        ),),
    )  # fmt: skip
    pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: web}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n"
    assert grade(question, [pod + "---\n" + SERVICE.replace("{port}", "30080")]).is_correct
    other = pod.replace("app: web", "app: api")
    assert not grade(question, [other + "---\n" + SERVICE.replace("{port}", "30080")]).is_correct


def test_a_long_answer_never_reaches_a_backtracking_pattern():
    evil = QuestionSpec(id="e", type="short", prompt="P", explanation="E", pattern=r"(a+)+b")
    verdict = grade(evil, ["a" * 5000])
    assert not verdict.is_correct and "at most 300 characters" in verdict.feedback[0]
    assert grade(evil, ["a" * 20 + "b"]).is_correct


# Typed answers: normalisation, typo tolerance, `-`/`_` ----------------------------------------

TYPED = QuestionSpec(
    id="ty", type="short", prompt="P", explanation="E",
    answers=("adapter", "kube-proxy", "http://localhost", "30080", "Pod IP"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "correct", "note"),
    [
        ("adapter", True, ""),
        ("ADAPTER", True, ""),
        ("  ad apter ", True, ""),  # spaces never count
        ('"adapter"', True, ""),  # quotes never count
        ("`kube-proxy`", True, ""),
        ("\u201ckube-proxy\u201d", True, ""),  # typographic quotes too
        ("http://localhost/", True, ""),  # nor do trailing slashes
        ("http://localhost//", True, ""),
        ("adaptor", True, "adapter"),  # one letter changed
        ("adaptr", True, "adapter"),  # one left out
        ("adapterr", True, "adapter"),  # one added
        ("adatper", True, "adapter"),  # two swapped
        ("kube-prxy", True, "kube-proxy"),  # the typo is in the 5-letter word
        ("pod ipp", False, ""),  # "ip" has 2 letters: no tolerance
        ("adaptorr", False, ""),  # two edits in one word
        ("adapt", False, ""),
        ("30081", False, ""),  # digits are never a typo
        ("kube_proxy", False, ""),  # `_` is not `-` unless the author says so
        ("kubeproxy", False, ""),
    ],
)
def test_typed_answers_are_normalised_and_forgive_one_typo_per_long_word(answer, correct, note):
    verdict = grade(TYPED, [answer])
    assert verdict.is_correct is correct
    if note:
        assert verdict.feedback == (f"Accepted: the spelling is \u201c{note}\u201d.",)
    else:
        assert verdict.feedback == ()


def test_typo_tolerance_can_be_turned_off_per_question():
    strict = dataclasses.replace(TYPED, typo_tolerance=False)
    assert not grade(strict, ["adaptor"]).is_correct
    assert grade(strict, ["Adapter"]).is_correct  # normalisation still applies


def test_dash_underscore_equivalence_only_where_the_author_marks_it():
    marked = dataclasses.replace(TYPED, dash_underscore=True, answers=("service-node-port-range",))
    assert grade(marked, ["service_node_port_range"]).is_correct
    assert grade(marked, ["SERVICE_NODE-PORT_RANGE"]).is_correct
    assert not grade(dataclasses.replace(marked, dash_underscore=False),
                     ["service_node_port_range"]).is_correct  # fmt: skip


def test_an_exact_or_pattern_match_wins_over_a_typo_match():
    question = dataclasses.replace(TYPED, answers=("ingress", "ingresses"), pattern=r"ingress(es)?")
    assert grade(question, ["ingresses"]).feedback == ()
    patterned = QuestionSpec(id="p", type="short", prompt="P", explanation="E",
                             pattern=r"(https?://)?localhost(:80)?")  # fmt: skip
    assert grade(patterned, ["'localhost:80/'"]).is_correct  # quotes and trailing slash dropped
    assert not grade(patterned, ["localhost:81"]).is_correct


def test_cloze_blanks_follow_the_same_rules_and_say_which_blank_was_misspelt():
    verdict = grade(CLOZE, ["Nodeport", "ClusterIPP"])
    assert verdict.is_correct and verdict.score == 1.0
    assert verdict.feedback == ("Blank 2: Accepted: the spelling is \u201cClusterIP\u201d.",)
    assert not grade(dataclasses.replace(CLOZE, typo_tolerance=False),
                     ["NodePort", "ClusterIPP"]).is_correct  # fmt: skip
    assert grade(CLOZE, ["NodePort", "LoadBalancer"]).score == 0.5


@pytest.mark.parametrize(
    ("given", "expected", "apart"),
    [
        ("adaptor", "adapter", True),
        ("adapter", "adapter", False),  # the same word is not a typo
        ("ab", "ba", True),
        ("abcd", "badc", False),
        ("abc", "abcde", False),
        ("abc", "xabc", True),
        ("abc", "abcx", True),
        ("", "a", True),
    ],
)
def test_one_edit_apart(given, expected, apart):
    assert is_one_edit_apart(given, expected) is apart


# Multi near misses and Moodle partial credit -----------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "score", "near_miss"),
    [
        (["0", "2"], 1.0, False),  # right
        (["0"], 0.5, True),  # one right choice left out
        (["0", "1", "2"], 0.5, True),  # one wrong choice added
        (["0", "1"], 0.0, False),  # a right one left out and a wrong one added: two slips
        (["1"], 0.0, False),  # one slip away from nothing right is not a near miss
        (["1", "0", "2", "1"], 0.5, True),
    ],
)
def test_multi_partial_credit_and_near_misses(answer, score, near_miss):
    verdict = grade(MULTI, answer)
    assert verdict.score == score and verdict.is_near_miss is near_miss
    assert verdict.is_correct is (score == 1.0)


# Answers that are not graded at all ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        (SINGLE, [], "Choose an answer first."),
        (SINGLE, ["9"], "Choose an answer first."),
        (MULTI, [], "Choose at least one answer first."),
        (MULTI, ["x"], "Choose at least one answer first."),
        (TRUEFALSE, [""], "Choose true or false first."),
        (SHORT, ["   "], "Type an answer first."),
        (CLOZE, ["", " "], "Fill in the blanks first."),
        (YAML, [""], "Write the manifest first."),
        (SINGLE, ["1"], None),
        (MULTI, ["1"], None),
        (TRUEFALSE, ["false"], None),
        (SHORT, ["kubelet"], None),
        (CLOZE, ["", "ClusterIP"], None),  # one blank filled: judged
        (ORDER, [], None),
        (FLASHCARD, [], None),
        (YAML, [SERVICE.replace("{port}", "8080")], None),  # parses: judged (and wrong)
        (YAML, ["kind: Service\nspec: {nodePort: x}\n"], None),  # schema errors are judged
    ],
)
def test_unanswered_reason(question, answer, reason):
    assert unanswered_reason(question, answer) == reason


def test_a_manifest_that_does_not_parse_is_not_graded_and_says_where():
    broken = SERVICE.replace("{port}", "30080").replace(
        "selector: {app: web}", "selector: {app: web"
    )
    reason = unanswered_reason(YAML, [broken])
    assert reason.startswith("This is not valid YAML yet (line 8: ")
    assert reason.endswith("nothing was recorded.")


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(a|a)+b"])
def test_a_backtracking_pattern_gives_up_within_its_time_limit(pattern):
    """On 40 a's and no b these take 2**40 steps in a plain backtracking engine: they must end."""
    import threading

    evil = QuestionSpec(id="e", type="short", prompt="P", explanation="E", pattern=pattern)
    verdicts = []
    worker = threading.Thread(
        target=lambda: verdicts.append(grade(evil, ["a" * 40 + "c"])), daemon=True
    )
    worker.start()
    worker.join(timeout=30)  # a bound on termination, not a speed goal
    assert not worker.is_alive(), "the pattern ran on: no time limit"
    assert verdicts and not verdicts[0].is_correct


def test_an_alias_bomb_answer_is_refused_quickly_with_a_message():
    """About 580 bytes that expand to hundreds of millions of values once aliases are followed."""
    import threading

    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
    ]
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n" + "\n".join(
        "  " + line for line in levels
    )
    question = QuestionSpec(id="y", type="yaml", prompt="P", explanation="E",
                            checks=(CheckSpec("kind == 'ConfigMap'", "m"),))  # fmt: skip
    verdicts = []
    worker = threading.Thread(target=lambda: verdicts.append(grade(question, [bomb])), daemon=True)
    worker.start()
    worker.join(timeout=30)  # a bound on termination, not a speed goal
    assert not worker.is_alive(), "the answer was expanded"
    assert not verdicts[0].is_correct
    assert "aliases (*name) are not allowed" in verdicts[0].feedback[0]
    assert verdicts[0].feedback[0].startswith("line 7:")


SWAP = QuestionSpec(
    id="sw", type="order", prompt="P", explanation="E",
    items=("a", "b", "c", "d"), may_swap=((2, 3), (3, 4)),
)  # fmt: skip


@pytest.mark.parametrize(
    ("arranged", "correct"),
    [
        (["a", "b", "c", "d"], True),
        (["a", "c", "b", "d"], True),
        (["a", "b", "d", "c"], True),
        (["a", "c", "d", "b"], False),  # d before b: not a listed pair
        (["b", "a", "c", "d"], False),
        (["d", "c", "b", "a"], False),
        (["a", "c", "b"], False),
        (["a", "c", "c", "d"], False),
    ],
)
def test_order_accepts_listed_adjacent_swaps_only(arranged, correct):
    assert grade(SWAP, arranged).is_correct is correct


def test_order_without_may_swap_is_strict():
    assert not grade(ORDER, ["y", "x", "z"]).is_correct
    assert grade(ORDER, ["x", "y", "z"]).score == 1.0

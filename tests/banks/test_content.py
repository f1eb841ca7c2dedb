"""The real content/: valid as a whole, and up to the minimums the banks promise learners."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from studyapp.banks.commands import RESOURCES, parse_kubectl
from studyapp.banks.content import Content, read_content
from studyapp.banks.grading import grade_short, grade_yaml

CONTENT = Path(__file__).resolve().parents[2] / "content"

MINIMUM_QUESTIONS = {
    "pod-networking": 15,
    "pod-to-pod": 15,
    "services": 15,
    "service-types": 25,
    "dns": 15,
    "ingress": 25,
    "gateway-api": 30,
    "network-policies": 15,
    "cni": 15,
    "volumes": 25,
    "deployments": 15,
    "autoscaling": 25,
    "deployment-failures": 25,
    "kubectl": 15,
    "architecture": 15,
    "containers": 15,
    "managed-kubernetes": 15,
}
SNIPPET_LINKED_TOPICS = (
    "service-types", "ingress", "gateway-api", "volumes", "autoscaling", "deployments", "network-policies", "dns",
)  # fmt: skip


@pytest.fixture(scope="module")
def content() -> Content:
    """The real content, read and validated exactly as `loadbanks --check content` does."""
    return read_content([CONTENT], versions=["1.35", "1.36", "1.37"])


def by_topic(content: Content) -> dict[str, list]:
    topics = defaultdict(list)
    for question in content.questions:
        topics[question.topic].append(question)
    return topics


def test_topics_are_exactly_the_ones_promised(content):
    assert [topic.slug for topic in content.topics] == list(MINIMUM_QUESTIONS)


def test_each_topic_has_its_minimum_and_at_least_520_in_all(content):
    counts = {topic: len(questions) for topic, questions in by_topic(content).items()}
    short = {t: (counts.get(t, 0), n) for t, n in MINIMUM_QUESTIONS.items() if counts.get(t, 0) < n}
    assert not short, f"topics below their minimum (have, need): {short}"
    assert sum(counts.values()) >= 520


GATEWAY_KINDS = {"GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant"}


def test_gateway_api_topic_has_every_type_yaml_exercises_and_gateway_snippets(content):
    questions = by_topic(content)["gateway-api"]
    assert {q.type for q in questions} == {
        "single", "multi", "truefalse", "short", "order", "cloze", "flashcard", "yaml",
    }  # fmt: skip
    assert sum(1 for q in questions if q.type == "yaml") >= 4
    gateway_snippets = [s for s in content.snippets if GATEWAY_KINDS & set(s.kinds)]
    assert len(gateway_snippets) >= 8
    assert {kind for s in gateway_snippets for kind in s.kinds} >= GATEWAY_KINDS
    text = " ".join(q.prompt + q.explanation for q in questions)
    for subject in (
        "weight",
        "header",
        "ReferenceGrant",
        "Accepted",
        "ResolvedRefs",
        "ingress-nginx",
    ):
        assert subject in text, subject


def test_at_least_25_workload_reliability_questions_in_the_deployment_topics(content):
    subjects = (
        "StatefulSet", "DaemonSet", "Job", "CronJob", "startup probe", "PodDisruptionBudget",
        "QoS", "evict", "OOMKilled", "WaitForFirstConsumer", "snapshot", "allowVolumeExpansion",
    )  # fmt: skip
    topics = by_topic(content)
    reliability = [
        q
        for q in topics["deployments"] + topics["deployment-failures"]
        if any(s.casefold() in (q.prompt + q.explanation).casefold() for s in subjects)
    ]
    assert len(reliability) >= 25


def test_each_topic_uses_at_least_three_question_types(content):
    for topic, questions in by_topic(content).items():
        types = {question.type for question in questions}
        assert len(types) >= 3, (topic, types)


def test_each_topic_has_troubleshooting_or_design_questions(content):
    for topic, questions in by_topic(content).items():
        assert any(q.difficulty == 3 for q in questions), topic


def test_at_least_20_yaml_exercises_whose_checks_really_test(content):
    exercises = [q for q in content.questions if q.type == "yaml"]
    assert len(exercises) >= 20
    for question in exercises:
        assert question.solution, f"{question.id} has no solution"
        assert grade_yaml(question, question.solution).is_correct, question.id
        starter = grade_yaml(question, question.starter or "")
        assert not starter.is_correct, f"{question.id}: the starter already passes every check"


def test_at_least_30_interview_flashcards_with_key_points(content):
    flashcards = [
        q for q in content.questions
        if q.type == "flashcard" and q.key_points and "interview" in q.tags
    ]  # fmt: skip
    assert len(flashcards) >= 30


def test_every_question_explains_and_cites_sources(content):
    for question in content.questions:
        assert len(question.explanation.strip()) >= 40, question.id
        assert question.sources, f"{question.id} has no sources"


def test_choice_questions_explain_wrong_choices(content):
    for question in content.questions:
        if question.type in ("single", "multi"):
            wrong = [c for c in question.choices if not c.is_correct]
            assert wrong and any(c.why for c in wrong), f"{question.id}: no why on a wrong choice"


def test_at_least_40_valid_snippets_each_linked_and_with_try_steps(content):
    assert len(content.snippets) >= 40  # all strictly valid: read_content validated them
    linked = {snippet for q in content.questions for snippet in q.snippets}
    for snippet in content.snippets:
        assert snippet.spec.try_steps, f"{snippet.spec.id} has no try steps"
        assert snippet.spec.id in linked, f"no question links {snippet.spec.id}"


def test_most_questions_link_a_snippet_where_manifests_matter(content):
    topics = by_topic(content)
    for topic in SNIPPET_LINKED_TOPICS:
        questions = topics[topic]
        share = sum(1 for q in questions if q.snippets) / len(questions)
        assert share >= 0.6, f"{topic}: only {share:.0%} of questions link a snippet"


def test_question_ids_start_with_their_topic(content):
    mismatched = [q.id for q in content.questions if not q.id.startswith(q.topic)]
    assert not mismatched


MISCONCEPTIONS = {
    "deployments-misconception-pod-restart": "a Pod does not restart: the kubelet restarts containers",
    "volumes-misconception-hostpath-share": "hostPath as a way to share data between Pods",
    "volumes-hostpath-other-node": "hostPath as persistence: the data stays on one node",
    "pod-networking-logger-bug": "a sidecar reading another container's files without a volume",
    "deployments-misconception-bluegreen-native": "Deployments doing blue-green natively",
    "service-types-nodeport-no-selector": "a NodePort Service with no selector has no endpoints",
    "managed-kubernetes-external-ip-pending": "LoadBalancer needs an implementation",
    "network-policies-flannel-not-enforced": "Flannel alone does not enforce NetworkPolicy",
    "service-types-headless-not-a-type": "headless is not a fourth Service type",
    "cni-overlay-not-required": "an overlay is not required across nodes",
    "pod-to-pod-ip-container-restart": "a container restart keeps the Pod IP",
    "volumes-misconception-pod-deleted": "not every volume dies with the Pod",
    "autoscaling-misconception-ca-usage": "the Cluster Autoscaler reacts to pending Pods",
    "dns-api-server-no-dns": "cluster DNS is an add-on, not the API server",
    "containers-image-has-no-kernel": "an image has no kernel",
    "services-misconception-outside": "a ClusterIP Service does not expose Pods outside the cluster",
    "services-misconception-even-spread": "kube-proxy balances connections at random, not requests",
    "ingress-api-frozen-not-deprecated": "the Ingress API is frozen, not deprecated",
    "gateway-api-referencegrant-needed-attach": "attaching a route needs allowedRoutes, not a grant",
    "deployments-pdb-involuntary": "a PodDisruptionBudget cannot stop involuntary disruptions",
    "deployments-job-vs-deployment": "a Deployment restarts work that should finish",
}


def test_misconceptions_from_the_sources_are_taught(content):
    """Each loose or wrong claim of the source notes has a question that corrects it."""
    questions = {q.id: q for q in content.questions}
    missing = [qid for qid in MISCONCEPTIONS if qid not in questions]
    assert not missing, missing
    for qid in MISCONCEPTIONS:
        question = questions[qid]
        assert question.type in ("single", "truefalse", "multi"), qid
        assert len(question.explanation) > 80, qid


def respelled(command: str) -> str:
    """Return the command with other spellings of the same meaning (aliases, flag forms)."""
    aliases = {
        name: alias for alias, name in RESOURCES.items() if alias != name and len(alias) < len(name)
    }
    words = []
    for word in command.split(" "):
        kind, slash, name = word.partition("/")
        head, dot, rest = kind.partition(".")
        if head in aliases and (
            slash or not dot or "." in rest or rest == "spec" or rest.startswith("spec")
        ):
            kind = aliases[head] + dot + rest
        words.append(kind + slash + name)
    text = " ".join(words)
    for old, new in (
        (" -n ", " --namespace="), (" -A", " --all-namespaces"), (" -o wide", " --output=wide"),
        (" -o ", " --output="), (" -it ", " -ti "), (" -c ", " --container="),
        ("--replicas=", "--replicas "), (" --previous", " -p"),
    ):  # fmt: skip
        text = text.replace(old, new)
    return text


def test_every_kubectl_short_answer_goes_through_the_command_grader(content):
    """Short answers that are kubectl commands are graded by meaning, never by a regex."""
    respelled_count = 0
    for question in content.questions:
        commands = [a for a in question.answers if a.strip().startswith("kubectl ")]
        if question.type != "short" or not commands:
            continue
        assert not question.pattern, f"{question.id}: drop the regex, the command grader decides"
        for answer in commands:
            assert parse_kubectl(answer) is not None, (question.id, answer)
            variant = respelled(answer)
            if variant != answer:
                assert grade_short(question, variant).is_correct, (question.id, variant)
                respelled_count += 1
    assert respelled_count >= 15


# Answers the grading audit fixed: (question id, how to change the question's own solution or the
# short answer given, whether it must be accepted). Solutions are edited by plain replacement.
AUDITED_SHORT = [
    ("pod-networking-localhost-address", "http://localhost:80/", True),
    ("pod-networking-localhost-address", "https://localhost", False),
    ("cni-check-installed", "kubectl get daemonsets --namespace=kube-system", True),
    ("cni-check-installed", "kubectl get po --all-namespaces", True),
    ("cni-check-installed", "kubectl get svc -n kube-system", False),
    ("pod-to-pod-get-ips", "kubectl get po -owide", True),
    ("pod-to-pod-port-forward", "kubectl port-forward nginx-pod 8080:80 -n other", False),
    ("deployments-undo-command", "kubectl rollout undo deploy web", True),
    ("deployments-undo-command", "kubectl rollout undo deployment/web --to-revision=3", False),
    ("deployment-failures-logs-previous", "kubectl logs -p crasher", True),
    ("deployment-failures-logs-previous", "kubectl logs other -p", False),
    ("pod-networking-exec-container", "-c wrong-name", False),
]
AUDITED_YAML = [
    ("ingress-write-fanout", [("path: /cart\n", "path: /cart/\n")], True),
    ("volumes-yaml-pvc-pod", [("  resources:\n", "  storageClassName: \"\"\n  resources:\n")], False),
    ("volumes-yaml-pvc-pod", [("        - name: PGDATA\n          value: /var/lib/postgresql/data/pgdata\n", "")], False),
    (
        "volumes-yaml-pvc-pod",
        [
            ("        - name: PGDATA\n          value: /var/lib/postgresql/data/pgdata\n", ""),
            ("mountPath: /var/lib/postgresql/data\n", "mountPath: /var/lib/postgresql/data\n          subPath: pgdata\n"),
        ],
        True,
    ),
    ("deployments-yaml-safe-rollout", [("- containerPort: 8080\n", "- name: http\n              containerPort: 8080\n"), ("port: 8080\n            periodSeconds", "port: http\n            periodSeconds")], True),
    ("deployment-failures-rbac-yaml", [('"patch"]', '"patch", "delete"]')], False),
    ("gateway-api-write-split", [("weight: 80", "weight: 8"), ("weight: 20", "weight: 2")], True),
    ("gateway-api-write-split", [("weight: 80", "weight: 70")], False),
]  # fmt: skip


@pytest.mark.parametrize(("qid", "answer", "accepted"), AUDITED_SHORT)
def test_audited_short_answers_are_judged_right(content, qid, answer, accepted):
    question = next(q for q in content.questions if q.id == qid)
    assert grade_short(question, answer).is_correct is accepted


@pytest.mark.parametrize(("qid", "edits", "accepted"), AUDITED_YAML)
def test_audited_yaml_answers_are_judged_right(content, qid, edits, accepted):
    question = next(q for q in content.questions if q.id == qid)
    manifest = question.solution
    for old, new in edits:
        assert old in manifest, (qid, old)
        manifest = manifest.replace(old, new)
    assert grade_yaml(question, manifest).is_correct is accepted


def test_right_answers_are_not_piled_in_one_choice_position(content):
    """Written right-first, every bank was warned about; `manage.py reorderchoices` fixed it."""
    assert content.warnings == []
    singles = [q for q in content.questions if q.type == "single"]
    firsts = sum(q.choices[0].is_correct for q in singles)
    assert firsts <= 0.35 * len(singles), (firsts, len(singles))  # all 170 of 170, before


@pytest.mark.parametrize(
    "answer", ["localhost:80", "the Pod IP", "pod ip", "Pod IP address", "$POD_IP", "127.0.0.1/"]
)
def test_every_address_the_explanation_calls_right_is_accepted(content, answer):
    from studyapp.banks.grading import grade

    [question] = [q for q in content.questions if q.id == "pod-networking-localhost-address"]
    assert grade(question, [answer]).is_correct
    assert not grade(question, ["the Service IP"]).is_correct


def test_the_readme_counts_what_the_content_holds(content):
    readme = (CONTENT.parent / "README.md").read_text(encoding="utf-8")
    claimed = re.search(r"(\d+) topics, (\d+) questions of", readme)
    snippets = re.search(r"\((\d+) snippets, strictly valid", readme)
    assert claimed and snippets, "README no longer states the content's size"
    assert (int(claimed[1]), int(claimed[2]), int(snippets[1])) == (
        len(content.topics),
        len(content.questions),
        len(content.snippets),
    )

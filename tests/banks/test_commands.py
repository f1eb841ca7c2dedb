"""kubectl commands graded by meaning: aliases, flag forms and order accepted, other meanings not."""

from __future__ import annotations

import pytest

from studyapp.banks.commands import (
    is_kubectl_command,
    matches_any_command,
    parse_kubectl,
    resource_name,
    same_command,
)
from studyapp.banks.format import QuestionSpec
from studyapp.banks.grading import grade_short

SAME = [
    # resource aliases
    ("kubectl get pods", "kubectl get po"),
    ("kubectl get pods", "kubectl get pod"),
    ("kubectl get svc", "kubectl get services"),
    ("kubectl get ds -n kube-system", "kubectl get daemonsets -n kube-system"),
    ("kubectl get deploy", "kubectl get deployments.apps"),
    ("kubectl get ns", "kubectl get namespaces"),
    ("kubectl get no", "kubectl get nodes"),
    ("kubectl get ep web", "kubectl get endpoints web"),
    ("kubectl get cm", "kubectl get configmaps"),
    ("kubectl get pvc,pv", "kubectl get pv,persistentvolumeclaims"),
    ("kubectl get ing", "kubectl get ingresses"),
    ("kubectl get netpol", "kubectl get networkpolicies"),
    ("kubectl get sts db", "kubectl get statefulset/db"),
    ("kubectl get hpa web", "kubectl get horizontalpodautoscaler web"),
    ("kubectl get pdb", "kubectl get poddisruptionbudgets.policy"),
    ("kubectl get httproutes", "kubectl get httproute.gateway.networking.k8s.io"),
    # namespace flags
    ("kubectl get pods -n kube-system", "kubectl get pods --namespace kube-system"),
    ("kubectl get pods -n kube-system", "kubectl get pods -n=kube-system"),
    ("kubectl get pods -n kube-system", "kubectl get pods --namespace=kube-system"),
    ("kubectl get pods -n kube-system", "kubectl -n kube-system get pods"),
    ("kubectl get pods -n kube-system", "kubectl get pods -nkube-system"),
    ("kubectl get pods -A", "kubectl get pods --all-namespaces"),
    ("kubectl get pods -A", "kubectl get pods --all-namespaces=true"),
    # output flags
    ("kubectl get pods -o wide", "kubectl get pods -owide"),
    ("kubectl get pods -o wide", "kubectl get pods --output=wide"),
    ("kubectl get pods -o wide", "kubectl get pods --output wide"),
    ("kubectl get pods -o wide", "kubectl get pods -o=wide"),
    ("kubectl get pods -o wide -A", "kubectl get pods -Aowide"),
    # flag order, resource/name forms
    ("kubectl get pods -A -o wide", "kubectl get -o wide pods --all-namespaces"),
    ("kubectl rollout undo deployment/web", "kubectl rollout undo deploy web"),
    ("kubectl scale deployment web --replicas=5", "kubectl scale --replicas 5 deploy/web"),
    ("kubectl describe pod web", "kubectl describe po/web"),
    ("kubectl logs crasher --previous", "kubectl logs -p crasher"),
    ("kubectl logs crasher -f", "kubectl logs --follow pod/crasher"),
    ("kubectl exec -it web-0 -c sidecar -- sh", "kubectl exec web-0 -ti --container=sidecar -- sh"),
    ("kubectl exec -it web-0 -- sh", "kubectl exec --stdin --tty pod/web-0 -- sh"),
    ("kubectl port-forward nginx-pod 8080:80", "kubectl port-forward pod/nginx-pod 8080:80"),
    ("kubectl explain deployment.spec.strategy", "kubectl explain deploy.spec.strategy"),
    ("kubectl get pod my-pod -o jsonpath='{.status.podIP}'",
     'kubectl get po/my-pod --output=jsonpath="{.status.podIP}"'),
    ("kubectl get pods -l app=web,tier=fe", "kubectl get pods --selector tier=fe,app=web"),
    ("kubectl label pods web tier=fe", "kubectl label pod/web tier=fe"),
    ("kubectl taint nodes n1 gpu=true:NoSchedule", "kubectl taint node n1 gpu=true:NoSchedule"),
    ("kubectl drain n1 --ignore-daemonsets --delete-emptydir-data",
     "kubectl drain --delete-emptydir-data n1 --ignore-daemonsets"),
    ("kubectl get pods web db", "kubectl get pods db web"),
    ("kubectl apply -f web.yaml", "kubectl apply --filename=web.yaml"),
]  # fmt: skip

DIFFERENT = [
    ("kubectl get pods", "kubectl get services"),
    ("kubectl get pods", "kubectl describe pods"),
    ("kubectl get pods -n kube-system", "kubectl get pods"),
    ("kubectl get pods -n kube-system", "kubectl get pods -n default"),
    ("kubectl get pods -n kube-system", "kubectl get pods -A"),
    ("kubectl get pods -o wide", "kubectl get pods"),
    ("kubectl get pods -o wide", "kubectl get pods -o yaml"),
    ("kubectl get pods web", "kubectl get pods"),
    ("kubectl get pods web", "kubectl get pods db"),
    ("kubectl get ds -n kube-system", "kubectl get deploy -n kube-system"),
    ("kubectl get pods", "kubectl get pods --watch"),
    ("kubectl get pods -A", "kubectl get pods --all-namespaces=false"),
    ("kubectl rollout undo deployment/web", "kubectl rollout status deployment/web"),
    ("kubectl rollout undo deployment/web", "kubectl rollout undo deployment/web --to-revision=1"),
    ("kubectl rollout undo deployment/web", "kubectl rollout undo statefulset/web"),
    ("kubectl scale deployment web --replicas=5", "kubectl scale deployment web --replicas=3"),
    ("kubectl logs crasher --previous", "kubectl logs crasher"),
    ("kubectl logs crasher -p", "kubectl logs crasher -f"),
    ("kubectl apply -f web.yaml", "kubectl apply -f other.yaml"),
    ("kubectl exec -it web-0 -c sidecar -- sh", "kubectl exec -it web-0 -c app -- sh"),
    ("kubectl exec -it web-0 -c sidecar -- sh", "kubectl exec -i web-0 -c sidecar -- sh"),
    ("kubectl port-forward nginx-pod 8080:80", "kubectl port-forward nginx-pod 80:8080"),
    ("kubectl port-forward pod/nginx-pod 8080:80", "kubectl port-forward svc/nginx-pod 8080:80"),
    ("kubectl explain deployment.spec.strategy", "kubectl explain deployment.spec"),
    ("kubectl get pods -l app=web", "kubectl get pods -l app=api"),
    ("kubectl label pods web tier=fe", "kubectl label pods web tier=be"),
    ("kubectl drain n1 --ignore-daemonsets", "kubectl cordon n1"),
    ("kubectl get pods", "kubectl get pods; kubectl delete pods --all"),
    ("kubectl get pods", "kubectl get pods && rm -rf /"),
    ("kubectl get pods", "kubectl get pods | grep web"),
    ("kubectl config current-context", "kubectl config get-contexts"),
    ("kubectl auth can-i --list", "kubectl auth can-i --list -n kube-system"),
]


@pytest.mark.parametrize(("expected", "given"), SAME)
def test_commands_with_the_same_meaning_are_accepted(expected, given):
    assert same_command(given, expected)
    assert same_command(expected, given)


@pytest.mark.parametrize(("expected", "given"), DIFFERENT)
def test_commands_with_another_meaning_are_refused(expected, given):
    assert not same_command(given, expected)
    assert not same_command(expected, given)


def test_there_are_at_least_30_accepted_and_30_refused_pairs():
    assert len(SAME) >= 30 and len(DIFFERENT) >= 30


@pytest.mark.parametrize(
    "text",
    ["", "get pods", "crictl ps", "kubectl", "kubectl -n", "kubectl get 'pods", "kubectl get -Z"],
)
def test_text_that_is_not_a_kubectl_command_does_not_parse(text):
    assert parse_kubectl(text) is None
    assert not is_kubectl_command(text)
    assert not same_command(text, text)


def test_resource_names_resolve_aliases_and_groups():
    assert resource_name("PO") == "pods"
    assert resource_name("deployments.apps") == "deployments"
    assert resource_name("gtw") == "gateways"
    assert resource_name("widgets") is None


def test_parsed_command_keeps_what_follows_the_double_dash_in_order():
    command = parse_kubectl("kubectl exec web -- sh -c 'echo hi'")
    assert command is not None
    assert command.objects == {("pods", "web")}
    assert command.command == ("sh", "-c", "echo hi")


def test_matches_any_command_skips_accepted_answers_that_are_not_commands():
    assert matches_any_command("kubectl get po", ["pods", "kubectl get pods"])
    assert not matches_any_command("pods", ["pods", "kubectl get pods"])


def short(*answers: str, pattern: str = "") -> QuestionSpec:
    return QuestionSpec(
        id="q", type="short", prompt="?", explanation="!", answers=answers, pattern=pattern
    )


def test_grade_short_accepts_a_command_with_another_form_of_the_same_meaning():
    question = short("kubectl get pods -n kube-system")
    assert grade_short(question, "kubectl get po --namespace=kube-system").is_correct
    assert grade_short(question, "kubectl -n kube-system get pod").is_correct


def test_grade_short_refuses_a_command_with_another_meaning():
    question = short("kubectl get ds -n kube-system")
    assert not grade_short(question, "kubectl get deploy -n kube-system").is_correct
    assert not grade_short(question, "kubectl get ds").is_correct

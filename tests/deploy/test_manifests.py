"""Our own deployment manifests pass our own snippet validator and are wired to each other."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from studyapp.banks.kubernetes import validate_manifest_text

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def load(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text())


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")), ids=lambda p: p.name)
def test_every_manifest_is_strictly_valid(path, settings):
    settings.K8S_VERSIONS = ["1.35", "1.36", "1.37"]
    documents, problems = validate_manifest_text(path.read_text())
    assert documents and problems == []


def test_expected_objects_are_there():
    kinds = {yaml.safe_load(p.read_text())["kind"] for p in K8S.glob("*.yaml")}
    assert kinds == {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "Job", "Secret"}


def test_service_selects_the_deployments_pods_on_its_named_port():
    deployment, service = load("deployment.yaml"), load("service.yaml")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    container_ports = {
        p["name"] for c in deployment["spec"]["template"]["spec"]["containers"] for p in c["ports"]
    }
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports


def test_ingress_points_at_the_service_with_tls():
    ingress, service = load("ingress.yaml"), load("service.yaml")
    port_names = {p["name"] for p in service["spec"]["ports"]}
    hosts = set()
    for rule in ingress["spec"]["rules"]:
        hosts.add(rule["host"])
        for path in rule["http"]["paths"]:
            assert path["pathType"] == "Prefix"
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            assert backend["port"]["name"] in port_names
    assert hosts <= set(ingress["spec"]["tls"][0]["hosts"])


def test_probes_requests_limits_and_non_root():
    deployment = load("deployment.yaml")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_hpa_scales_the_deployment_and_job_runs_the_same_image():
    deployment, hpa, job = load("deployment.yaml"), load("hpa.yaml"), load("job-migrate.yaml")
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert hpa["spec"]["minReplicas"] >= 2
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert migrate["image"] == image
    assert "migrate" in " ".join(migrate["command"]) and "loadbanks" in " ".join(migrate["command"])


def test_secret_example_holds_every_required_setting():
    secret = load("secret.example.yaml")
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"} <= set(secret["stringData"])
    deployment = load("deployment.yaml")
    refs = [
        e["secretRef"]["name"]
        for e in deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    ]
    assert refs == [secret["metadata"]["name"]]

"""Our strict validation agrees with kubernetes-validate and reports every error with a line."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from studyapp.banks.kubernetes import (
    configured_versions,
    supported_versions,
    validate_manifest_text,
)

VALID = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
"""

INVALID = [
    VALID.replace("replicas: 2", "replicas: two"),
    VALID.replace("          ports:", "          portz:"),
    VALID.replace("  selector:\n    matchLabels: {app: web}\n", ""),
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: 80\n      protocl: TCP\n",
]


def test_default_versions_are_the_newest_three_the_package_ships(settings):
    settings.K8S_VERSIONS = []
    assert configured_versions() == supported_versions()[-3:]
    assert len(set(configured_versions())) == 3


@pytest.mark.parametrize("version", ["1.35", "1.37"])
def test_valid_manifest_passes_both(version):
    kubernetes_validate.validate(yaml.safe_load(VALID), version, strict=True)
    assert validate_manifest_text(VALID, [version])[1] == []


@pytest.mark.parametrize("text", INVALID)
def test_invalid_manifests_fail_both(text):
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(yaml.safe_load(text), "1.37", strict=True)
    assert validate_manifest_text(text, ["1.37"])[1]


def test_all_errors_are_listed_with_lines():
    text = VALID.replace("replicas: 2", "replicas: two").replace(
        "          ports:", "          portz:"
    )
    _, problems = validate_manifest_text(text, ["1.36", "1.37"])
    assert [(p.line, p.message) for p in problems] == [
        (6, "spec.replicas: 'two' is not of type 'integer' (1.36, 1.37)"),
        (16, "spec.template.spec.containers[0].portz: unknown field (1.36, 1.37)"),
    ]


def test_every_document_is_validated():
    text = VALID + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  typo: 1\n"
    documents, problems = validate_manifest_text(text, ["1.37"])
    assert len(documents) == 2
    assert [(p.line, p.message) for p in problems] == [(24, "spec.typo: unknown field (1.37)")]

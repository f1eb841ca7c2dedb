"""Gateway API kinds are validated against the CRDs' own schemas shipped in the repo."""

from __future__ import annotations

import pytest

from studyapp.banks.kubernetes import crd_schemas, crd_source, validate_manifest_text

GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: example
spec:
  controllerName: example.com/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shop
spec:
  gatewayClassName: example
  listeners:
    - name: http
      protocol: HTTP
      port: 80
      allowedRoutes:
        namespaces:
          from: Same
    - name: https
      protocol: HTTPS
      port: 443
      hostname: "*.example.com"
      tls:
        mode: Terminate
        certificateRefs:
          - name: shop-cert
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: cart
spec:
  parentRefs:
    - name: shop
      sectionName: http
  hostnames: ["shop.example.com"]
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /cart
          headers:
            - name: x-canary
              value: "true"
      filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set:
              - name: x-from
                value: gateway
      backendRefs:
        - name: cart-v2
          port: 8080
          weight: 10
        - name: cart
          port: 8080
          weight: 90
      timeouts:
        request: 10s
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: orders
spec:
  parentRefs:
    - name: shop
  rules:
    - matches:
        - method:
            service: shop.Orders
            method: Get
      backendRefs:
        - name: orders
          port: 9000
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: allow-routes
  namespace: backends
spec:
  from:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      namespace: shop
  to:
    - group: ""
      kind: Service
"""


def test_the_standard_kinds_each_have_a_schema():
    kinds = {key.rsplit("/", 1)[1] for key in crd_schemas()}
    assert kinds == {"GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant"}
    assert crd_source("gateway.networking.k8s.io/v1") == "Gateway API v1.6.0-rc.1 (standard)"
    assert crd_source("apps/v1") == ""


def test_a_valid_gateway_api_manifest_passes():
    documents, problems = validate_manifest_text(GATEWAY, ["1.37"])
    assert problems == []
    assert [d["kind"] for d in documents] == [
        "GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "controllerName: example.com/gateway-controller",
            "controllerName: gateway-controller",
            6,
            "spec.controllerName: 'gateway-controller' does not match",
        ),
        (
            "      port: 80\n",
            "      port: 80800\n",
            17,
            "spec.listeners[0].port: 80800 is greater than the maximum of 65535",
        ),
        (
            "        mode: Terminate",
            "        mode: Terminated",
            26,
            "spec.listeners[1].tls.mode: 'Terminated' is not one of ['Terminate', 'Passthrough']",
        ),
        (
            "          from: Same",
            "          from: Everywhere",
            20,
            "spec.listeners[0].allowedRoutes.namespaces.from: 'Everywhere' is not one of",
        ),
        (
            "            type: PathPrefix",
            "            type: Prefix",
            42,
            "spec.rules[0].matches[0].path.type: 'Prefix' is not one of",
        ),
        (
            '  hostnames: ["shop.example.com"]',
            '  hostnames: ["Shop.Example.com"]',
            38,
            "spec.hostnames[0]: 'Shop.Example.com' does not match",
        ),
        (
            "        request: 10s",
            "        request: ten seconds",
            61,
            "spec.rules[0].timeouts.request: 'ten seconds' does not match",
        ),
        (
            "          weight: 90",
            "          weight: -1",
            59,
            "spec.rules[0].backendRefs[1].weight: -1 is less than the minimum of 0",
        ),
        ("  hostnames:", "  hostname:", 38, "spec.hostname: unknown field"),
        (
            "        - type: RequestHeaderModifier",
            "        - type: AddHeader",
            48,
            "spec.rules[0].filters[0].type: 'AddHeader' is not one of",
        ),
        (
            "            service: shop.Orders\n",
            "            service: shop.Orders\n            verb: Get\n",
            74,
            "spec.rules[0].matches[0].method.verb: unknown field",
        ),
        (
            "      kind: HTTPRoute\n      namespace: shop\n",
            "      kind: HTTPRoute\n",
            86,
            "spec.from[0]: 'namespace' is required",
        ),
    ],
)
def test_each_schema_rule_reports_its_line(old, new, line, message):
    text = GATEWAY.replace(old, new, 1)
    assert text != GATEWAY
    _, problems = validate_manifest_text(text, ["1.37"])
    assert [(p.line, p.message.startswith(message)) for p in problems] == [(line, True)], problems


def test_v1beta1_is_validated_with_the_same_schema():
    text = GATEWAY.replace("gateway.networking.k8s.io/v1\nkind: HTTPRoute",
                           "gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute")  # fmt: skip
    assert validate_manifest_text(text, ["1.37"])[1] == []
    bad = text.replace("            type: PathPrefix", "            type: Prefix")
    assert validate_manifest_text(bad, ["1.37"])[1]


@pytest.mark.parametrize(
    "head",
    [
        "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: GRPCRoute",  # not in standard
        "apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute",  # experimental only
        "apiVersion: example.com/v1\nkind: Widget",  # a CRD we ship nothing for
    ],
)
def test_a_kind_without_a_shipped_schema_never_passes(head):
    text = f"{head}\nmetadata:\n  name: x\nspec: {{}}\n"
    _, problems = validate_manifest_text(text, ["1.37"])
    assert len(problems) == 1
    assert problems[0].line == 1
    assert "no schema for kind" in problems[0].message


def test_metadata_of_a_crd_kind_is_checked_like_any_object():
    text = GATEWAY.replace("  name: cart\n", "  name: cart\n  label:\n    app: cart\n")
    _, problems = validate_manifest_text(text, ["1.37"])
    assert [(p.line, p.message) for p in problems] == [(34, "metadata.label: unknown field (1.37)")]

"""The API server's rules beyond the schema: each one fails on an example, at the exact line."""

from __future__ import annotations

import pytest

from studyapp.banks.format import CheckSpec, QuestionSpec
from studyapp.banks.grading import grade_yaml
from studyapp.banks.kubernetes import validate_manifest_text
from studyapp.banks.manifests import QUANTITY, check_objects, selector_matches

VALID = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
        app: web
    spec:
      restartPolicy: Always
      containers:
        - name: web
          image: nginx:1.27
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          resources:
            requests:
              cpu: 250m
              memory: 64Mi
            limits:
              cpu: "1"
              memory: 128Mi
          readinessProbe:
            httpGet:
              path: /
              port: http
            periodSeconds: 5
          volumeMounts:
            - name: cache
              mountPath: /cache
      volumes:
        - name: cache
          emptyDir:
            sizeLimit: 100Mi
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
      nodePort: 30080
      protocol: TCP
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  volumeMode: Filesystem
  resources:
    requests:
      storage: 1Gi
"""


def _problems(text: str) -> list[tuple[int, str]]:
    _, problems = validate_manifest_text(text, ["1.37"])
    return [(p.line, p.message) for p in problems]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_base_manifest_is_valid():
    assert _problems(VALID) == []


# (replace this, with this, the line holding this text, the message starts with)
RULES = [
    # duplicate keys
    (
        "        - name: web\n          image:",
        "        - name: web\n          name: api\n          image:",
        "name: api",
        "spec.template.spec.containers[0]: duplicate key 'name'",
    ),
    (
        "  name: data\nspec:",
        "  name: data\n  name: data2\nspec:",
        "name: data2",
        "metadata: duplicate key 'name'",
    ),
    # quantities
    (
        "cpu: 250m",
        "cpu: lots",
        "cpu: lots",
        "spec.template.spec.containers[0].resources.requests.cpu: 'lots' is not a quantity",
    ),
    (
        "memory: 128Mi",
        "memory: 128MB",
        "memory: 128MB",
        "spec.template.spec.containers[0].resources.limits.memory: '128MB' is not a quantity",
    ),
    (
        "storage: 1Gi",
        "storage: one gig",
        "storage: one gig",
        "spec.resources.requests.storage: 'one gig' is not a quantity",
    ),
    (
        "sizeLimit: 100Mi",
        "sizeLimit: -1Mi",
        "sizeLimit: -1Mi",
        "spec.template.spec.volumes[0].emptyDir.sizeLimit: '-1Mi' must be greater than or equal to 0",
    ),
    (
        "cpu: 250m",
        "cpu: 1500m",
        "cpu: 1500m",
        "spec.template.spec.containers[0].resources.requests.cpu: '1500m' must be less than or equal to the cpu limit '1'",
    ),
    # enums
    (
        "imagePullPolicy: IfNotPresent",
        "imagePullPolicy: Sometimes",
        "imagePullPolicy: Sometimes",
        "spec.template.spec.containers[0].imagePullPolicy: unsupported value 'Sometimes': must be one of Always, IfNotPresent, Never",
    ),
    (
        "restartPolicy: Always",
        "restartPolicy: Sometimes",
        "restartPolicy: Sometimes",
        "spec.template.spec.restartPolicy: unsupported value 'Sometimes'",
    ),
    (
        "restartPolicy: Always",
        "restartPolicy: OnFailure",
        "restartPolicy: OnFailure",
        "spec.template.spec.restartPolicy: unsupported value 'OnFailure': a Deployment's Pods must use Always",
    ),
    (
        "  type: NodePort",
        "  type: Nodeport",
        "type: Nodeport",
        "spec.type: unsupported value 'Nodeport'",
    ),
    (
        "      protocol: TCP\n---\napiVersion: networking",
        "      protocol: HTTP\n---\napiVersion: networking",
        "protocol: HTTP",
        "spec.ports[0].protocol: unsupported value 'HTTP': must be one of TCP, UDP, SCTP",
    ),
    (
        "externalTrafficPolicy: Local",
        "externalTrafficPolicy: Nearest",
        "Nearest",
        "spec.externalTrafficPolicy: unsupported value 'Nearest'",
    ),
    (
        "pathType: Prefix",
        "pathType: PathPrefix",
        "pathType: PathPrefix",
        "spec.rules[0].http.paths[0].pathType: unsupported value 'PathPrefix'",
    ),
    (
        "accessModes: [ReadWriteOnce]",
        "accessModes: [ReadWriteOne]",
        "ReadWriteOne",
        "spec.accessModes[0]: unsupported value 'ReadWriteOne'",
    ),
    (
        "volumeMode: Filesystem",
        "volumeMode: Files",
        "volumeMode: Files",
        "spec.volumeMode: unsupported value 'Files'",
    ),
    (
        "    type: RollingUpdate",
        "    type: Rolling",
        "type: Rolling",
        "spec.strategy.type: unsupported value 'Rolling'",
    ),
    # numeric ranges
    (
        "containerPort: 8080",
        "containerPort: 80800",
        "containerPort: 80800",
        "spec.template.spec.containers[0].ports[0].containerPort: 80800 is out of range: must be between 1 and 65535",
    ),
    (
        "              protocol: TCP\n          resources",
        "              protocol: TCP\n              hostPort: 70000\n          resources",
        "hostPort: 70000",
        "spec.template.spec.containers[0].ports[0].hostPort: 70000 is out of range",
    ),
    (
        "nodePort: 30080",
        "nodePort: 8080",
        "nodePort: 8080",
        "spec.ports[0].nodePort: 8080 is out of range: must be between 30000 and 32767",
    ),
    (
        "replicas: 2",
        "replicas: -1",
        "replicas: -1",
        "spec.replicas: -1 is out of range: must be at least 0",
    ),
    (
        "periodSeconds: 5",
        "periodSeconds: 0",
        "periodSeconds: 0",
        "spec.template.spec.containers[0].readinessProbe.periodSeconds: 0 is out of range: must be at least 1",
    ),
    # names
    (
        "metadata:\n  name: web\n  labels",
        "metadata:\n  name: Web\n  labels",
        "name: Web",
        "metadata.name: 'Web' is not a valid DNS-1123 subdomain",
    ),
    (
        "kind: Service\nmetadata:\n  name: web",
        "kind: Service\nmetadata:\n  name: 1web",
        "name: 1web",
        "metadata.name: '1web' is not a valid DNS-1035 label",
    ),
    (
        "        - name: web\n          image",
        "        - name: web_server\n          image",
        "web_server",
        "spec.template.spec.containers[0].name: 'web_server' is not a valid DNS-1123 label",
    ),
    (
        "              protocol: TCP\n          resources",
        "              protocol: TCP\n            - name: metrics-port-for-web\n              containerPort: 9090\n          resources",
        "metrics-port-for-web",
        "spec.template.spec.containers[0].ports[1].name: 'metrics-port-for-web' is not a valid port name",
    ),
    (
        "    app.kubernetes.io/name: web",
        "    app.kubernetes.io/name: -web",
        "/name: -web",
        "metadata.labels.app.kubernetes.io/name: label value '-web'",
    ),
    (
        "    app.kubernetes.io/name: web",
        "    app.kubernetes.io/my name: web",
        "my name",
        "metadata.labels.app.kubernetes.io/my name: label key 'app.kubernetes.io/my name'",
    ),
    # consistency inside one manifest
    (
        "      app: web\n  strategy",
        "      app: api\n  strategy",
        "  selector:",
        "spec.selector: selector does not match template labels {app: web}",
    ),
    (
        "      targetPort: http",
        "      targetPort: web-http",
        "targetPort: web-http",
        "spec.ports[0].targetPort: no container of the Pods this Service selects has a port named 'web-http'",
    ),
    (
        "                  number: 80",
        "                  number: 8080",
        "number: 8080",
        "spec.rules[0].http.paths[0].backend.service.port.number: Service 'web' in this manifest has no port 8080",
    ),
    (
        "          imagePullPolicy: IfNotPresent\n",
        "          imagePullPolicy: IfNotPresent\n        - image: busybox\n          name: web  # again\n",
        "# again",
        "spec.template.spec.containers[1].name: duplicate container name 'web'",
    ),
    (
        "            - name: cache\n              mountPath",
        "            - name: cache-dir\n              mountPath",
        "cache-dir",
        "spec.template.spec.containers[0].volumeMounts[0].name: volume 'cache-dir' is not declared in the Pod's volumes",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "message"), RULES)
def test_each_rule_reports_its_exact_line(old, new, needle, message):
    assert VALID.count(old) == 1, old
    text = VALID.replace(old, new)
    problems = _problems(text)
    expected_line = _line_of(text, needle)
    assert len(problems) == 1, problems
    line, got = problems[0]
    assert (line, got[: len(message)]) == (expected_line, message)


def test_the_issue_examples_are_all_rejected():
    text = (
        VALID.replace("cpu: 250m", "cpu: lots")
        .replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes")
        .replace(
            "        - name: web\n          image:",
            "        - name: web\n          name: web\n          image:",
        )
    )
    messages = [message for _, message in _problems(text)]
    assert any("duplicate key 'name'" in m for m in messages)
    assert any("'lots' is not a quantity" in m for m in messages)
    assert any("'Sometimes'" in m for m in messages)


def test_an_http_route_backend_must_name_a_port_its_service_has():
    route = """\
apiVersion: v1
kind: Service
metadata:
  name: cart
spec:
  selector: {app: cart}
  ports:
    - port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: cart
spec:
  parentRefs:
    - name: shop
  rules:
    - matches:
        - path: {type: PathPrefix, value: /cart}
      backendRefs:
        - name: cart
          port: 8080
"""
    assert _problems(route) == []
    wrong = route.replace("          port: 8080", "          port: 80")
    assert _problems(wrong) == [
        (22, "spec.rules[0].backendRefs[0].port: Service 'cart' in this manifest has no port 80")
    ]
    relative = route.replace("value: /cart", "value: cart")
    assert _problems(relative)[0][0] == 19
    assert "must be an absolute path" in _problems(relative)[0][1]
    no_port = route.replace("          port: 8080\n", "")
    assert _problems(no_port) == [
        (21, "spec.rules[0].backendRefs[0]: Must have port for Service reference")
    ]


def test_a_backend_service_outside_the_manifest_is_not_checked():
    text = VALID.replace(
        "                name: web\n", "                name: elsewhere\n"
    ).replace("number: 80", "number: 9999")
    assert _problems(text) == []


def test_statefulset_claim_templates_count_as_volumes():
    text = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:17
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
"""
    assert _problems(text) == []
    assert _problems(text.replace("- name: data\n", "- name: logs\n"))[0][0] == 17


@pytest.mark.parametrize(
    "value", ["1", "0.5", "500m", "128Mi", "1G", "1e3", "+2", ".5", "1.", "2Ki"]
)
def test_quantity_grammar_accepts(value):
    assert QUANTITY.match(value)


@pytest.mark.parametrize("value", ["lots", "128MB", "1 Gi", "Gi", "1.2.3", "1e", "0x10", ""])
def test_quantity_grammar_rejects(value):
    assert not QUANTITY.match(value)


def test_selector_expressions():
    labels = {"app": "web", "tier": "front"}
    assert selector_matches(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}, labels
    )
    assert not selector_matches(
        {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, labels
    )
    assert selector_matches({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, labels)
    assert not selector_matches(
        {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, labels
    )


def test_check_objects_skips_what_is_not_an_object():
    assert check_objects([None, "text", 3]) == []


def test_a_learner_answer_gets_the_same_checks_and_messages():
    question = QuestionSpec(
        id="y", type="yaml", prompt="P", explanation="E", k8s_version="1.37",
        checks=(CheckSpec("kind == 'Deployment'", "Write a Deployment."),),
    )  # fmt: skip
    answer = VALID.split("---")[0].replace("cpu: 250m", "cpu: lots")
    result = grade_yaml(question, answer)
    assert not result.is_correct
    line = _line_of(answer, "cpu: lots")
    assert result.feedback == (
        f"line {line}: spec.template.spec.containers[0].resources.requests.cpu: 'lots' is not a "
        "quantity: write a number with an optional suffix, like 500m, 0.5, 128Mi or 1G",
    )
    duplicate = VALID.split("---")[0].replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n")
    feedback = grade_yaml(question, duplicate).feedback
    assert feedback == ("line 9: spec: duplicate key 'replicas'",)


HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: worker
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  minReplicas: 0
  maxReplicas: 5
  metrics:
    - type: {metric_type}
"""
EXTERNAL = """External
      external:
        metric: {name: queue_messages_ready}
        target: {type: AverageValue, averageValue: "30"}"""
CPU = """Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}"""


def test_hpa_scale_to_zero_follows_the_feature_gate_per_version():
    external = HPA.replace("{metric_type}", EXTERNAL)
    assert validate_manifest_text(external, ["1.37"])[1] == []
    problems = validate_manifest_text(external, ["1.35", "1.36", "1.37"])[1]
    assert [(p.line, p.message) for p in problems] == [
        (7, "spec.minReplicas: 0 needs the HPAScaleToZero feature gate, off by default before "
            "1.37 (1.35, 1.36)")
    ]  # fmt: skip
    cpu_only = validate_manifest_text(HPA.replace("{metric_type}", CPU), ["1.37"])[1]
    assert [(p.line, p.message) for p in cpu_only] == [
        (
            7,
            "spec.minReplicas: must be at least 1 (0 needs an Object or External metric to wake it)",
        )
    ]

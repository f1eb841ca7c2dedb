"""Checks the API server makes that the JSON schema does not: pure functions over parsed objects.

The strict schema says which fields exist and their JSON types; the API server's validation also
rejects a `cpu: lots`, an `imagePullPolicy: Sometimes`, a port 70000, a name with capitals, a
Deployment whose selector misses its template's labels. `check_objects` finds those in the
objects of one manifest, each as (object index, field path, message); the caller turns the path
into a line. Every rule is listed in content/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

# Bump when a rule is added or changed: snippets validated under older rules are checked again.
RULES_VERSION = "2"

Problem = tuple[int, list, str]

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
IANA_SVC_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
_SUFFIX = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}

WORKLOADS_WITH_TEMPLATE = {
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "ReplicationController",
}
NAMESPACED_LABEL_NAMES = {"Service": DNS1035_LABEL, "Namespace": DNS1123_LABEL}

ENUMS: dict[str, tuple[str, ...]] = {
    "imagePullPolicy": ("Always", "IfNotPresent", "Never"),
    "podRestartPolicy": ("Always", "OnFailure", "Never"),
    "jobRestartPolicy": ("OnFailure", "Never"),
    "containerRestartPolicy": ("Always",),
    "protocol": ("TCP", "UDP", "SCTP"),
    "serviceType": ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    "trafficPolicy": ("Cluster", "Local"),
    "sessionAffinity": ("ClientIP", "None"),
    "ipFamilyPolicy": ("SingleStack", "PreferDualStack", "RequireDualStack"),
    "ipFamily": ("IPv4", "IPv6"),
    "pathType": ("Exact", "Prefix", "ImplementationSpecific"),
    "accessMode": ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"),
    "volumeMode": ("Filesystem", "Block"),
    "reclaimPolicy": ("Retain", "Delete", "Recycle"),
    "storageClassReclaimPolicy": ("Retain", "Delete"),
    "volumeBindingMode": ("Immediate", "WaitForFirstConsumer"),
    "deploymentStrategy": ("RollingUpdate", "Recreate"),
    "setUpdateStrategy": ("RollingUpdate", "OnDelete"),
    "podManagementPolicy": ("OrderedReady", "Parallel"),
    "dnsPolicy": ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
    "hostPathType": (
        "",
        "DirectoryOrCreate",
        "Directory",
        "FileOrCreate",
        "File",
        "Socket",
        "CharDevice",
        "BlockDevice",
    ),
    "policyType": ("Ingress", "Egress"),
    "tolerationOperator": ("Exists", "Equal"),
    "taintEffect": ("NoSchedule", "PreferNoSchedule", "NoExecute"),
    "selectorOperator": ("In", "NotIn", "Exists", "DoesNotExist"),
    "nodeSelectorOperator": ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"),
    "terminationMessagePolicy": ("File", "FallbackToLogsOnError"),
    "concurrencyPolicy": ("Allow", "Forbid", "Replace"),
    "metricType": ("Object", "Pods", "Resource", "ContainerResource", "External"),
    "metricTargetType": ("Utilization", "Value", "AverageValue"),
    "scalingPolicySelect": ("Max", "Min", "Disabled"),
    "scalingPolicyType": ("Pods", "Percent"),
    "emptyDirMedium": ("", "Memory", "HugePages"),
}


def _ok(value: Any) -> bool:
    return value is not None


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


class _Checker:
    """Collects the problems of the objects of one manifest."""

    def __init__(self, versions: tuple[str, ...] = ()) -> None:
        self.problems: list[Problem] = []
        self.index = 0
        self.versions = versions  # the Kubernetes versions checked, for version-bound rules

    def add(self, path: list, message: str) -> None:
        self.problems.append((self.index, path, message))

    def enum(self, data: dict, key: str, path: list, allowed: str) -> None:
        value = data.get(key)
        if value is None or not isinstance(value, str | int | float | bool):
            return
        choices = ENUMS[allowed]
        if value not in choices:
            listed = ", ".join(repr(c) if c == "" else c for c in choices)
            self.add([*path, key], f"unsupported value {value!r}: must be one of {listed}")

    def integer_range(self, data: dict, key: str, path: list, low: int, high: int | None) -> None:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            return
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.add([*path, key], f"{value} is out of range: must be {bounds}")

    def name(self, value: Any, path: list, pattern: re.Pattern, what: str, limit: int) -> None:
        if not isinstance(value, str) or not value:
            return
        if len(value) > limit:
            self.add(path, f"{value!r} is too long: {what}s have at most {limit} characters")
        elif not pattern.match(value):
            self.add(path, f"{value!r} is not a valid {what}: {_NAME_RULES[what]}")

    def qualified_key(self, key: Any, path: list, what: str) -> None:
        if not isinstance(key, str):
            self.add(path, f"{what} key {key!r} must be text")
            return
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
            self.add(
                path,
                f"{what} key {key!r}: the prefix must be a DNS subdomain "
                "(lowercase letters, digits, '-' and '.')",
            )
        elif len(name) > 63 or not QUALIFIED_NAME.match(name):
            self.add(
                path,
                f"{what} key {key!r}: the name must be 63 characters or less, "
                "begin and end with a letter or digit, with '-', '_', '.' between",
            )

    def labels(self, labels: Any, path: list, what: str = "label") -> None:
        for key, value in _mapping(labels).items():
            self.qualified_key(key, [*path, key], what)
            if what == "annotation":
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                continue  # the schema reports a value that is not text
            text = str(value)
            if len(text) > 63 or not LABEL_VALUE.match(text):
                self.add(
                    [*path, key],
                    f"{what} value {text!r}: must be 63 characters or "
                    "less, empty or beginning and ending with a letter or "
                    "digit, with '-', '_', '.' between",
                )

    def quantity(self, value: Any, path: list) -> Decimal | None:
        """Report a value that is not a Kubernetes quantity; return its amount when it is."""
        if isinstance(value, bool) or value is None:
            if isinstance(value, bool):
                self.add(path, f"{value!r} is not a quantity (like 500m, 128Mi or 2)")
            return None
        if isinstance(value, int | float):
            amount = Decimal(str(value))
        else:
            match = QUANTITY.match(str(value))
            if not match:
                self.add(
                    path,
                    f"{str(value)!r} is not a quantity: write a number with an "
                    "optional suffix, like 500m, 0.5, 128Mi or 1G",
                )
                return None
            amount = _amount(match)
            if amount is None:
                self.add(path, f"{str(value)!r} is not a quantity")
                return None
        if amount < 0:
            self.add(path, f"{value!r} must be greater than or equal to 0")
            return None
        return amount

    def resources(self, resources: Any, path: list) -> None:
        requests = _mapping(_mapping(resources).get("requests"))
        limits = _mapping(_mapping(resources).get("limits"))
        amounts: dict[tuple[str, str], Decimal] = {}
        for part, values in (("requests", requests), ("limits", limits)):
            for name, value in values.items():
                amount = self.quantity(value, [*path, part, name])
                if amount is not None:
                    amounts[(part, name)] = amount
        for (part, name), request in amounts.items():
            limit = amounts.get(("limits", name))
            if part == "requests" and limit is not None and request > limit:
                self.add(
                    [*path, "requests", name],
                    f"{requests[name]!r} must be less than or equal to the {name} limit "
                    f"{limits[name]!r}",
                )


_NAME_RULES = {
    "DNS-1123 subdomain": "lowercase letters, digits, '-' and '.', starting and ending with a "
    "letter or digit",
    "DNS-1123 label": "lowercase letters, digits and '-', starting and ending with a letter or "
    "digit",
    "DNS-1035 label": "lowercase letters, digits and '-', starting with a letter and ending with "
    "a letter or digit",
    "port name": "at most 15 lowercase letters, digits and '-', with at least one letter, "
    "no '--', not starting or ending with '-'",
}


def _amount(match: re.Match) -> Decimal | None:
    try:
        number = Decimal(match["number"])
    except InvalidOperation:
        return None
    suffix = match["suffix"] or ""
    if suffix[:1] in ("e", "E"):
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * _SUFFIX[suffix]


def pod_specs(document: dict) -> Iterator[tuple[list, dict, dict]]:
    """Yield (path, pod spec, pod labels) of the Pods an object makes or is."""
    kind = document.get("kind")
    spec = _mapping(document.get("spec"))
    if kind == "Pod":
        labels = _mapping(_mapping(document.get("metadata")).get("labels"))
        yield ["spec"], spec, labels
    elif kind in WORKLOADS_WITH_TEMPLATE:
        template = _mapping(spec.get("template"))
        labels = _mapping(_mapping(template.get("metadata")).get("labels"))
        yield ["spec", "template", "spec"], _mapping(template.get("spec")), labels
    elif kind == "CronJob":
        job = _mapping(_mapping(spec.get("jobTemplate")).get("spec"))
        template = _mapping(job.get("template"))
        labels = _mapping(_mapping(template.get("metadata")).get("labels"))
        path = ["spec", "jobTemplate", "spec", "template", "spec"]
        yield path, _mapping(template.get("spec")), labels
    elif kind == "PodTemplate":
        template = _mapping(document.get("template"))
        labels = _mapping(_mapping(template.get("metadata")).get("labels"))
        yield ["template", "spec"], _mapping(template.get("spec")), labels


def selector_matches(selector: Any, labels: dict) -> bool:
    """Return whether a label selector ({matchLabels, matchExpressions}) selects the labels."""
    selector = _mapping(selector)
    for key, value in _mapping(selector.get("matchLabels")).items():
        if key not in labels or str(labels[key]) != str(value):
            return False
    for expression in _list(selector.get("matchExpressions")):
        expression = _mapping(expression)
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(v) for v in _list(expression.get("values"))]
        present = key in labels
        if operator == "In" and not (present and str(labels[key]) in values):
            return False
        if operator == "NotIn" and present and str(labels[key]) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def check_objects(documents: list[Any], versions: tuple[str, ...] = ()) -> list[Problem]:
    """Return every problem the API server would report beyond the schema, per object (for the
    Kubernetes `versions` checked, where a rule depends on the version)."""
    checker = _Checker(tuple(versions))
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            continue
        checker.index = index
        _check_metadata(checker, document)
        for path, spec, _labels in pod_specs(document):
            _check_pod_spec(checker, document, spec, path)
        handler = _KIND_CHECKS.get(str(document.get("kind")))
        if handler:
            handler(checker, document, _mapping(document.get("spec")))
    _check_references(checker, documents)
    return checker.problems


def _check_metadata(checker: _Checker, document: dict) -> None:
    metadata = _mapping(document.get("metadata"))
    kind = str(document.get("kind"))
    pattern = NAMESPACED_LABEL_NAMES.get(kind)
    if "name" in metadata:
        if pattern is DNS1035_LABEL:
            checker.name(metadata["name"], ["metadata", "name"], pattern, "DNS-1035 label", 63)
        elif pattern is DNS1123_LABEL:
            checker.name(metadata["name"], ["metadata", "name"], pattern, "DNS-1123 label", 63)
        else:
            checker.name(
                metadata["name"], ["metadata", "name"], DNS1123_SUBDOMAIN, "DNS-1123 subdomain", 253
            )
    if "namespace" in metadata:
        checker.name(
            metadata["namespace"], ["metadata", "namespace"], DNS1123_LABEL, "DNS-1123 label", 63
        )
    checker.labels(metadata.get("labels"), ["metadata", "labels"])
    checker.labels(metadata.get("annotations"), ["metadata", "annotations"], "annotation")
    if kind in WORKLOADS_WITH_TEMPLATE or kind == "CronJob":
        spec = _mapping(document.get("spec"))
        if kind == "CronJob":
            base = ["spec", "jobTemplate", "spec"]
            spec = _mapping(_mapping(spec.get("jobTemplate")).get("spec"))
        else:
            base = ["spec"]
        template_meta = _mapping(_mapping(spec.get("template")).get("metadata"))
        checker.labels(template_meta.get("labels"), [*base, "template", "metadata", "labels"])
        checker.labels(
            template_meta.get("annotations"),
            [*base, "template", "metadata", "annotations"],
            "annotation",
        )
        selector = spec.get("selector")
        if isinstance(selector, dict):
            _check_label_selector(checker, selector, [*base, "selector"])


def _check_label_selector(checker: _Checker, selector: dict, path: list) -> None:
    checker.labels(selector.get("matchLabels"), [*path, "matchLabels"])
    for i, expression in enumerate(_list(selector.get("matchExpressions"))):
        expression = _mapping(expression)
        where = [*path, "matchExpressions", i]
        checker.enum(expression, "operator", where, "selectorOperator")
        operator, values = expression.get("operator"), _list(expression.get("values"))
        if operator in ("In", "NotIn") and not values:
            checker.add([*where, "values"], f"must be specified when operator is {operator}")
        if operator in ("Exists", "DoesNotExist") and values:
            checker.add([*where, "values"], f"may not be specified when operator is {operator}")


def _containers(spec: dict) -> Iterator[tuple[str, int, dict]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for i, container in enumerate(_list(spec.get(field))):
            if isinstance(container, dict):
                yield field, i, container


def _check_pod_spec(checker: _Checker, document: dict, spec: dict, path: list) -> None:
    kind = document.get("kind")
    restart_enum = "jobRestartPolicy" if kind in ("Job", "CronJob") else "podRestartPolicy"
    checker.enum(spec, "restartPolicy", path, restart_enum)
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"):
        policy = spec.get("restartPolicy")
        if isinstance(policy, str) and policy != "Always" and policy in ENUMS["podRestartPolicy"]:
            checker.add(
                [*path, "restartPolicy"],
                f"unsupported value {policy!r}: a {kind}'s Pods must use Always",
            )
    checker.enum(spec, "dnsPolicy", path, "dnsPolicy")
    checker.integer_range(spec, "terminationGracePeriodSeconds", path, 0, None)
    checker.labels(spec.get("nodeSelector"), [*path, "nodeSelector"])
    for i, toleration in enumerate(_list(spec.get("tolerations"))):
        toleration = _mapping(toleration)
        where = [*path, "tolerations", i]
        checker.enum(toleration, "operator", where, "tolerationOperator")
        if toleration.get("effect") not in (None, ""):
            checker.enum(toleration, "effect", where, "taintEffect")
        if toleration.get("operator") == "Exists" and toleration.get("value") not in (None, ""):
            checker.add([*where, "value"], "must be empty when operator is Exists")
    if isinstance(spec.get("resources"), dict):
        checker.resources(spec["resources"], [*path, "resources"])
    for name in _mapping(spec.get("overhead")):
        checker.quantity(spec["overhead"][name], [*path, "overhead", name])

    volumes: dict[str, int] = {}
    if kind == "StatefulSet":  # each claim template is a volume of the Pods
        for claim in _list(_mapping(document.get("spec")).get("volumeClaimTemplates")):
            claim_name = _mapping(_mapping(claim).get("metadata")).get("name")
            if isinstance(claim_name, str):
                volumes[claim_name] = -1
    for i, volume in enumerate(_list(spec.get("volumes"))):
        volume = _mapping(volume)
        where = [*path, "volumes", i]
        name = volume.get("name")
        checker.name(name, [*where, "name"], DNS1123_LABEL, "DNS-1123 label", 63)
        if isinstance(name, str):
            if name in volumes:
                checker.add([*where, "name"], f"duplicate volume name {name!r}")
            volumes[name] = i
        empty_dir = _mapping(volume.get("emptyDir"))
        checker.enum(empty_dir, "medium", [*where, "emptyDir"], "emptyDirMedium")
        if "sizeLimit" in empty_dir:
            checker.quantity(empty_dir["sizeLimit"], [*where, "emptyDir", "sizeLimit"])
        host_path = _mapping(volume.get("hostPath"))
        checker.enum(host_path, "type", [*where, "hostPath"], "hostPathType")

    names: dict[str, list] = {}
    for field, i, container in _containers(spec):
        where = [*path, field, i]
        name = container.get("name")
        checker.name(name, [*where, "name"], DNS1123_LABEL, "DNS-1123 label", 63)
        if isinstance(name, str):
            if name in names:
                checker.add(
                    [*where, "name"],
                    f"duplicate container name {name!r}: container "
                    "names must be unique within a Pod",
                )
            names[name] = where
        checker.enum(container, "imagePullPolicy", where, "imagePullPolicy")
        checker.enum(container, "terminationMessagePolicy", where, "terminationMessagePolicy")
        if field == "initContainers":
            checker.enum(container, "restartPolicy", where, "containerRestartPolicy")
        elif container.get("restartPolicy") is not None:
            checker.add(
                [*where, "restartPolicy"], "only init containers (sidecars) may set a restartPolicy"
            )
        if isinstance(container.get("resources"), dict):
            checker.resources(container["resources"], [*where, "resources"])
        port_names: set[str] = set()
        for j, port in enumerate(_list(container.get("ports"))):
            port = _mapping(port)
            at = [*where, "ports", j]
            checker.integer_range(port, "containerPort", at, 1, 65535)
            checker.integer_range(port, "hostPort", at, 1, 65535)
            checker.enum(port, "protocol", at, "protocol")
            port_name = port.get("name")
            if isinstance(port_name, str) and port_name:
                _check_port_name(checker, port_name, [*at, "name"])
                if port_name in port_names:
                    checker.add([*at, "name"], f"duplicate port name {port_name!r}")
                port_names.add(port_name)
        for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
            probe = container.get(probe_name)
            if isinstance(probe, dict):
                _check_probe(checker, probe, [*where, probe_name], probe_name)
        for j, mount in enumerate(_list(container.get("volumeMounts"))):
            mount_name = _mapping(mount).get("name")
            if isinstance(mount_name, str) and mount_name not in volumes:
                checker.add(
                    [*where, "volumeMounts", j, "name"],
                    f"volume {mount_name!r} is not declared in the Pod's volumes",
                )
        for j, device in enumerate(_list(container.get("volumeDevices"))):
            device_name = _mapping(device).get("name")
            if isinstance(device_name, str) and device_name not in volumes:
                checker.add(
                    [*where, "volumeDevices", j, "name"],
                    f"volume {device_name!r} is not declared in the Pod's volumes",
                )


def _check_port_name(checker: _Checker, name: str, path: list) -> None:
    if (
        len(name) > 15
        or not IANA_SVC_NAME.match(name)
        or "--" in name
        or not re.search(r"[a-z]", name)
    ):
        checker.add(path, f"{name!r} is not a valid port name: {_NAME_RULES['port name']}")


def _check_probe(checker: _Checker, probe: dict, path: list, which: str) -> None:
    checker.integer_range(probe, "initialDelaySeconds", path, 0, None)
    for key in ("periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold"):
        checker.integer_range(probe, key, path, 1, None)
    success = probe.get("successThreshold")
    if which != "readinessProbe" and isinstance(success, int) and success > 1:
        checker.add([*path, "successThreshold"], f"must be 1 for a {which}")
    for handler in ("httpGet", "tcpSocket", "grpc"):
        action = _mapping(probe.get(handler))
        port = action.get("port")
        if isinstance(port, int) and not isinstance(port, bool):
            checker.integer_range(action, "port", [*path, handler], 1, 65535)
        elif isinstance(port, str):
            _check_port_name(checker, port, [*path, handler, "port"])


def _check_workload(checker: _Checker, document: dict, spec: dict) -> None:
    kind = document["kind"]
    checker.integer_range(spec, "replicas", ["spec"], 0, None)
    checker.integer_range(spec, "minReadySeconds", ["spec"], 0, None)
    checker.integer_range(spec, "revisionHistoryLimit", ["spec"], 0, None)
    strategy_key = "strategy" if kind == "Deployment" else "updateStrategy"
    enum = "deploymentStrategy" if kind == "Deployment" else "setUpdateStrategy"
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        checker.enum(_mapping(spec.get(strategy_key)), "type", ["spec", strategy_key], enum)
    if kind == "StatefulSet":
        checker.enum(spec, "podManagementPolicy", ["spec"], "podManagementPolicy")
        for i, claim in enumerate(_list(spec.get("volumeClaimTemplates"))):
            claim = _mapping(claim)
            where = ["spec", "volumeClaimTemplates", i]
            meta = _mapping(claim.get("metadata"))
            checker.name(
                meta.get("name"),
                [*where, "metadata", "name"],
                DNS1123_SUBDOMAIN,
                "DNS-1123 subdomain",
                253,
            )
            _check_claim_spec(checker, _mapping(claim.get("spec")), [*where, "spec"])
    template = _mapping(spec.get("template"))
    labels = _mapping(_mapping(template.get("metadata")).get("labels"))
    selector = spec.get("selector")
    if kind == "Job" and not spec.get("manualSelector"):
        return  # the Job controller writes its own selector
    if kind == "ReplicationController":
        if isinstance(selector, dict) and not all(
            k in labels and str(labels[k]) == str(v) for k, v in selector.items()
        ):
            checker.add(["spec", "selector"], "selector does not match template labels")
        return
    if isinstance(selector, dict) and (
        selector.get("matchLabels") or selector.get("matchExpressions")
    ):
        if not selector_matches(selector, labels):
            checker.add(
                ["spec", "selector"],
                f"selector does not match template labels {_labels_text(labels)}",
            )
    elif isinstance(selector, dict):
        checker.add(["spec", "selector"], "empty selector is invalid for a workload")


def _labels_text(labels: dict) -> str:
    if not labels:
        return "(the template has none)"
    return "{" + ", ".join(f"{k}: {v}" for k, v in labels.items()) + "}"


def _check_cronjob(checker: _Checker, document: dict, spec: dict) -> None:
    checker.enum(spec, "concurrencyPolicy", ["spec"], "concurrencyPolicy")
    job = _mapping(_mapping(spec.get("jobTemplate")).get("spec"))
    for key in ("parallelism", "completions", "backoffLimit"):
        checker.integer_range(job, key, ["spec", "jobTemplate", "spec"], 0, None)


def _check_job(checker: _Checker, document: dict, spec: dict) -> None:
    for key in ("parallelism", "completions", "backoffLimit"):
        checker.integer_range(spec, key, ["spec"], 0, None)
    _check_workload(checker, document, spec)


def _check_service(checker: _Checker, document: dict, spec: dict) -> None:
    checker.enum(spec, "type", ["spec"], "serviceType")
    checker.enum(spec, "externalTrafficPolicy", ["spec"], "trafficPolicy")
    checker.enum(spec, "internalTrafficPolicy", ["spec"], "trafficPolicy")
    checker.enum(spec, "sessionAffinity", ["spec"], "sessionAffinity")
    checker.enum(spec, "ipFamilyPolicy", ["spec"], "ipFamilyPolicy")
    for i, family in enumerate(_list(spec.get("ipFamilies"))):
        if family not in ENUMS["ipFamily"]:
            checker.add(
                ["spec", "ipFamilies", i],
                f"unsupported value {family!r}: must be one of IPv4, IPv6",
            )
    checker.labels(spec.get("selector"), ["spec", "selector"])
    service_type = spec.get("type", "ClusterIP")
    known_type = service_type in ENUMS["serviceType"]  # an unknown type is reported once
    if (
        known_type
        and spec.get("externalTrafficPolicy") == "Local"
        and service_type
        not in (
            "NodePort",
            "LoadBalancer",
        )
    ):
        checker.add(
            ["spec", "externalTrafficPolicy"],
            "may only be Local for a NodePort or LoadBalancer Service",
        )
    ports = _list(spec.get("ports"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        port = _mapping(port)
        where = ["spec", "ports", i]
        checker.integer_range(port, "port", where, 1, 65535)
        checker.enum(port, "protocol", where, "protocol")
        target = port.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool):
            checker.integer_range(port, "targetPort", where, 1, 65535)
        elif isinstance(target, str):
            _check_port_name(checker, target, [*where, "targetPort"])
        if "nodePort" in port:
            checker.integer_range(port, "nodePort", where, 30000, 32767)
            if (
                known_type
                and service_type not in ("NodePort", "LoadBalancer")
                and port.get("nodePort")
            ):
                checker.add(
                    [*where, "nodePort"], f"may not be used when the Service type is {service_type}"
                )
        name = port.get("name")
        if len(ports) > 1 and not name:
            checker.add(where, "a name is required when a Service has more than one port")
        if isinstance(name, str) and name:
            checker.name(name, [*where, "name"], DNS1123_LABEL, "DNS-1123 label", 63)
            if name in names:
                checker.add([*where, "name"], f"duplicate port name {name!r}")
            names.add(name)


def _check_claim_spec(checker: _Checker, spec: dict, path: list) -> None:
    for i, mode in enumerate(_list(spec.get("accessModes"))):
        if mode not in ENUMS["accessMode"]:
            checker.add(
                [*path, "accessModes", i],
                f"unsupported value {mode!r}: must be one of {', '.join(ENUMS['accessMode'])}",
            )
    checker.enum(spec, "volumeMode", path, "volumeMode")
    resources = _mapping(spec.get("resources"))
    if resources:
        checker.resources(resources, [*path, "resources"])


def _check_pvc(checker: _Checker, document: dict, spec: dict) -> None:
    _check_claim_spec(checker, spec, ["spec"])


def _check_pv(checker: _Checker, document: dict, spec: dict) -> None:
    for name, value in _mapping(spec.get("capacity")).items():
        checker.quantity(value, ["spec", "capacity", name])
    for i, mode in enumerate(_list(spec.get("accessModes"))):
        if mode not in ENUMS["accessMode"]:
            checker.add(
                ["spec", "accessModes", i],
                f"unsupported value {mode!r}: must be one of {', '.join(ENUMS['accessMode'])}",
            )
    checker.enum(spec, "volumeMode", ["spec"], "volumeMode")
    checker.enum(spec, "persistentVolumeReclaimPolicy", ["spec"], "reclaimPolicy")
    checker.enum(_mapping(spec.get("hostPath")), "type", ["spec", "hostPath"], "hostPathType")


def _check_storage_class(checker: _Checker, document: dict, spec: dict) -> None:
    checker.enum(document, "reclaimPolicy", [], "storageClassReclaimPolicy")
    checker.enum(document, "volumeBindingMode", [], "volumeBindingMode")


def _check_ingress(checker: _Checker, document: dict, spec: dict) -> None:
    for i, rule in enumerate(_list(spec.get("rules"))):
        rule = _mapping(rule)
        for j, path in enumerate(_list(_mapping(rule.get("http")).get("paths"))):
            path = _mapping(path)
            where = ["spec", "rules", i, "http", "paths", j]
            checker.enum(path, "pathType", where, "pathType")
            value = path.get("path")
            absolute = not isinstance(value, str) or value.startswith("/")
            if path.get("pathType") in ("Exact", "Prefix") and not absolute:
                checker.add([*where, "path"], f"{value!r} must be an absolute path")
            port = _mapping(_mapping(_mapping(path.get("backend")).get("service")).get("port"))
            checker.integer_range(port, "number", [*where, "backend", "service", "port"], 1, 65535)


def _check_network_policy(checker: _Checker, document: dict, spec: dict) -> None:
    for i, _ in enumerate(_list(spec.get("policyTypes"))):
        value = spec["policyTypes"][i]
        if value not in ENUMS["policyType"]:
            checker.add(
                ["spec", "policyTypes", i],
                f"unsupported value {value!r}: must be Ingress or Egress",
            )
    selector = spec.get("podSelector")
    if isinstance(selector, dict):
        _check_label_selector(checker, selector, ["spec", "podSelector"])
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(_list(spec.get(direction))):
            rule = _mapping(rule)
            for j, port in enumerate(_list(rule.get("ports"))):
                port = _mapping(port)
                where = ["spec", direction, i, "ports", j]
                checker.enum(port, "protocol", where, "protocol")
                number = port.get("port")
                if isinstance(number, int) and not isinstance(number, bool):
                    checker.integer_range(port, "port", where, 1, 65535)
                    end = port.get("endPort")
                    if isinstance(end, int) and end < number:
                        checker.add(
                            [*where, "endPort"], f"must be greater than or equal to port {number}"
                        )
                elif isinstance(number, str):
                    _check_port_name(checker, number, [*where, "port"])
            peers = "from" if direction == "ingress" else "to"
            for j, peer in enumerate(_list(rule.get(peers))):
                peer = _mapping(peer)
                for key in ("podSelector", "namespaceSelector"):
                    if isinstance(peer.get(key), dict):
                        _check_label_selector(
                            checker, peer[key], ["spec", direction, i, peers, j, key]
                        )


# The first version whose API server accepts minReplicas: 0 without a changed feature gate
# (HPAScaleToZero: alpha, off, until 1.36; beta, on by default, from 1.37).
HPA_SCALE_TO_ZERO_DEFAULT = (1, 37)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:2])


def _check_hpa(checker: _Checker, document: dict, spec: dict) -> None:
    low = spec.get("minReplicas")
    if low == 0 and not isinstance(low, bool):
        types = {_mapping(metric).get("type") for metric in _list(spec.get("metrics"))}
        before = [v for v in checker.versions if _version_tuple(v) < HPA_SCALE_TO_ZERO_DEFAULT]
        if not types & {"Object", "External"}:
            checker.add(
                ["spec", "minReplicas"],
                "must be at least 1 (0 needs an Object or External metric to wake it)",
            )
        elif before:
            checker.add(
                ["spec", "minReplicas"],
                "0 needs the HPAScaleToZero feature gate, off by default before 1.37 "
                f"({', '.join(before)})",
            )
    else:
        checker.integer_range(spec, "minReplicas", ["spec"], 1, None)
    checker.integer_range(spec, "maxReplicas", ["spec"], 1, None)
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        checker.add(["spec", "maxReplicas"], f"must be greater than or equal to minReplicas {low}")
    for i, metric in enumerate(_list(spec.get("metrics"))):
        metric = _mapping(metric)
        where = ["spec", "metrics", i]
        checker.enum(metric, "type", where, "metricType")
        for source in ("resource", "containerResource", "pods", "object", "external"):
            target = _mapping(_mapping(metric.get(source)).get("target"))
            at = [*where, source, "target"]
            checker.enum(target, "type", at, "metricTargetType")
            for key in ("value", "averageValue"):
                if key in target:
                    checker.quantity(target[key], [*at, key])
            checker.integer_range(target, "averageUtilization", at, 1, None)
    for direction in ("scaleUp", "scaleDown"):
        rules = _mapping(_mapping(spec.get("behavior")).get(direction))
        where = ["spec", "behavior", direction]
        checker.enum(rules, "selectPolicy", where, "scalingPolicySelect")
        for i, policy in enumerate(_list(rules.get("policies"))):
            policy = _mapping(policy)
            checker.enum(policy, "type", [*where, "policies", i], "scalingPolicyType")
            checker.integer_range(policy, "value", [*where, "policies", i], 1, None)
            checker.integer_range(policy, "periodSeconds", [*where, "policies", i], 1, 1800)


def _check_limit_range(checker: _Checker, document: dict, spec: dict) -> None:
    for i, limit in enumerate(_list(spec.get("limits"))):
        limit = _mapping(limit)
        for part in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            for name, value in _mapping(limit.get(part)).items():
                checker.quantity(value, ["spec", "limits", i, part, name])


def _check_resource_quota(checker: _Checker, document: dict, spec: dict) -> None:
    for name, value in _mapping(spec.get("hard")).items():
        checker.quantity(value, ["spec", "hard", name])


def _check_gateway(checker: _Checker, document: dict, spec: dict) -> None:
    seen: set[str] = set()
    for i, listener in enumerate(_list(spec.get("listeners"))):
        listener = _mapping(listener)
        where = ["spec", "listeners", i]
        name, protocol = listener.get("name"), listener.get("protocol")
        if isinstance(name, str):
            if name in seen:
                checker.add([*where, "name"], "Listener name must be unique within the Gateway")
            seen.add(name)
        if protocol in ("HTTP", "TCP", "UDP") and "tls" in listener:
            checker.add([*where, "tls"], f"tls must not be specified for protocol {protocol}")
        tls = _mapping(listener.get("tls"))
        if protocol == "TLS" and not tls.get("mode"):
            checker.add(where, "tls mode must be set for protocol TLS")
        if protocol == "HTTPS" and tls.get("mode") == "Passthrough":
            checker.add([*where, "tls", "mode"], "tls mode must be Terminate for protocol HTTPS")
        terminate = tls.get("mode", "Terminate") == "Terminate"
        if (
            "tls" in listener
            and terminate
            and not (tls.get("certificateRefs") or tls.get("options"))
        ):
            checker.add(
                [*where, "tls"],
                "certificateRefs or options must be specified when mode is Terminate",
            )


def _check_route(checker: _Checker, document: dict, spec: dict) -> None:
    for i, rule in enumerate(_list(spec.get("rules"))):
        rule = _mapping(rule)
        for j, match in enumerate(_list(rule.get("matches"))):
            path = _mapping(_mapping(match).get("path"))
            value = path.get("value")
            absolute = not isinstance(value, str) or value.startswith("/")
            if path.get("type", "PathPrefix") in ("Exact", "PathPrefix") and not absolute:
                checker.add(
                    ["spec", "rules", i, "matches", j, "path", "value"],
                    "value must be an absolute path and start with '/' when type "
                    "is Exact or PathPrefix",
                )
        for j, ref in enumerate(_list(rule.get("backendRefs"))):
            ref = _mapping(ref)
            if (
                ref.get("group", "") == ""
                and ref.get("kind", "Service") == "Service"
                and ("port" not in ref)
            ):
                checker.add(
                    ["spec", "rules", i, "backendRefs", j], "Must have port for Service reference"
                )
        for j, item in enumerate(_list(rule.get("filters"))):
            item = _mapping(item)
            kind = item.get("type")
            field = _FILTER_FIELDS.get(kind) if isinstance(kind, str) else None
            if field and field not in item:
                checker.add(
                    ["spec", "rules", i, "filters", j],
                    f"filter.{field} must be specified for {kind} filter.type",
                )


_FILTER_FIELDS = {
    "RequestHeaderModifier": "requestHeaderModifier",
    "ResponseHeaderModifier": "responseHeaderModifier",
    "RequestMirror": "requestMirror",
    "RequestRedirect": "requestRedirect",
    "URLRewrite": "urlRewrite",
    "ExtensionRef": "extensionRef",
    "CORS": "cors",
}

_KIND_CHECKS: dict[str, Callable[[_Checker, dict, dict], None]] = {
    "Deployment": _check_workload,
    "ReplicaSet": _check_workload,
    "StatefulSet": _check_workload,
    "DaemonSet": _check_workload,
    "ReplicationController": _check_workload,
    "Job": _check_job,
    "CronJob": _check_cronjob,
    "Service": _check_service,
    "PersistentVolumeClaim": _check_pvc,
    "PersistentVolume": _check_pv,
    "StorageClass": _check_storage_class,
    "Ingress": _check_ingress,
    "NetworkPolicy": _check_network_policy,
    "HorizontalPodAutoscaler": _check_hpa,
    "LimitRange": _check_limit_range,
    "ResourceQuota": _check_resource_quota,
    "Gateway": _check_gateway,
    "HTTPRoute": _check_route,
    "GRPCRoute": _check_route,
}


# Consistency across the objects of one manifest ---------------------------------------------------


def _namespace(document: dict) -> str:
    return str(_mapping(document.get("metadata")).get("namespace") or "")


def _check_references(checker: _Checker, documents: list[Any]) -> None:
    """A Service's named targetPort exists on the Pods it selects; an Ingress or HTTPRoute
    backend names a port its Service (when in the same manifest) defines."""
    objects = [(i, d) for i, d in enumerate(documents) if isinstance(d, dict)]
    pods = [
        (_namespace(d), labels, spec)
        for _, d in objects
        for _, spec, labels in pod_specs(d)
        if labels
    ]
    services: dict[tuple[str, str], dict] = {}
    for _, document in objects:
        if document.get("kind") == "Service" and document.get("apiVersion") == "v1":
            name = _mapping(document.get("metadata")).get("name")
            if isinstance(name, str):
                services[(_namespace(document), name)] = _mapping(document.get("spec"))
    for index, document in objects:
        checker.index = index
        kind = document.get("kind")
        spec = _mapping(document.get("spec"))
        if kind == "Service":
            _check_named_target_ports(checker, document, spec, pods)
        elif kind == "Ingress":
            _check_ingress_backends(checker, document, spec, services)
        elif kind in ("HTTPRoute", "GRPCRoute"):
            _check_route_backends(checker, document, spec, services)


def _check_named_target_ports(
    checker: _Checker, document: dict, spec: dict, pods: list[tuple[str, dict, dict]]
) -> None:
    selector = _mapping(spec.get("selector"))
    if not selector:
        return
    selected = [
        pod_spec
        for namespace, labels, pod_spec in pods
        if namespace == _namespace(document)
        and all(k in labels and str(labels[k]) == str(v) for k, v in selector.items())
    ]
    if not selected:
        return
    for i, port in enumerate(_list(spec.get("ports"))):
        target = _mapping(port).get("targetPort")
        if not isinstance(target, str):
            continue
        named = any(
            _mapping(p).get("name") == target
            for pod_spec in selected
            for _, _, container in _containers(pod_spec)
            for p in _list(container.get("ports"))
        )
        if not named:
            checker.add(
                ["spec", "ports", i, "targetPort"],
                f"no container of the Pods this Service selects has a port named {target!r}",
            )


def _service_has_port(service: dict, number: Any = None, name: Any = None) -> bool:
    for port in _list(service.get("ports")):
        port = _mapping(port)
        if number is not None and port.get("port") == number:
            return True
        if name is not None and port.get("name") == name:
            return True
    return False


def _check_ingress_backends(
    checker: _Checker, document: dict, spec: dict, services: dict[tuple[str, str], dict]
) -> None:
    namespace = _namespace(document)
    backends: list[tuple[list, dict]] = []
    default = _mapping(spec.get("defaultBackend"))
    if default:
        backends.append((["spec", "defaultBackend"], default))
    for i, rule in enumerate(_list(spec.get("rules"))):
        for j, path in enumerate(_list(_mapping(_mapping(rule).get("http")).get("paths"))):
            backend = _mapping(_mapping(path).get("backend"))
            backends.append((["spec", "rules", i, "http", "paths", j, "backend"], backend))
    for where, backend in backends:
        service_ref = _mapping(backend.get("service"))
        name = service_ref.get("name")
        service = services.get((namespace, name)) if isinstance(name, str) else None
        if service is None:
            continue
        port = _mapping(service_ref.get("port"))
        number, port_name = port.get("number"), port.get("name")
        if not _service_has_port(service, number, port_name):
            shown = number if number is not None else repr(port_name)
            leaf = "number" if number is not None else "name"
            checker.add(
                [*where, "service", "port", leaf],
                f"Service {name!r} in this manifest has no port {shown}",
            )


def _check_route_backends(
    checker: _Checker, document: dict, spec: dict, services: dict[tuple[str, str], dict]
) -> None:
    for i, rule in enumerate(_list(spec.get("rules"))):
        for j, ref in enumerate(_list(_mapping(rule).get("backendRefs"))):
            ref = _mapping(ref)
            if ref.get("group", "") != "" or ref.get("kind", "Service") != "Service":
                continue
            namespace = str(ref.get("namespace") or _namespace(document))
            name = ref.get("name")
            service = services.get((namespace, name)) if isinstance(name, str) else None
            if service is None or "port" not in ref:
                continue
            if not _service_has_port(service, ref["port"]):
                checker.add(
                    ["spec", "rules", i, "backendRefs", j, "port"],
                    f"Service {name!r} in this manifest has no port {ref['port']}",
                )

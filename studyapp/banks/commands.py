"""kubectl commands compared by meaning: a small parser for grading short answers.

Two commands mean the same when they have the same verb, name the same resources and objects
(aliases such as `po`, `svc`, `deploy` resolved; `pod/web` and `pod web` alike), and set the same
flags to the same values (short and long forms, `-o wide`/`-owide`/`--output=wide`, in any order).
Pure functions; text that is not a kubectl command parses to None.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

# Resource names and their aliases (short names, singular, plural, API group suffix).
_RESOURCE_ALIASES: dict[str, tuple[str, ...]] = {
    "pods": ("po", "pod"),
    "services": ("svc", "service"),
    "deployments": ("deploy", "deployment"),
    "replicasets": ("rs", "replicaset"),
    "daemonsets": ("ds", "daemonset"),
    "statefulsets": ("sts", "statefulset"),
    "jobs": ("job",),
    "cronjobs": ("cj", "cronjob"),
    "namespaces": ("ns", "namespace"),
    "nodes": ("no", "node"),
    "endpoints": ("ep", "endpoint"),
    "endpointslices": ("endpointslice",),
    "configmaps": ("cm", "configmap"),
    "secrets": ("secret",),
    "persistentvolumeclaims": ("pvc", "persistentvolumeclaim"),
    "persistentvolumes": ("pv", "persistentvolume"),
    "storageclasses": ("sc", "storageclass"),
    "ingresses": ("ing", "ingress"),
    "ingressclasses": ("ingressclass",),
    "networkpolicies": ("netpol", "networkpolicy"),
    "horizontalpodautoscalers": ("hpa", "horizontalpodautoscaler"),
    "poddisruptionbudgets": ("pdb", "poddisruptionbudget"),
    "serviceaccounts": ("sa", "serviceaccount"),
    "events": ("ev", "event"),
    "resourcequotas": ("quota", "resourcequota"),
    "limitranges": ("limits", "limitrange"),
    "customresourcedefinitions": ("crd", "crds", "customresourcedefinition"),
    "roles": ("role",),
    "rolebindings": ("rolebinding",),
    "clusterroles": ("clusterrole",),
    "clusterrolebindings": ("clusterrolebinding",),
    "priorityclasses": ("pc", "priorityclass"),
    "volumeattachments": ("volumeattachment",),
    "volumesnapshots": ("volumesnapshot",),
    "gatewayclasses": ("gc", "gatewayclass"),
    "gateways": ("gtw", "gateway"),
    "httproutes": ("httproute",),
    "grpcroutes": ("grpcroute",),
    "referencegrants": ("refgrant", "referencegrant"),
    "verticalpodautoscalers": ("vpa", "verticalpodautoscaler"),
    "all": (),
}
RESOURCES: dict[str, str] = {
    alias: name for name, aliases in _RESOURCE_ALIASES.items() for alias in (name, *aliases)
}
_GROUP_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")

# Verbs whose first positional word is a subcommand.
_SUBCOMMAND_VERBS = {"rollout", "config", "auth", "set", "certificate"}
# Verbs whose positional words start with a resource type (or type/name).
_RESOURCE_VERBS = {
    "get", "describe", "delete", "edit", "label", "annotate", "patch", "scale", "expose",
    "autoscale", "wait", "create", "rollout", "set", "top", "taint",
}  # fmt: skip
# Verbs that act on a Pod unless told otherwise (`logs web` is `logs pod/web`).
_POD_VERBS = {"logs", "exec", "port-forward", "attach", "debug", "cp"}
# Verbs that act on a node named by its name alone.
_NODE_VERBS = {"cordon", "uncordon", "drain"}

# Flags that take a value, by long name.
_VALUE_FLAGS = {
    "namespace", "output", "selector", "filename", "container", "context", "cluster", "user",
    "kubeconfig", "field-selector", "image", "replicas", "port", "target-port", "type", "name",
    "to-revision", "revision", "sort-by", "template", "as", "as-group", "timeout",
    "grace-period", "restart", "env", "limits", "requests", "overrides", "tail", "since",
    "since-time", "cpu-percent", "min", "max", "for", "target", "image-pull-policy",
    "protocol", "external-ip", "patch", "from-literal", "from-file", "from-env-file", "key",
    "cert", "label-columns", "kustomize", "server", "subresource", "raw", "profile",
    "current-replicas", "resource-version", "chunk-size", "v", "pod-running-timeout",
    "address", "serviceaccount", "schedule", "class", "rule", "default-backend", "annotation",
    "clusterrole", "role", "verb", "resource", "copy-to", "field-manager", "cascade",
    "max-log-requests", "limit-bytes", "request-timeout", "pod-selector", "custom-columns",
    "load-balancer-ip", "session-affinity", "skip-wait-for-delete-timeout",
}  # fmt: skip
# Flags that never take a separate value (`--flag` alone, or `--flag=true|false`).
_BOOLEAN_FLAGS = {
    "all-namespaces", "watch", "watch-only", "previous", "follow", "stdin", "tty", "quiet",
    "recursive", "show-labels", "no-headers", "ignore-not-found", "now", "wait", "list",
    "overwrite", "all", "local", "record", "save-config", "server-side", "force-conflicts",
    "prune", "ignore-daemonsets", "delete-emptydir-data", "delete-local-data", "force",
    "disable-eviction", "keep-annotations", "all-containers", "show-managed-fields", "rm",
    "help", "timestamps", "insecure-skip-tls-verify", "show-kind", "allow-missing-template-keys",
    "include-uninitialized", "export", "containers", "sum", "use-protocol-buffers",
    "no-preserve",
}  # fmt: skip
# Short flags, by verb where they differ (logs -f is --follow, apply -f is --filename).
_SHORT_FLAGS = {
    "n": "namespace", "o": "output", "l": "selector", "f": "filename", "c": "container",
    "A": "all-namespaces", "w": "watch", "i": "stdin", "t": "tty", "R": "recursive",
    "L": "label-columns", "k": "kustomize", "h": "help", "v": "v", "s": "server",
    "p": "patch", "q": "quiet",
}  # fmt: skip
_SHORT_FLAGS_BY_VERB = {
    "logs": {"f": "follow", "p": "previous"},
}
# Flags whose value is a comma-separated set (order does not matter).
_SET_VALUED_FLAGS = {"selector", "field-selector", "label-columns"}


@dataclass(frozen=True)
class KubectlCommand:
    """A kubectl command reduced to its meaning."""

    verb: tuple[str, ...]
    resources: frozenset[str]
    objects: frozenset[tuple[str, str]]
    arguments: tuple[str, ...]
    settings: frozenset[str]
    flags: frozenset[tuple[str, str]]
    command: tuple[str, ...]


def resource_name(word: str) -> str | None:
    """Return the canonical name of a resource type (`po` -> `pods`), or None if unknown."""
    word = word.casefold()
    if word in RESOURCES:
        return RESOURCES[word]
    base, _, group = word.partition(".")
    if group and base in RESOURCES and _GROUP_RE.match(group):
        return RESOURCES[base]
    return None


def _resource_or_word(word: str) -> str:
    return resource_name(word) or word


def _split(text: str) -> list[str] | None:
    try:
        return shlex.split(str(text).strip())
    except ValueError:
        return None


def _flag_value(name: str, value: str) -> str:
    if name in _SET_VALUED_FLAGS:
        return ",".join(sorted(part.strip() for part in value.split(",") if part.strip()))
    if name == "output":
        return value.strip()
    return value


def _short_name(letter: str, verb: str) -> str | None:
    return _SHORT_FLAGS_BY_VERB.get(verb, {}).get(letter) or _SHORT_FLAGS.get(letter)


def _takes_value(name: str) -> bool:
    return name in _VALUE_FLAGS and name not in _BOOLEAN_FLAGS


def _read_flags(
    tokens: list[str], verb: str, *, first_word_only: bool = False
) -> tuple[list[str], dict[str, str], list[str]] | None:
    """Split tokens into positional words, flags (long name -> value) and the words after --."""
    positional: list[str] = []
    flags: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "--":
            return positional, flags, tokens[index:]
        if token.startswith("--") and len(token) > 2:
            name, has_value, value = token[2:].partition("=")
            if name in _BOOLEAN_FLAGS:
                if has_value and value.casefold() not in ("true", "false"):
                    return None
                if not has_value or value.casefold() == "true":
                    flags[name] = ""
                else:
                    flags.pop(name, None)
                continue
            if not has_value and _takes_value(name):
                if index >= len(tokens):
                    return None
                value, index = tokens[index], index + 1
            flags[name] = _flag_value(name, value)
            continue
        if token.startswith("-") and len(token) > 1 and not re.fullmatch(r"-\d+", token):
            letters = token[1:]
            position = 0
            while position < len(letters):
                letter = letters[position]
                name = _short_name(letter, verb)
                if name is None:
                    return None
                position += 1
                if _takes_value(name):
                    value = letters[position:]
                    if value.startswith("="):
                        value = value[1:]
                    if not value:
                        if index >= len(tokens):
                            return None
                        value, index = tokens[index], index + 1
                    flags[name] = _flag_value(name, value)
                    break
                flags[name] = ""
            continue
        positional.append(token)
        if first_word_only:
            break
    return positional, flags, []


def _objects(
    words: list[str],
) -> tuple[set[str], set[tuple[str, str]], list[str], set[str]]:
    """Return (types, (type, name) pairs, other words, key=value settings) of resource words."""
    types: set[str] = set()
    objects: set[tuple[str, str]] = set()
    settings: set[str] = set()
    rest: list[str] = []
    names: list[str] = []
    named_types: list[str] = []
    for position, word in enumerate(words):
        if "=" in word or ":" in word or (position > 0 and word.endswith("-") and len(word) > 1):
            settings.add(word)
        elif "/" in word:
            kind, _, name = word.partition("/")
            objects.add((_resource_or_word(kind), name))
        elif not named_types and not objects and position == 0:
            named_types = [_resource_or_word(part) for part in word.split(",") if part]
        elif named_types:
            names.append(word)
        else:
            rest.append(word)
    if named_types and names:
        objects |= {(kind, name) for kind in named_types for name in names}
    else:
        types |= set(named_types)
    return types, objects, rest, settings


def parse_kubectl(text: str) -> KubectlCommand | None:
    """Return the meaning of a kubectl command line, or None if it is not one."""
    tokens = _split(text)
    if not tokens or tokens[0] != "kubectl":
        return None
    # Global flags may come before the verb: find the first positional word.
    head = _read_flags(tokens[1:], "", first_word_only=True)
    if head is None or not head[0]:
        return None
    verb = head[0][0].casefold()
    parsed = _read_flags(tokens[1:], verb)
    if parsed is None:
        return None
    positional, flags, command = parsed
    positional = positional[1:]
    verbs: tuple[str, ...] = (verb,)
    if verb in _SUBCOMMAND_VERBS and positional:
        verbs = (verb, positional[0].casefold())
        positional = positional[1:]
    types: set[str] = set()
    objects: set[tuple[str, str]] = set()
    settings: set[str] = set()
    arguments: list[str] = []
    if verb == "explain":
        for word in positional:
            base, dot, path = word.partition(".")
            arguments.append(_resource_or_word(base) + dot + path)
    elif verb in _POD_VERBS and positional:
        first, *arguments = positional
        kind, slash, name = first.partition("/")
        objects.add((_resource_or_word(kind), name) if slash else ("pods", first))
    elif verb in _NODE_VERBS:
        objects = {("nodes", word) for word in positional}
    elif verb in _RESOURCE_VERBS:
        types, objects, arguments, settings = _objects(positional)
    elif verb == "auth":
        arguments = [_resource_or_word(word) for word in positional]
    else:
        arguments = list(positional)
    return KubectlCommand(
        verb=verbs,
        resources=frozenset(types),
        objects=frozenset(objects),
        arguments=tuple(arguments),
        settings=frozenset(settings),
        flags=frozenset(flags.items()),
        command=tuple(command),
    )


def is_kubectl_command(text: str) -> bool:
    """Return whether text parses as a kubectl command."""
    return parse_kubectl(text) is not None


def same_command(given: str, expected: str) -> bool:
    """Return whether two kubectl command lines mean the same."""
    left, right = parse_kubectl(given), parse_kubectl(expected)
    return left is not None and left == right


def matches_any_command(given: str, accepted: Iterable[str]) -> bool:
    """Return whether a kubectl command means the same as any accepted kubectl command."""
    left = parse_kubectl(given)
    return left is not None and any(parse_kubectl(answer) == left for answer in accepted)

"""Strict Kubernetes schema validation of manifests, with kubernetes-validate's schemas.

kubernetes-validate stops at the first error and reloads its schemas on every call; this module
uses the same schema files and the same lookup rules, keeps the compiled validators, and reports
every error with its field path and the line of the manifest it points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import jsonschema
import kubernetes_validate
import yaml
from django.conf import settings
from kubernetes_validate.utils import all_versions, major_minor, schema_contents
from referencing import Registry, Resource

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct(node: yaml.Node) -> object:
    """Build the Python value of a composed node (parsing the text once, not twice)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


@dataclass(frozen=True)
class ManifestProblem:
    """One problem in a manifest: the line it points at (1-based, or None) and what is wrong."""

    line: int | None
    message: str


def supported_versions() -> list[str]:
    """Return the Kubernetes versions (major.minor) that the installed package has schemas for."""
    seen: dict[str, None] = {}
    for version in all_versions():
        seen[major_minor(version)] = None
    return list(seen)


def configured_versions() -> list[str]:
    """Return the versions every manifest is validated against: settings or the newest three."""
    return list(settings.K8S_VERSIONS) or supported_versions()[-3:]


def newest_version() -> str:
    """Return the newest configured version (the default for yaml exercises)."""
    return configured_versions()[-1]


@cache
def _schema_version(version: str) -> str:
    """Return the full schema version kubernetes-validate would use for a major.minor version."""
    candidates = [v for v in all_versions() if _version_key(v) <= _version_key(version)]
    if not candidates:
        raise kubernetes_validate.VersionNotSupportedError(version=version)
    return candidates[-1]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", major_minor(version)))


@cache
def _definitions(schema_dir: str, version: str) -> Resource:
    return Resource.from_contents(
        schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    )


@cache
def _validator(version: str, kind: str, api_version: str) -> jsonschema.Draft202012Validator:
    """Return the strict validator for one kind (raises SchemaNotFoundError)."""
    full = _schema_version(version)
    schema_dir = f"v{full}-local-strict"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(
            f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group_version}.json", version
        )
    except FileNotFoundError:
        raise kubernetes_validate.SchemaNotFoundError(
            kind=kind, version=major_minor(version), api_version=api_version
        ) from None
    registry = Resource.from_contents(schema) @ Registry()
    registry = _definitions(schema_dir, version) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


def field_path(path: list | tuple) -> str:
    """Return a JSON path as `spec.ports[0].port`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _types(expected: str | list[str]) -> str:
    """Return the expected JSON types as `'integer'` or `'integer' or 'string'` (null left out)."""
    names = [expected] if isinstance(expected, str) else [t for t in expected if t != "null"]
    return " or ".join(repr(name) for name in names)


def _leaf_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """Return the most telling errors behind one error (anyOf/oneOf keep their best match)."""
    if error.context:
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None:
            return _leaf_errors(best)
    return [error]


def schema_errors(document: dict, version: str) -> list[tuple[list, str]]:
    """Return every strict-schema error of one object for one version as (path, reason)."""
    kind, api_version = document.get("kind"), document.get("apiVersion")
    try:
        validator = _validator(version, str(kind), str(api_version))
    except kubernetes_validate.SchemaNotFoundError:
        return [([], f"no schema for kind {kind} in apiVersion {api_version}")]
    except kubernetes_validate.VersionNotSupportedError:
        return [([], f"Kubernetes {version} is not supported by kubernetes-validate")]
    problems: list[tuple[list, str]] = []
    for error in validator.iter_errors(document):
        for leaf in _leaf_errors(error):
            path = list(leaf.absolute_path)
            if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                allowed = set(leaf.schema.get("properties", {}))
                for key in sorted(set(leaf.instance) - allowed, key=str):
                    problems.append((path + [key], "unknown field"))
                continue
            if leaf.validator == "required":
                problems.append(
                    (path, leaf.message.replace("is a required property", "is required"))
                )
                continue
            if leaf.validator == "type":
                problems.append(
                    (path, f"{_short(leaf.instance)} is not of type {_types(leaf.validator_value)}")
                )
                continue
            problems.append((path, leaf.message))
    return problems


def _node_line(node: yaml.Node, path: list) -> int:
    """Return the 1-based line of the node at `path` (or of the deepest node that exists)."""
    for part in path:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        else:
            child = None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _key_line(node: yaml.Node, path: list) -> int:
    """Return the line of the key named by the last part of `path` (for unknown fields)."""
    parent = node
    for part in path[:-1]:
        if isinstance(parent, yaml.MappingNode):
            parent = next((v for k, v in parent.value if k.value == part), parent)
        elif isinstance(parent, yaml.SequenceNode) and isinstance(part, int):
            parent = parent.value[part] if part < len(parent.value) else parent
    if path and isinstance(parent, yaml.MappingNode):
        for key_node, _ in parent.value:
            if key_node.value == path[-1]:
                return key_node.start_mark.line + 1
    return parent.start_mark.line + 1


def validate_manifest_text(
    text: str, versions: list[str] | None = None, *, line_offset: int = 0
) -> tuple[list[dict], list[ManifestProblem]]:
    """Parse and strictly validate a manifest text (one or more documents) for each version.

    Returns the parsed documents and every problem, each with the line it points at. An error
    found in several versions is reported once, naming the versions.
    """
    versions = versions or configured_versions()
    try:
        nodes = [node for node in yaml.compose_all(text, Loader=SAFE_LOADER) if node is not None]
        documents = [_construct(node) for node in nodes]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last_line, 1)) + line_offset if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        return [], [ManifestProblem(line, f"invalid YAML: {reason}")]
    if not documents:
        return [], [ManifestProblem(1 + line_offset, "holds no Kubernetes object")]
    problems: list[ManifestProblem] = []
    for node, document in zip(nodes, documents, strict=True):
        start = node.start_mark.line + 1 + line_offset
        if not isinstance(document, dict):
            problems.append(
                ManifestProblem(start, "a document is not a Kubernetes object (mapping)")
            )
            continue
        missing = [key for key in ("apiVersion", "kind") if not document.get(key)]
        if missing:
            problems.append(
                ManifestProblem(start, f"not a Kubernetes object: no {' and no '.join(missing)}")
            )
            continue
        found: dict[tuple[int, str], list[str]] = {}
        for version in versions:
            for path, reason in schema_errors(document, version):
                if reason == "unknown field":
                    line = _key_line(node, path)
                else:
                    line = _node_line(node, path)
                message = f"{field_path(path)}: {reason}"
                found.setdefault((line + line_offset, message), []).append(version)
        for (line, message), in_versions in sorted(found.items()):
            problems.append(ManifestProblem(line, f"{message} ({', '.join(in_versions)})"))
    return documents, problems


def yaml_syntax_problem(text: str) -> ManifestProblem | None:
    """Return where and why a manifest text is not YAML at all, or None when it parses."""
    try:
        for _node in yaml.compose_all(text, Loader=SAFE_LOADER):
            pass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        line = min(mark.line + 1, max(last_line, 1)) if mark else None
        return ManifestProblem(line, str(getattr(exc, "problem", None) or exc))
    return None

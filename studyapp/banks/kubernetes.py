"""Strict Kubernetes schema validation of manifests, with kubernetes-validate's schemas.

kubernetes-validate stops at the first error and reloads its schemas on every call; this module
uses the same schema files and the same lookup rules, keeps the compiled validators, and reports
every error with its field path and the line of the manifest it points at.

Kinds that a cluster gets from CustomResourceDefinitions (the Gateway API) are validated against
the CRDs' own schemas, shipped in `schemas/` (see `source` in each file); a kind with no schema
is an error, never a pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from django.conf import settings
from kubernetes_validate.utils import (
    VersionNotSupportedError,
    all_versions,
    major_minor,
    schema_contents,
)
from referencing import Registry, Resource

from .manifests import RULES_VERSION, check_objects
from .yamlguard import ANSWER_LIMITS, CONTENT_LIMITS, YamlLimits
from .yamlsource import YamlProblem, compose_documents, construct, key_line, node_line


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
        raise VersionNotSupportedError(version=version)
    return candidates[-1]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", major_minor(version)))


@cache
def _definitions(schema_dir: str, version: str) -> Resource:
    return Resource.from_contents(
        schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", version)
    )


CRD_SCHEMA_FILES = (Path(__file__).parent / "schemas" / "gateway-api.json",)


@cache
def crd_schemas() -> dict[str, tuple[dict, str]]:
    """Return the shipped CRD schemas as {"group/version/Kind": (schema document, definition)}."""
    found: dict[str, tuple[dict, str]] = {}
    for path in CRD_SCHEMA_FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        for key, definition in document["kinds"].items():
            found[key] = (document, definition)
    return found


def crd_groups() -> set[str]:
    """Return the API groups whose kinds come from the shipped CRD schemas."""
    return {key.split("/")[0] for key in crd_schemas()}


def crd_source(api_version: str) -> str:
    """Return where the shipped schema of a CRD group comes from ("" for built-in kinds)."""
    group = api_version.split("/")[0] if "/" in api_version else ""
    for key, (document, _) in crd_schemas().items():
        if key.split("/")[0] == group:
            source = document["source"]
            return f"{source['project'].split(' (')[0]} {source['bundle']} ({source['channel']})"
    return ""


def rules_id() -> str:
    """Return what a validation checks (the rules version and the CRD schemas' bundles).

    A snippet stored with another id was checked under other rules and is checked again.
    """
    bundles = sorted({document["source"]["bundle"] for document, _ in crd_schemas().values()})
    return f"rules {RULES_VERSION}; CRD schemas {', '.join(bundles)}"


def checks_summary(kinds: list[str] | tuple[str, ...]) -> list[str]:
    """Return, in words, what validating objects of these kinds checked (for the snippet page)."""
    crd_kinds = {key.rsplit("/", 1)[1]: key for key in crd_schemas()}
    lines = []
    builtin = [kind for kind in kinds if kind not in crd_kinds]
    if builtin:
        lines.append("the Kubernetes API schema, strictly (no unknown fields)")
    for source in sorted({crd_source(crd_kinds[k].rsplit("/", 1)[0]) for k in kinds
                          if k in crd_kinds}):  # fmt: skip
        lines.append(f"the {source} CRD schema")
    lines.append(
        "the API server's rules beyond the schema: quantities, enum values, port and replica "
        "ranges, names and labels, duplicate keys, selectors matching their Pods, named ports, "
        "backend Services and volumes that exist"
    )
    return lines


def _crd_validator(
    version: str, kind: str, api_version: str
) -> jsonschema.Draft202012Validator | None:
    """Return the validator of a CRD kind, or None when its group is not a shipped CRD group."""
    if "/" not in api_version or api_version.split("/")[0] not in crd_groups():
        return None
    entry = crd_schemas().get(f"{api_version}/{kind}")
    if entry is None:
        raise kubernetes_validate.SchemaNotFoundError(
            kind=kind, version=major_minor(version), api_version=api_version
        )
    document, definition = entry
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kubernetes.io/api/crd/" + api_version.replace("/", "-"),
        "$ref": f"#/$defs/{definition}",
        "$defs": document["$defs"],
    }
    full = _schema_version(version)
    registry = Resource.from_contents(schema) @ Registry()
    registry = _definitions(f"v{full}-local-strict", version) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


@cache
def _validator(version: str, kind: str, api_version: str) -> jsonschema.Draft202012Validator:
    """Return the strict validator for one kind (raises SchemaNotFoundError)."""
    crd = _crd_validator(version, kind, api_version)
    if crd is not None:
        return crd
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
    except VersionNotSupportedError:
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


def validate_manifest_text(
    text: str,
    versions: list[str] | None = None,
    *,
    line_offset: int = 0,
    limits: YamlLimits = CONTENT_LIMITS,
) -> tuple[list[dict], list[ManifestProblem]]:
    """Check a manifest text (one or more documents) as the API server would, for each version.

    The one entry point for manifests: snippets (loader, admin, `loadbanks --check`) and learners'
    answers to yaml exercises. It reports duplicate keys, strict-schema errors (an error found in
    several versions once, naming the versions) and the API server's own rules beyond the schema
    (`manifests.check_objects`), each with the line it points at. Returns the parsed documents and
    the problems, sorted by line. `limits` bound the YAML (ANSWER_LIMITS for learners' answers:
    no aliases, 20,000 characters).
    """
    versions = versions or configured_versions()
    try:
        nodes, duplicates = compose_documents(text, limits)
        documents = [construct(node) for node in nodes]
    except YamlProblem as exc:
        line = exc.line + line_offset if exc.line is not None else None
        return [], [ManifestProblem(line, exc.message)]
    except yaml.YAMLError as exc:
        return [], [ManifestProblem(None, f"invalid YAML: {exc}")]
    if not documents:
        return [], [ManifestProblem(1 + line_offset, "holds no Kubernetes object")]
    problems: list[ManifestProblem] = [
        ManifestProblem(line + line_offset, f"{field_path(path)}: duplicate key {key!r}")
        for line, key, path in duplicates
    ]
    checkable: list[int] = []
    for index, (node, document) in enumerate(zip(nodes, documents, strict=True)):
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
        checkable.append(index)
        found: dict[tuple[int, str], list[str]] = {}
        for version in versions:
            for path, reason in schema_errors(document, version):
                unknown = reason == "unknown field"
                line = key_line(node, path) if unknown else node_line(node, path)
                message = f"{field_path(path)}: {reason}"
                found.setdefault((line + line_offset, message), []).append(version)
        for (line, message), in_versions in sorted(found.items()):
            problems.append(ManifestProblem(line, f"{message} ({', '.join(in_versions)})"))
    objects = [documents[i] if i in checkable else None for i in range(len(documents))]
    for index, path, message in check_objects(objects, tuple(versions)):
        line = node_line(nodes[index], path) + line_offset
        problems.append(ManifestProblem(line, f"{field_path(path)}: {message}"))
    problems.sort(key=lambda problem: problem.line or 0)
    return documents, problems


def yaml_syntax_problem(text: str) -> ManifestProblem | None:
    """Return where and why a learner's manifest is not YAML at all, or None when it parses (a
    text beyond the answer limits parses: grading refuses it with its own message)."""
    try:
        compose_documents(text, ANSWER_LIMITS)
    except YamlProblem as exc:
        if exc.is_refused:
            return None
        return ManifestProblem(exc.line, exc.message.removeprefix("invalid YAML: "))
    return None

"""Reading YAML while keeping the line of every node, so errors can say `path:line`.

Every YAML the app reads (bank files, topics, snippet manifests, learners' manifests) is parsed
here, with libyaml's safe loader, and every mapping is checked for duplicate keys.
"""

from __future__ import annotations

from typing import Any

import yaml

from .yamlguard import CONTENT_LIMITS, YamlLimits, YamlTooLarge, check_yaml


class LineDict(dict):
    """A mapping read from YAML: `line` where it starts and `key_lines`, the line of each key."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int | None:
        """Return the line of a key (or where the mapping starts when the key is absent)."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence read from YAML: `line` of the sequence and `item_lines` per item."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int | None:
        """Return the line of an item."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class YamlProblem(Exception):
    """A text that cannot be read as YAML at all (`is_refused`: it is YAML, beyond the limits)."""

    def __init__(self, line: int | None, message: str, *, is_refused: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.is_refused = is_refused


# libyaml's parser when the C binding is there (several times faster), the pure-Python one else.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    """A safe loader that builds LineDict/LineList and records duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise YamlProblem(key_node.start_mark.line + 1, "a mapping key must be text") from None
        if key in mapping:
            loader.duplicate_keys.append((key_node.start_mark.line + 1, str(key)))
        mapping.key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _check_limits(text: str, limits: YamlLimits) -> None:
    try:
        check_yaml(text, limits)
    except YamlTooLarge as exc:
        raise YamlProblem(exc.line, f"YAML refused: {exc.message}", is_refused=True) from None


def load_yaml(text: str, limits: YamlLimits = CONTENT_LIMITS) -> tuple[Any, list[tuple[int, str]]]:
    """Return the single document of a YAML text and its duplicate keys as (line, key).

    Raises YamlProblem with the line of a syntax error, when the text holds several documents, or
    when it goes beyond the limits (length, aliases, nesting, size once aliases are expanded).
    """
    _check_limits(text, limits)
    loader = None
    try:
        loader = _LineLoader(text)
        document = loader.get_single_node()
        data = loader.construct_document(document) if document is not None else None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise YamlProblem(
            line, f"YAML syntax error: character {exc.character!r} is not allowed"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "invalid YAML"
        last_line = max(text.count("\n") + (0 if text.endswith("\n") else 1), 1)
        line = min(mark.line + 1, last_line) if mark else None
        raise YamlProblem(line, f"YAML syntax error: {reason}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"YAML error: {exc}") from None
    except RecursionError:
        raise YamlProblem(None, "YAML error: the document nests too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, loader.duplicate_keys


def line_of(container: Any, key: Any) -> int | None:
    """Return the line of `container[key]` when the container came from YAML, else None."""
    if isinstance(container, LineDict | LineList):
        return container.line_of(key)
    return None


def line_of_node(value: Any) -> int | None:
    """Return the line where a mapping or sequence read from YAML starts, else None."""
    return getattr(value, "line", None)


def normalize_newlines(text: str) -> str:
    """Return text with LF line endings and exactly one final newline (empty text stays empty)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    return text.rstrip("\n") + "\n"


def compose_documents(
    text: str, limits: YamlLimits = CONTENT_LIMITS
) -> tuple[list[yaml.Node], list[tuple[int, str, list]]]:
    """Return the node tree of every document of a YAML stream and its duplicate keys.

    Each duplicate is (line, key, path of the mapping that holds it). Empty documents are left
    out. Raises YamlProblem with the line of a syntax error, or of what goes beyond the limits.
    """
    _check_limits(text, limits)
    loader = _BaseLoader(text)
    nodes: list[yaml.Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise YamlProblem(
            line, f"invalid YAML: character {exc.character!r} is not allowed"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        last_line = max(text.count("\n") + (0 if text.endswith("\n") else 1), 1)
        line = min(mark.line + 1, last_line) if mark else None
        raise YamlProblem(line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    duplicates = [dup for node in nodes for dup in _node_duplicates(node)]
    return nodes, duplicates


def _node_duplicates(root: yaml.Node) -> list[tuple[int, str, list]]:
    """Return the duplicate keys of every mapping under a node (walked without recursion)."""
    found: list[tuple[int, str, list]] = []
    stack: list[tuple[yaml.Node, list]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
                if key is not None and key != "<<":
                    if key in seen:
                        found.append((key_node.start_mark.line + 1, key, path))
                    seen.add(key)
                stack.append((value_node, [*path, key]))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, [*path, i]) for i, child in enumerate(node.value))
    return sorted(found, key=lambda dup: dup[0])


def construct(node: yaml.Node) -> Any:
    """Return the Python value of a composed node (the text is parsed once, not twice)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _child(node: yaml.Node, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        # The last of duplicate keys wins, as in the constructed value.
        matches = [v for k, v in node.value if getattr(k, "value", None) == part]
        return matches[-1] if matches else None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None


def node_line(node: yaml.Node, path: list | tuple) -> int:
    """Return the 1-based line of the node at `path` (or of the deepest node that exists).

    A block mapping or list under a key is reported at its key's line (`tls:`), not at its
    first entry.
    """
    line = node.start_mark.line + 1
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        line = child.start_mark.line + 1
        if (
            isinstance(node, yaml.MappingNode)
            and isinstance(child, yaml.MappingNode | yaml.SequenceNode)
            and not child.flow_style
        ):
            key = next(k for k, v in node.value if v is child)
            line = key.start_mark.line + 1
        node = child
    return line


def key_line(node: yaml.Node, path: list | tuple) -> int:
    """Return the line of the key named by the last part of `path` (for unknown fields)."""
    parent = node
    for part in path[:-1]:
        child = _child(parent, part)
        if child is None:
            return parent.start_mark.line + 1
        parent = child
    if path and isinstance(parent, yaml.MappingNode):
        for key_node, _ in reversed(parent.value):
            if key_node.value == path[-1]:
                return key_node.start_mark.line + 1
    return parent.start_mark.line + 1

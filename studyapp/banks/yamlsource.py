"""Reading YAML while keeping the line of every node, so errors can say `path:line`."""

from __future__ import annotations

from typing import Any

import yaml


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
    """A file that cannot be read as YAML at all."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


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


def load_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Return the single document of a YAML text and its duplicate keys as (line, key).

    Raises YamlProblem with the line of a syntax error, or when the text holds several documents.
    """
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

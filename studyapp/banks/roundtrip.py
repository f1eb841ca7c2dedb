"""Writing a bank or topics file back as it was loaded, changed only where the database differs.

Pure text surgery over the stored source: the file is parsed again, each topic, snippet and
question is compared with what the database holds, and only the text of what differs is
replaced by a freshly written block at the same indentation (new items are appended, retired
ones removed). Everything else - comments, key order, scalar styles, blank lines - stays byte
for byte, so one admin edit is a one-question diff in git. When the file's layout is one this
module does not patch (flow-style lists, a list item whose dash is on its own line), the caller
writes the whole file in the house style instead.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from .format import (
    BankSpec,
    QuestionSpec,
    SnippetSpec,
    TopicSpec,
    parse_bank,
    parse_topics,
)
from .yamlsource import YamlProblem, compose_documents, load_yaml


class CannotPatch(Exception):
    """The source's layout is not one this module patches; write the file whole instead."""


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, indented lists: files that read like hand-written ones."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line text as a literal block, long prose folded (`>-`), as the files are written.
    if "\n" in value:
        style = "|"
    elif len(value) > 100 and " " in value and value == value.strip():
        style = ">"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    # Short lists of short words in flow style (`tags: [interview]`), the rest as blocks.
    short = all(
        isinstance(item, str) and item and len(item) <= 40 and re.fullmatch(r"[\w./:-]+", item)
        for item in value
    )
    flow = bool(value) and short and sum(len(item) + 2 for item in value) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: Any) -> str:
    """Return data as YAML in the house style."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


@dataclass(frozen=True)
class Item:
    """One item of a block list in the source: its id and the text span of its content."""

    key: str
    start: int  # index of the first character of the item's line
    end: int  # index just after the line break ending the item's last content line
    indent: int  # column of the item's dash


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Return the text with non-overlapping edits applied."""
    out = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < position:
            raise CannotPatch("overlapping edits")
        out.append(text[position : edit.start])
        out.append(edit.text)
        position = edit.end
    out.append(text[position:])
    return "".join(out)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Return the index just after the line break of the line holding `index - 1`."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found == -1 else found + 1


def _content_end(text: str, node: yaml.Node) -> int:
    """Return where a node's own text ends: after its last character's line, blank lines and
    comment lines that follow it left out."""
    end = node.end_mark.index
    stack = [node]
    last = node.start_mark.index
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            last = max(last, current.end_mark.index)
        elif isinstance(current, yaml.MappingNode):
            if current.flow_style:
                last = max(last, current.end_mark.index)
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            if current.flow_style:
                last = max(last, current.end_mark.index)
            stack.extend(current.value)
    end = _line_end(text, last)
    # A block scalar's end mark is past the blank lines after it: give those back.
    while end > 0:
        previous = _line_start(text, end - 1)
        if previous < end and text[previous:end].strip() == "" and previous > node.start_mark.index:
            end = previous
        else:
            break
    return end


def _items(text: str, sequence: yaml.Node, key: str) -> list[Item]:
    """Return the items of a block list of mappings, each identified by its `key` field."""
    if not isinstance(sequence, yaml.SequenceNode) or sequence.flow_style:
        raise CannotPatch("not a block list")
    items = []
    for node in sequence.value:
        if not isinstance(node, yaml.MappingNode) or node.flow_style:
            raise CannotPatch("a list item is not a block mapping")
        start = _line_start(text, node.start_mark.index)
        prefix = text[start : node.start_mark.index]
        match = re.fullmatch(r"( *)- +", prefix)
        if not match:
            raise CannotPatch("a list item does not start with '- ' on its first line")
        ident = next((v.value for k, v in node.value if getattr(k, "value", None) == key), None)
        if not isinstance(ident, str):
            raise CannotPatch(f"a list item has no {key}")
        items.append(Item(ident, start, _content_end(text, node), len(match.group(1))))
    return items


def _indent_block(block: str, indent: int) -> str:
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in block.splitlines(True))


def _emit_item(data: dict, indent: int) -> str:
    return _indent_block(dump_yaml([data]), indent)


def patch_list(
    text: str,
    sequence: yaml.Node,
    key: str,
    old: dict[str, Any],
    new: list[tuple[str, Any]],
    to_data: Callable[[str], dict],
) -> list[Edit]:
    """Return the edits that turn a block list into `new` (id, value) in order.

    `old` maps each id in the source to its parsed value; an item whose value equals the new
    one keeps its text, a changed one is written again (`to_data(id)` gives its data), a
    missing one is removed, a new one added after the item before it.
    """
    items = _items(text, sequence, key)
    if not items:
        raise CannotPatch("an empty list")
    by_key = {item.key: item for item in items}
    wanted = [ident for ident, _ in new]
    kept = [item.key for item in items if item.key in set(wanted)]
    indent = items[0].indent
    if [ident for ident in wanted if ident in by_key] != kept:
        # Reordered: the list is written again in the new order, unchanged items verbatim.
        pieces = []
        for ident, value in new:
            item = by_key.get(ident)
            if item is not None and old.get(ident) == value:
                pieces.append(text[item.start : item.end])
            else:
                pieces.append(_emit_item(to_data(ident), item.indent if item else indent))
        return [Edit(items[0].start, items[-1].end, "".join(pieces))]
    edits: list[Edit] = []
    values = dict(new)
    for item in items:
        if item.key not in values:
            edits.append(Edit(item.start, item.end, ""))
        elif old.get(item.key) != values[item.key]:
            block = _emit_item(to_data(item.key), item.indent)
            edits.append(Edit(item.start, item.end, block))
    insert_at = items[0].start
    pending: list[str] = []
    for ident, _value in new:
        item = by_key.get(ident)
        if item is None:
            pending.append(_emit_item(to_data(ident), indent))
            continue
        if pending:
            edits.append(Edit(insert_at, insert_at, "".join(pending)))
            pending = []
        insert_at = item.end
    if pending:
        edits.append(Edit(insert_at, insert_at, "".join(pending)))
    return edits


def _root(text: str) -> yaml.Node:
    try:
        nodes, _ = compose_documents(text)
    except YamlProblem as exc:
        raise CannotPatch(f"the source does not parse: {exc.message}") from None
    if len(nodes) != 1:
        raise CannotPatch("the source is not one document")
    return nodes[0]


def _value_node(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in mapping.value:
        if getattr(key_node, "value", None) == key:
            return key_node, value_node
    return None


def _key_span(text: str, pair: tuple[yaml.Node, yaml.Node]) -> tuple[int, int]:
    key_node, value_node = pair
    start = _line_start(text, key_node.start_mark.index)
    if text[start : key_node.start_mark.index].strip():
        raise CannotPatch("a key does not start its line")
    return start, _content_end(text, value_node)


# Topics -------------------------------------------------------------------------------------------


def _topic_data(topic: TopicSpec) -> dict:
    data: dict[str, Any] = {"slug": topic.slug, "title": topic.title}
    if topic.description:
        data["description"] = topic.description
    return data


def _topic_value(topic: TopicSpec) -> tuple[str, str]:
    return (topic.title, topic.description)


def dump_topics(topics: list[TopicSpec]) -> str:
    """Return topics.yaml in the house style."""
    return dump_yaml([_topic_data(topic) for topic in topics])


def patch_topics(text: str, topics: list[TopicSpec]) -> str:
    """Return topics.yaml as loaded, changed where the topics differ (raises CannotPatch)."""
    try:
        data, _ = load_yaml(text)
    except YamlProblem as exc:
        raise CannotPatch(exc.message) from None
    parsed, errors = parse_topics(data, "topics.yaml")
    if errors:
        raise CannotPatch("the source has errors")
    old = {topic.slug: _topic_value(topic) for topic in parsed}
    by_slug = {topic.slug: topic for topic in topics}
    new = [(topic.slug, _topic_value(topic)) for topic in topics]
    edits = patch_list(text, _root(text), "slug", old, new, lambda s: _topic_data(by_slug[s]))
    return apply_edits(text, edits)


# Banks --------------------------------------------------------------------------------------------


def snippet_data(snippet: SnippetSpec) -> dict:
    """Return a snippet declaration in the file format."""
    data: dict[str, Any] = {"id": snippet.id, "file": snippet.file, "title": snippet.title}
    if snippet.try_steps:
        data["try"] = [
            {"run": step.run, "expect": step.expect} if step.expect else step.run
            for step in snippet.try_steps
        ]
    return data


def _snippet_value(snippet: SnippetSpec) -> tuple:
    return (snippet.id, snippet.file, snippet.title, snippet.try_steps)


def comparable(question: QuestionSpec, bank_topic: str) -> QuestionSpec:
    """Return a question as compared for changes: topic resolved, lines and link order left out."""
    return dataclasses.replace(
        question,
        topic=question.topic or bank_topic,
        snippets=tuple(sorted(question.snippets)),
        line=None,
        snippet_lines=(),
        topic_line=None,
    )


def bank_data(bank: BankSpec, question_data: Callable[[QuestionSpec, str], dict]) -> dict:
    """Return a whole bank in the file format."""
    data: dict[str, Any] = {"bank": bank.slug, "title": bank.title}
    if bank.description:
        data["description"] = bank.description
    data["topic"] = bank.topic
    if bank.is_restricted:
        data["restricted"] = True
    if bank.snippets:
        data["snippets"] = [snippet_data(snippet) for snippet in bank.snippets]
    data["questions"] = [question_data(question, bank.topic) for question in bank.questions]
    return data


def _like_source(data: dict, before: dict | None) -> dict:
    """Return a question's data with the keys in the order the file had them, and without a
    default difficulty the file left out, so a rewritten question differs only where it did."""
    if before is None:
        return data
    if "difficulty" not in before and data.get("difficulty") == 2:
        data = {key: value for key, value in data.items() if key != "difficulty"}
    order = {key: index for index, key in enumerate(before)}
    return dict(sorted(data.items(), key=lambda item: order.get(item[0], len(order))))


def _file_order(question: QuestionSpec, parsed: BankSpec) -> QuestionSpec:
    """Return the question with its snippet links in the file's order (the database has none)."""
    before = next((q for q in parsed.questions if q.id == question.id), None)
    if before is None:
        return question
    order = {snippet: index for index, snippet in enumerate(before.snippets)}
    links = sorted(question.snippets, key=lambda s: (order.get(s, len(order)), s))
    return dataclasses.replace(question, snippets=tuple(links))


def patch_bank(
    text: str, bank: BankSpec, question_data: Callable[[QuestionSpec, str], dict]
) -> str:
    """Return a bank file as loaded, changed where `bank` differs (raises CannotPatch)."""
    try:
        data, _ = load_yaml(text)
    except YamlProblem as exc:
        raise CannotPatch(exc.message) from None
    parsed, errors = parse_bank(data, "bank")
    if parsed is None or errors or parsed.slug != bank.slug:
        raise CannotPatch("the source has errors or is another bank")
    root = _root(text)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise CannotPatch("the bank is not a block mapping")
    edits: list[Edit] = []

    for key, attribute in (
        ("title", "title"),
        ("description", "description"),
        ("topic", "topic"),
        ("restricted", "is_restricted"),
    ):
        old, new = getattr(parsed, attribute), getattr(bank, attribute)
        if old == new:
            continue
        pair = _value_node(root, key)
        block = dump_yaml({key: new}) if new else ""
        if pair is not None:
            start, end = _key_span(text, pair)
            edits.append(Edit(start, end, block))
        else:
            anchor = _value_node(root, "title") or _value_node(root, "bank")
            if anchor is None:
                raise CannotPatch("no place for a new key")
            end = _key_span(text, anchor)[1]
            edits.append(Edit(end, end, block))

    old_snippets = {s.id: _snippet_value(s) for s in parsed.snippets}
    by_id = {s.id: s for s in bank.snippets}
    # Snippets have no position in the database: those in the file keep the file's order.
    order = {snippet.id: index for index, snippet in enumerate(parsed.snippets)}
    ordered = sorted(bank.snippets, key=lambda s: order.get(s.id, len(order)))
    new_snippets = [(s.id, _snippet_value(s)) for s in ordered]
    pair = _value_node(root, "snippets")
    if pair is not None and isinstance(pair[1], yaml.SequenceNode) and pair[1].value:
        if new_snippets:
            edits += patch_list(
                text, pair[1], "id", old_snippets, new_snippets, lambda i: snippet_data(by_id[i])
            )
        else:
            start, end = _key_span(text, pair)
            edits.append(Edit(start, end, ""))
    elif new_snippets:
        block = dump_yaml({"snippets": [snippet_data(s) for s in ordered]})
        if pair is not None:
            start, end = _key_span(text, pair)
            edits.append(Edit(start, end, block))
        else:
            questions = _value_node(root, "questions")
            if questions is None:
                raise CannotPatch("no questions key")
            start = _key_span(text, questions)[0]
            edits.append(Edit(start, start, block))

    raw = {
        item.get("id"): item
        for item in (data.get("questions") or [])
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
    old_questions = {q.id: comparable(q, parsed.topic) for q in parsed.questions}
    by_question = {q.id: q for q in bank.questions}
    new_questions = [(q.id, comparable(q, bank.topic)) for q in bank.questions]
    pair = _value_node(root, "questions")
    if pair is None:
        raise CannotPatch("no questions key")
    if isinstance(pair[1], yaml.SequenceNode) and pair[1].value and new_questions:
        edits += patch_list(
            text,
            pair[1],
            "id",
            old_questions,
            new_questions,
            lambda i: _like_source(
                question_data(_file_order(by_question[i], parsed), bank.topic), raw.get(i)
            ),
        )
    elif old_questions != dict(new_questions):
        start, end = _key_span(text, pair)
        block = dump_yaml({"questions": [question_data(q, bank.topic) for q in bank.questions]})
        edits.append(Edit(start, end, block))
    return apply_edits(text, edits)

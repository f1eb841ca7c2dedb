"""Markdown from bank authors and leads, rendered and sanitized: it can never inject a script,
and no text can make rendering slow.

Python-Markdown is quadratic or worse on some inputs (thousands of `[`, `<a `, nested `>` or list
markers): 20,000 `[` took 79 s. Two bounds keep every render short:
- every stored text has a length cap (`MAX_MARKDOWN_CHARS` at most; the loader, the forms and
  the importers enforce the per-field caps with a message);
- a text whose prose (outside fenced code) holds more of the costly constructs than any real
  content does is shown as plain text, escaped, instead of being parsed (`is_hostile`).
The worst case at the cap is measured by bench/markdown_worst.py.

Nothing renders while serving a page: the HTML is rendered when a text is written (the loader,
the admin, the importers, an assessment's form) and stored beside it (`core/fields.py`), so there
is no render cache either. A change to what these functions produce needs a data migration that
renders the stored HTML again (as banks 0010 and assessments 0005 did).
"""

from __future__ import annotations

import html
import re
import threading
from bisect import bisect_right
from html import unescape

import markdown as markdown_lib
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "td": {"align"},
    "th": {"align"},
}
EXTENSIONS = ("fenced_code", "tables", "sane_lists")
INLINE_EXTENSIONS = ("sane_lists",)

# The longest text any field may hold; fields have their own, smaller caps (see MARKDOWN_CAPS).
MAX_MARKDOWN_CHARS = 4000

# How many of each costly construct the prose of one text may hold before it is shown as plain
# text. The real content stays far below (its most: 3 `[` in one text).
CONSTRUCT_LIMITS = {"[": 100, "<": 200, "|": 400, "`": 200, "\\": 400, "*_~": 400}
MAX_NESTING = 8  # block quotes and list markers opened at the start of one line
# Links and images (`](`): the parser scans the rest of the paragraph for the closing `)` of each
# one, so 100 never closed cost 100 scans of the text (60 ms at 4,000 characters; real content
# holds none, bench/MARKDOWN.md).
MAX_LINKS = 20
MAX_FENCES = 100  # lines that open or close fenced code

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BLOCK_MARKER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?")


def _prose_lines(lines: list[str], fences: dict[str, list[int]]) -> list[str]:
    """Return the lines outside closed fenced code blocks (unclosed fences are prose)."""
    prose, number = [], 0
    while number < len(lines):
        match = _FENCE.match(lines[number])
        if match:
            mark = match.group(1)
            later = fences[mark[0]]
            close = next(
                (
                    other
                    for other in later[bisect_right(later, number) :]
                    if lines[other].lstrip(" ").startswith(mark)
                ),
                None,
            )
            if close is not None:
                number = close + 1
                continue
        prose.append(lines[number])
        number += 1
    return prose


def _nesting(line: str) -> int:
    depth, position = 0, 0
    while depth <= MAX_NESTING:
        match = _BLOCK_MARKER.match(line, position)
        if not match or match.end() == position:
            break
        depth, position = depth + 1, match.end()
    return depth


def is_hostile(text: str) -> bool:
    """Return whether a text holds more costly markdown than real content ever does."""
    lines = text.split("\n")
    fences: dict[str, list[int]] = {}  # fence character -> numbers of the lines holding one
    for number, line in enumerate(lines):
        match = _FENCE.match(line)
        if match:
            fences.setdefault(match.group(1)[0], []).append(number)
    if sum(len(numbers) for numbers in fences.values()) > MAX_FENCES:
        return True
    lines = _prose_lines(lines, fences)
    prose = "\n".join(lines)
    for characters, limit in CONSTRUCT_LIMITS.items():
        if sum(prose.count(character) for character in characters) > limit:
            return True
    if prose.count("](") > MAX_LINKS:
        return True
    return any(_nesting(line) > MAX_NESTING for line in lines)


def _plain(text: str) -> SafeString:
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part.strip()]
    escaped = "".join(
        "<p>" + html.escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs
    )
    return mark_safe(escaped)  # noqa: S308 - every part escaped


_parsers = threading.local()


def _convert(text: str, extensions: tuple[str, ...]) -> str:
    """Return Python-Markdown's HTML for a text. Each thread keeps one parser per set of
    extensions: building a parser costs more than converting most texts."""
    parser = _parsers.__dict__.get(extensions)
    if parser is None:
        parser = _parsers.__dict__[extensions] = markdown_lib.Markdown(extensions=list(extensions))
    return parser.reset().convert(text)


def render_markdown(text: str) -> SafeString:
    """Return sanitized HTML for a markdown text (fenced code and tables enabled).

    Text beyond MAX_MARKDOWN_CHARS, or holding more costly constructs than real content does,
    is shown as plain text.
    """
    text = text or ""
    if not text.strip():
        return mark_safe("")
    if len(text) > MAX_MARKDOWN_CHARS or is_hostile(text):
        return _plain(text)
    rendered = _convert(text, EXTENSIONS)
    sanitized = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(sanitized)  # noqa: S308 - sanitized by nh3


INLINE_TAGS = {"b", "code", "del", "em", "i", "kbd", "strong", "sub", "sup"}


def render_inline(text: str) -> SafeString:
    """Return sanitized HTML of a short markdown text (code, emphasis) without block elements.

    The same bounds as `render_markdown`: costly or over-long text is shown as plain text.
    """
    text = text or ""
    if not text.strip():
        return mark_safe("")
    if len(text) > MAX_MARKDOWN_CHARS or is_hostile(text):
        return mark_safe(html.escape(text))  # noqa: S308 - escaped
    rendered = _convert(text, INLINE_EXTENSIONS)
    return mark_safe(nh3.clean(rendered, tags=INLINE_TAGS, attributes={}).strip())  # noqa: S308


def render_excerpt(text: str) -> SafeString:
    """Return the start of a markdown text on one line as inline HTML (pages cut it to length
    with `truncatechars_html`).

    It stops before the first fenced code block: a manifest flattened onto one line reads as
    noise.
    """
    text = text or ""
    before_code, fence, _rest = text.partition("```")
    one_line = " ".join(before_code.split()) + (" …" if fence else "")
    return render_inline(one_line)


def html_text(rendered: str) -> str:
    """Return rendered HTML as plain text (for attributes such as aria-label); not escaped."""
    return unescape(strip_tags(rendered or ""))

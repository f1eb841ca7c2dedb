"""Syntax highlighting of manifests with Pygments."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import YamlLexer


@lru_cache(maxsize=512)
def highlight_yaml(text: str) -> str:
    """Return the YAML as highlighted HTML with line numbers (Pygments escapes the text)."""
    return highlight(text, YamlLexer(), HtmlFormatter(cssclass="highlight", linenos="table"))

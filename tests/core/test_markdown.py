"""Bank markdown is rendered and sanitized: it can never inject a script."""

from __future__ import annotations

import pytest

from studyapp.core.markdown import render_markdown


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
        "<svg onload=alert(1)>",
    ],
)
def test_scripts_are_removed(payload):
    html = render_markdown(payload).lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert "<iframe" not in html and "<svg" not in html and "style=" not in html


def test_fenced_code_and_tables_render():
    html = render_markdown("```yaml\nkind: Pod\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert '<pre><code class="language-yaml">kind: Pod' in html
    assert "<table>" in html and "<td>1</td>" in html


def test_links_get_safe_rel():
    html = render_markdown("[docs](https://kubernetes.io/docs/)")
    assert 'href="https://kubernetes.io/docs/"' in html
    assert "noopener" in html

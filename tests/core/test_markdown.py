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


def _renders_within(text: str, seconds: float = 30) -> str:
    """Render in a thread and give it a bound: a termination check, not a speed goal."""
    import threading

    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(render_markdown(text)), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert not worker.is_alive(), "rendering ran on"
    return out[0]


@pytest.mark.parametrize("unit", ["[", "[a](", "<a ", "> ", "1. ", "*a ", "`", "```\n````\n"])
def test_costly_markdown_is_shown_as_plain_text(unit):
    text = unit * (30_000 // len(unit))
    html = _renders_within(text)
    assert html.startswith("<p>") and "<a" not in html and "<blockquote" not in html


def test_plain_text_fallback_is_escaped():
    html = render_markdown("<script>alert(1)</script>" + "[" * 200)
    assert "<script" not in html and "&lt;script&gt;" in html


def test_code_blocks_may_hold_any_number_of_brackets():
    manifest = "\n".join(f"  - [item-{i}, <value-{i}>]" for i in range(120))
    html = render_markdown(
        f"A [link](https://kubernetes.io/).\n\n```yaml\nlist:\n{manifest}\n```\n"
    )
    assert '<a href="https://kubernetes.io/"' in html and "<pre><code" in html
    assert "&lt;value-119&gt;" in html


def test_an_unclosed_fence_does_not_hide_prose_from_the_limits():
    assert "<a" not in render_markdown("```\n" + "[a](b) " * 500)


def test_deep_nesting_is_plain_text_and_shallow_nesting_renders():
    assert "<blockquote>" not in render_markdown("> " * 20 + "deep")
    assert render_markdown("> > quoted").count("<blockquote>") == 2
    assert "<li>" in render_markdown("- one\n- two\n")


def test_inline_markdown_has_the_same_bounds():
    from studyapp.core.markdown import render_inline

    html = _renders_within_inline("[a](" * 8000)
    assert "<a" not in html and html.startswith("[a](")
    assert render_inline("`kubectl` **now**") == "<code>kubectl</code> <strong>now</strong>"


def _renders_within_inline(text: str, seconds: float = 30) -> str:
    import threading

    from studyapp.core.markdown import render_inline

    out: list[str] = []
    worker = threading.Thread(target=lambda: out.append(render_inline(text)), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert not worker.is_alive(), "rendering ran on"
    return out[0]


def test_more_links_than_real_content_holds_are_plain_text():
    from studyapp.core.markdown import MAX_LINKS

    # Each link never closed makes the parser scan the rest of the paragraph for its `)`.
    assert "<strong>" in render_markdown("**now** " + "[a](" * MAX_LINKS + '"' * 2000)
    html = render_markdown("**now** " + "[a](" * (MAX_LINKS + 1) + '"' * 2000)
    assert "<strong>" not in html and html.startswith("<p>**now** [a](")
    closed = " ".join(f"[doc {i}](https://kubernetes.io/{i})" for i in range(MAX_LINKS))
    assert render_markdown(closed).count("<a ") == MAX_LINKS

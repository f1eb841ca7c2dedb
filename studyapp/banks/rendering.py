"""A question's texts rendered to the HTML its pages show, once, when the texts are written. Pure.

The models store what `render_question` and `render_choice` return (`Question.render_html`,
`Choice.render_html`); an attempt's snapshot stores the same for the question as it was. Pages
print the stored HTML and fill cloze slots (`fill_cloze`): none of them renders markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.utils.safestring import SafeString, mark_safe

from studyapp.core.markdown import render_excerpt, render_inline, render_markdown

from .format import CLOZE_RE, QuestionSpec

# Where each deletion of a cloze prompt goes in its stored HTML; pages put an input, the
# answer or a blank there. Letters around the number survive markdown untouched.
CLOZE_SLOT = "KPCLOZE{}X"


@dataclass(frozen=True)
class ChoiceHtml:
    text: str = ""
    why: str = ""


@dataclass(frozen=True)
class QuestionHtml:
    """A question's texts as HTML: each sanitized by nh3 (or escaped) when rendered."""

    prompt: str = ""  # a cloze's deletions shown as blanks, [hint] or […]
    cloze: str = ""  # cloze only: the prompt with a CLOZE_SLOT per deletion
    excerpt: str = ""  # the prompt's start on one line, inline, blanks as in `prompt`
    explanation: str = ""
    answer: str = ""  # flashcard: the model answer
    items: tuple[str, ...] = ()  # order: each item, inline
    choices: tuple[ChoiceHtml, ...] = ()


def blanked(prompt: str) -> str:
    """Return a prompt with each cloze deletion `{{c1::answer::hint}}` shown as [hint] or […]."""
    return CLOZE_RE.sub(lambda match: f"[{match.group(3) or '…'}]", prompt or "")


def slotted(prompt: str) -> str:
    """Return a cloze prompt with each deletion replaced by its CLOZE_SLOT."""
    slots = iter(range(len(CLOZE_RE.findall(prompt or ""))))
    return CLOZE_RE.sub(lambda _match: CLOZE_SLOT.format(next(slots)), prompt or "")


def render_question(
    *, type: str, prompt: str, explanation: str, answer: str = "", items: Sequence[str] = ()
) -> QuestionHtml:
    """Return a question's texts (its choices apart) rendered as they are shown."""
    is_cloze = type == "cloze"
    reading = blanked(prompt) if is_cloze else prompt or ""
    return QuestionHtml(
        prompt=render_markdown(reading),
        cloze=render_markdown(slotted(prompt)) if is_cloze else "",
        excerpt=render_excerpt(reading),
        explanation=render_markdown(explanation or ""),
        answer=render_markdown(answer or ""),
        items=tuple(render_inline(item) for item in items),
    )


def render_choice(text: str, why: str = "") -> ChoiceHtml:
    """Return a choice's text and its why rendered."""
    return ChoiceHtml(text=render_markdown(text or ""), why=render_markdown(why or ""))


def render_spec(spec: QuestionSpec) -> QuestionHtml:
    """Return every text of a question (choices included) rendered: for snapshots made before
    HTML was stored, and for tests."""
    rendered = render_question(
        type=spec.type,
        prompt=spec.prompt,
        explanation=spec.explanation,
        answer=spec.answer,
        items=spec.items,
    )
    choices = tuple(render_choice(choice.text, choice.why) for choice in spec.choices)
    return replace(rendered, choices=choices)


def fill_cloze(html: str, pieces: Sequence[str]) -> SafeString:
    """Return stored cloze HTML with slot i replaced by pieces[i]: HTML the caller made safe
    (format_html), one per deletion."""
    for index, piece in enumerate(pieces):
        html = html.replace(CLOZE_SLOT.format(index), str(piece))
    return mark_safe(html)  # noqa: S308 - stored HTML was sanitized, pieces are escaped

"""Questions as an Anki deck (.apkg) with genanki: stable ids, so re-importing updates notes.

The cards carry the questions' stored HTML: an export renders no markdown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import genanki
from django.utils.html import escape

from studyapp.banks.format import CLOZE_RE
from studyapp.banks.models import Choice, Question
from studyapp.banks.rendering import fill_cloze
from studyapp.banks.shuffling import export_order

DECK_PREFIX = "Kubeprep"
CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left;
  color: #1d2330; background: #fff; line-height: 1.5; }
pre { background: #f1f3f7; padding: .6em; border-radius: 6px; overflow-x: auto; font-size: 14px; }
.choices { padding-left: 1.4em; } .correct { color: #1f7a3f; font-weight: 600; }
.explanation { border-top: 1px solid #dde1e8; margin-top: 1em; padding-top: .5em; }
.cloze { font-weight: bold; color: #2f5bd3; }"""


def stable_id(*parts: str) -> int:
    """Return a stable 31-bit id (what Anki expects for decks and note types) from text."""
    digest = hashlib.sha256("::".join(parts).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


BASIC = genanki.Model(
    stable_id("kubeprep", "model", "basic"),
    "Kubeprep Basic",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Kubeprep id"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
        }
    ],
    css=CSS,
)
CLOZE = genanki.Model(
    stable_id("kubeprep", "model", "cloze"),
    "Kubeprep Cloze",
    model_type=genanki.Model.CLOZE,
    fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Kubeprep id"}],
    templates=[
        {
            "name": "Cloze",
            "qfmt": "{{cloze:Text}}",
            "afmt": "{{cloze:Text}}<br>{{Back Extra}}",
        }
    ],
    css=CSS,
)


def note_guid(question_slug: str) -> str:
    """The note's GUID: the same question always gives the same note in Anki."""
    return genanki.guid_for("kubeprep", question_slug)


def _tags(question: Question) -> list[str]:
    tags = [question.topic.slug, f"type::{question.type}", f"level::{question.difficulty}"]
    tags += [tag.replace(" ", "_") for tag in question.tags]
    return tags


def _pre(text: str) -> str:
    return f"<pre><code>{escape(text)}</code></pre>"


def shuffled_choices(question: Question) -> list[Choice]:
    """Return the question's choices in the order the export lists them: shuffled, the same on
    every export (so the right answer is not always "A")."""
    choices = list(question.choices.all())
    return [choices[i] for i in export_order(question.slug, [c.text for c in choices])]


def cloze_text(question: Question) -> str:
    """A cloze question's Text field: its stored HTML with Anki's own deletions in the slots."""
    deletions = [escape(match.group(0)) for match in CLOZE_RE.finditer(question.prompt)]
    return str(fill_cloze(question.cloze_html, deletions))


def front(question: Question) -> str:
    """The question side: the prompt, and the choices or items to work with."""
    html = str(question.prompt_html)
    choices = shuffled_choices(question)
    if question.type in ("single", "multi"):
        hint = "Choose one." if question.type == "single" else "Choose all that apply."
        items = "".join(f"<li>{c.text_html}</li>" for c in choices)
        html += f'<ol class="choices" type="A">{items}</ol><p><em>{hint}</em></p>'
    elif question.type == "truefalse":
        html += "<p><em>True or false?</em></p>"
    elif question.type == "order":
        items = sorted(question.items, key=lambda item: hashlib.sha256(item.encode()).hexdigest())
        html += "<p><em>Put in order:</em></p><ul>" + "".join(
            f"<li>{escape(i)}</li>" for i in items
        )
        html += "</ul>"
    elif question.type == "yaml" and question.starter:
        html += "<p><em>Start from:</em></p>" + _pre(question.starter)
    return html


def back(question: Question) -> str:
    """The answer side: the answer, the explanation and the YAML of the linked snippets."""
    choices = shuffled_choices(question)
    if question.type in ("single", "multi"):
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        right = [f"{letters[i]}. {c.text_html}" for i, c in enumerate(choices) if c.is_correct]
        answer = '<div class="correct">' + "".join(right) + "</div>"
    elif question.type == "truefalse":
        answer = f'<p class="correct">{"True" if question.truth else "False"}</p>'
    elif question.type == "short":
        accepted = ", ".join(escape(a) for a in question.answers) or escape(question.pattern)
        answer = f'<p class="correct">{accepted}</p>'
    elif question.type == "order":
        answer = "<ol>" + "".join(f"<li>{escape(i)}</li>" for i in question.items) + "</ol>"
    elif question.type == "flashcard":
        answer = str(question.answer_html)
        if question.key_points:
            answer += (
                "<ul>" + "".join(f"<li>{escape(p)}</li>" for p in question.key_points) + "</ul>"
            )
    elif question.type == "yaml":
        answer = _pre(question.solution) if question.solution else ""
    else:
        answer = ""
    html = answer + f'<div class="explanation">{question.explanation_html}</div>'
    for snippet in question.snippets.all():
        html += f"<p><strong>{escape(snippet.title)}</strong></p>" + _pre(snippet.content)
    return html


def build_package(questions: Iterable[Question], out: Path) -> dict[str, int]:
    """Write the questions as an .apkg, one sub-deck per topic; return note and deck counts."""
    decks: dict[str, genanki.Deck] = {}
    notes = 0
    for question in questions:
        topic = question.topic
        deck = decks.get(topic.slug)
        if deck is None:
            deck = genanki.Deck(
                stable_id("kubeprep", "deck", topic.slug), f"{DECK_PREFIX}::{topic.title}"
            )
            decks[topic.slug] = deck
        if question.type == "cloze":
            fields = [cloze_text(question), back(question), question.slug]
            model = CLOZE
        else:
            fields = [front(question), back(question), question.slug]
            model = BASIC
        deck.add_note(
            genanki.Note(
                model=model, fields=fields, guid=note_guid(question.slug), tags=_tags(question)
            )
        )
        notes += 1
    genanki.Package(list(decks.values())).write_to_file(str(out))
    return {"notes": notes, "decks": len(decks)}


def questions_for_export(  # noqa: ANN201
    *, bank_slug: str | None = None, topic_slug: str | None = None, public_only: bool = True
):
    """Return the questions in study of a bank or a topic, with what the cards show (with
    `public_only`, those of restricted banks left out: downloads never carry answer keys of
    assessment banks; admins exporting from the command line may include them)."""
    questions = Question.objects.public() if public_only else Question.objects.active()
    questions = questions.select_related("topic").prefetch_related("choices", "snippets")
    if bank_slug:
        questions = questions.filter(bank__slug=bank_slug)
    if topic_slug:
        questions = questions.filter(topic__slug=topic_slug)
    return questions.order_by("topic__position", "bank__slug", "position")

"""What the attempt pages show of a question, built from its snapshot. Pure.

`shown_question` holds only what a member may see while answering: texts, choices in their
shown order and what was saved, never which choice is right. `revealed_answer` holds the right
answers and explanations; views build it only when the assessment's policy allows. Texts come
as they are, and as the stored HTML the pages print (`…_html`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.text import Truncator

from studyapp.banks.format import QuestionSpec, cloze_deletions
from studyapp.banks.models import Question
from studyapp.banks.rendering import ChoiceHtml, QuestionHtml
from studyapp.core.markdown import html_text

from .answering import field_prefix

TYPE_LABELS = dict(Question.Type.choices)


@dataclass(frozen=True)
class ShownChoice:
    """A choice as shown: `value`, what the form sends, is its displayed position (never its
    place in the bank, which would tell who authored the right one first)."""

    value: int
    text: str
    is_chosen: bool
    text_html: str = ""


@dataclass(frozen=True)
class ShownItem:
    display_index: int
    text: str
    rank: int
    text_html: str = ""


@dataclass(frozen=True)
class ShownQuestion:
    position: int
    prefix: str
    type: str
    type_label: str
    topic_title: str
    prompt: str
    difficulty: int
    choices: tuple[ShownChoice, ...] = ()
    truth: str = ""
    text: str = ""
    manifest: str = ""
    k8s_version: str = ""
    items: tuple[ShownItem, ...] = ()
    cloze_values: tuple[str, ...] = ()
    is_answered: bool = False
    prompt_html: str = ""
    cloze_html: str = ""


@dataclass(frozen=True)
class RevealedChoice:
    text: str
    is_correct: bool
    is_chosen: bool
    why: str
    text_html: str = ""
    why_html: str = ""


@dataclass(frozen=True)
class RevealedAnswer:
    """A graded question with its right answer and explanation."""

    is_correct: bool | None
    feedback: tuple[str, ...]
    explanation: str
    choices: tuple[RevealedChoice, ...] = ()
    truth: bool | None = None
    given: str = ""
    accepted: tuple[str, ...] = ()
    right_order: tuple[str, ...] = ()
    given_order: tuple[str, ...] = ()
    cloze_given: tuple[str, ...] = ()
    solution: str = ""
    question_slug: str = ""
    topic_slug: str = ""
    score: float | None = None
    typo_tolerance: bool = True
    dash_underscore: bool = False
    is_regraded: bool = False
    explanation_html: str = ""
    right_order_html: tuple[str, ...] = ()
    given_order_html: tuple[str, ...] = ()

    @property
    def is_partly_right(self) -> bool:
        """Wrong, but with partial credit (a multi question's right picks count)."""
        return self.is_correct is False and bool(self.score)

    @property
    def percent(self) -> int:
        return round((self.score or 0.0) * 100)


def shown_question(
    *,
    spec: QuestionSpec,
    html: QuestionHtml,
    position: int,
    topic_title: str,
    choice_order: Sequence[int],
    item_order: Sequence[int],
    response: Sequence,
) -> ShownQuestion:
    """Return a question as the answering page shows it, with the saved answer filled in."""
    given = [str(value) for value in response]
    first = given[0] if given else ""
    common = {
        "position": position,
        "prefix": field_prefix(position),
        "type": spec.type,
        "type_label": TYPE_LABELS.get(spec.type, spec.type),
        "topic_title": topic_title,
        "prompt": spec.prompt,
        "prompt_html": html.prompt,
        "cloze_html": html.cloze,
        "difficulty": spec.difficulty,
        "is_answered": bool(response),
    }
    if spec.type in ("single", "multi"):
        order = list(choice_order) or list(range(len(spec.choices)))
        choices = tuple(
            ShownChoice(
                position, spec.choices[index].text, str(index) in given, _choice(html, index).text
            )
            for position, index in enumerate(order)
            if 0 <= index < len(spec.choices)
        )
        return ShownQuestion(**common, choices=choices)
    if spec.type == "truefalse":
        return ShownQuestion(**common, truth=first if first in ("true", "false") else "")
    if spec.type == "short":
        return ShownQuestion(**common, text=first)
    if spec.type == "yaml":
        manifest = first if response else spec.starter
        return ShownQuestion(**common, manifest=manifest, k8s_version=spec.k8s_version)
    if spec.type == "cloze":
        size = len(cloze_deletions(spec.prompt))
        values = tuple((given + [""] * size)[:size])
        return ShownQuestion(**common, cloze_values=values)
    if spec.type == "order":
        order = list(item_order) or list(range(len(spec.items)))
        saved = [int(value) for value in response if re.fullmatch(r"[0-9]{1,4}", str(value))]
        # As the member left them, if they were saved; else as first shown.
        arranged = saved if sorted(saved) == sorted(order) else order
        items = tuple(
            ShownItem(order.index(original), spec.items[original], rank, _item(html, original))
            for rank, original in enumerate(arranged, start=1)
        )
        return ShownQuestion(**common, items=items)
    return ShownQuestion(**common)


def revealed_answer(
    *,
    spec: QuestionSpec,
    html: QuestionHtml,
    choice_order: Sequence[int],
    response: Sequence,
    is_correct: bool | None,
    feedback: Sequence[str],
    question_slug: str = "",
    topic_slug: str = "",
    score: float | None = None,
    is_regraded: bool = False,
) -> RevealedAnswer:
    """Return a graded question's right answer, explanation and the member's answer."""
    given = [str(value) for value in response]
    common = {
        "is_correct": is_correct,
        "feedback": tuple(feedback),
        "explanation": spec.explanation,
        "explanation_html": html.explanation,
        "question_slug": question_slug,
        "topic_slug": topic_slug,
        "given": given[0] if given else "",
        "score": score,
        "typo_tolerance": spec.typo_tolerance,
        "dash_underscore": spec.dash_underscore,
        "is_regraded": is_regraded,
    }
    if spec.type in ("single", "multi"):
        order = list(choice_order) or list(range(len(spec.choices)))
        choices = tuple(
            RevealedChoice(
                spec.choices[index].text,
                spec.choices[index].is_correct,
                str(index) in given,
                spec.choices[index].why,
                _choice(html, index).text,
                _choice(html, index).why,
            )
            for index in order
            if 0 <= index < len(spec.choices)
        )
        return RevealedAnswer(**common, choices=choices)
    if spec.type == "truefalse":
        return RevealedAnswer(**common, truth=spec.truth)
    if spec.type == "short":
        return RevealedAnswer(**common, accepted=spec.answers)
    if spec.type == "order":
        given_indexes = [
            int(value)
            for value in given
            if re.fullmatch(r"[0-9]{1,4}", str(value)) and int(value) < len(spec.items)
        ]
        return RevealedAnswer(
            **common,
            right_order=spec.items,
            given_order=tuple(spec.items[index] for index in given_indexes),
            right_order_html=tuple(_item(html, index) for index in range(len(spec.items))),
            given_order_html=tuple(_item(html, index) for index in given_indexes),
        )
    if spec.type == "cloze":
        return RevealedAnswer(**common, cloze_given=tuple(given))
    if spec.type == "yaml":
        return RevealedAnswer(**common, solution=spec.solution)
    return RevealedAnswer(**common)


def _choice(html: QuestionHtml, index: int) -> ChoiceHtml:
    return html.choices[index] if index < len(html.choices) else ChoiceHtml()


def _item(html: QuestionHtml, index: int) -> str:
    return html.items[index] if index < len(html.items) else ""


def item_label(item: object) -> str:
    """Return one line naming an assessment item: its question's prompt, or its draw."""
    if item.question_id:
        return Truncator(html_text(item.question.prompt_excerpt_html)).chars(80)
    level = f", level {item.difficulty}" if item.difficulty else ""
    return f"{item.count} random from {item.topic.title}{level}"

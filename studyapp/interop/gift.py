"""Questions in Moodle's GIFT format: single, multi, true/false and short; others are skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from studyapp.banks.models import Question
from studyapp.banks.shuffling import export_order

GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")
SUPPORTED = ("single", "multi", "truefalse", "short")


def escape(text: str) -> str:
    """Escape GIFT's special characters and keep the text on lines GIFT reads as one question."""
    text = GIFT_SPECIAL.sub(r"\\\1", str(text).strip())
    # A blank line ends a question in GIFT: keep paragraphs apart with a line break instead.
    return re.sub(r"\n\s*\n", "\n<br>\n", text)


def _weight(count: int) -> str:
    value = 100 / count
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _shuffled(question: Question) -> list:
    """Return the choices in a stable shuffled order (the right one is not always first)."""
    choices = list(question.choices.all())
    return [choices[i] for i in export_order(question.slug, [c.text for c in choices])]


@dataclass
class GiftExport:
    text: str
    exported: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def question_to_gift(question: Question) -> str | None:
    """Return one question in GIFT, or None when GIFT cannot hold it."""
    head = f"// {question.topic.slug}, level {question.difficulty}\n"
    head += f"::{escape(question.slug)}::[markdown]{escape(question.prompt)}"
    feedback = f"####{escape(question.explanation)}"
    choices = _shuffled(question)
    if question.type == "single":
        lines = [
            f"{'=' if c.is_correct else '~'}{escape(c.text)}"
            + (f"#{escape(c.why)}" if c.why else "")
            for c in choices
        ]
    elif question.type == "multi":
        # The app's rule, which is Moodle's: each right choice +1/k, each wrong one -1/k.
        right = sum(c.is_correct for c in choices) or 1
        lines = [
            f"~%{'' if c.is_correct else '-'}{_weight(right)}%{escape(c.text)}"
            + (f"#{escape(c.why)}" if c.why else "")
            for c in choices
        ]
    elif question.type == "truefalse":
        lines = ["TRUE" if question.truth else "FALSE"]
    elif question.type == "short":
        if not question.answers:
            return None
        lines = [f"={escape(answer)}" for answer in question.answers]
    else:
        return None
    body = "\n".join(f"\t{line}" for line in lines)
    return f"{head} {{\n{body}\n\t{feedback}\n}}\n"


def export_gift(questions: Iterable[Question]) -> GiftExport:
    """Return the questions as one GIFT text, with what was skipped and why."""
    result = GiftExport(text="")
    parts = []
    for question in questions:
        if question.type not in SUPPORTED:
            result.skipped.append((question.slug, f"GIFT has no '{question.type}' questions"))
            continue
        gift = question_to_gift(question)
        if gift is None:
            result.skipped.append((question.slug, "a short answer given only as a pattern"))
            continue
        parts.append(gift)
        result.exported += 1
    if result.skipped:
        parts.insert(0, skipped_notice(result.exported, result.skipped))
    result.text = "\n".join(parts)
    return result


def skipped_notice(exported: int, skipped: list[tuple[str, str]]) -> str:
    """Return GIFT comment lines saying which questions were left out and why."""
    left_out = len(skipped)
    lines = [
        f"// Kubeprep: {exported} question{pluralize(exported)} in this file; "
        f"{left_out} left out because GIFT cannot hold {'it' if left_out == 1 else 'them'} "
        "(practise those in Kubeprep, or in the Anki deck):"
    ]
    lines += [f"//   {slug}: {reason}" for slug, reason in skipped]
    return "\n".join(lines) + "\n"


def pluralize(count: int) -> str:
    return "" if count == 1 else "s"

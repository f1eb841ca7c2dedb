"""A content check: a bank whose right answers sit in one choice position far more often than
chance. Pure. A warning, not an error: study and the exports shuffle choices anyway, but a file
that always puts the right answer first says so to anyone who reads or exports it unshuffled.
"""

from __future__ import annotations

import math

from .format import BankError, BankSpec

# Standard deviations above the count chance gives: with this bar a bank written in a random
# order is flagged about once in 4,000 positions, and 5 of 5 questions right-first already is.
Z_LIMIT = 3.5
MIN_RATIO = 1.5
MIN_QUESTIONS = 5


def answer_position_warnings(bank: BankSpec) -> list[BankError]:
    """Return a warning for each choice position holding right answers far more often than
    chance would: under a random order, position p of a question with k right choices out of n
    is right with probability k/n."""
    questions = [q for q in bank.questions if q.type in ("single", "multi") and q.choices]
    if len(questions) < MIN_QUESTIONS:
        return []
    warnings = []
    for position in range(max(len(q.choices) for q in questions)):
        having = [q for q in questions if position < len(q.choices)]
        chances = [sum(c.is_correct for c in q.choices) / len(q.choices) for q in having]
        observed = sum(q.choices[position].is_correct for q in having)
        expected = sum(chances)
        spread = math.sqrt(sum(p * (1 - p) for p in chances))
        if not spread or expected <= 0:
            continue
        if observed >= MIN_RATIO * expected and (observed - expected) / spread >= Z_LIMIT:
            warnings.append(
                BankError(
                    bank.path,
                    bank.line,
                    f"warning: choice {position + 1} is a right answer in {observed} of the "
                    f"{len(having)} choice questions of bank '{bank.slug}' (about "
                    f"{expected:.0f} by chance); vary the order the choices are written in "
                    "(`manage.py reorderchoices` does it)",
                )
            )
    return warnings

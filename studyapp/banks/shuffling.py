"""Orders of choices that depend only on a question's id and its choices' texts. Pure.

The same question always gets the same order, whatever order its choices were written in: the
content tool that varies the authoring order and the exports (Anki, GIFT) can be run again and
change nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def hashed_order(key: str, texts: Sequence[str]) -> list[int]:
    """Return the indexes of `texts` ordered by a hash of the key and each text."""

    def rank(index: int) -> tuple[str, int]:
        digest = hashlib.sha256(f"{key}\0{texts[index].strip()}".encode()).hexdigest()
        return digest, index

    return sorted(range(len(texts)), key=rank)


def export_order(question_id: str, texts: Sequence[str]) -> list[int]:
    """Return the order an export lists a question's choices in (stable across re-exports)."""
    return hashed_order(f"export:{question_id}", texts)

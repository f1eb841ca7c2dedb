"""Anki's own backend doing what one review of bench/review_loop.py does: next card, answer.

A temporary collection with 2,000 Basic notes in one deck (FSRS on, daily limits out of the way);
each review is `col.sched.get_queued_cards()` then `col.sched.answer_card(...)` rated Good, in
process, as Anki's desktop app does between two cards.

Anki commits each answer with SQLite's `synchronous=FULL` (WAL): an fsync per review, whose cost
is the disk's, not Anki's. `synchronous="normal"` measures it as the app's SQLite runs (WAL,
`synchronous=NORMAL`: no fsync at a commit), the like-for-like comparison.
"""

from __future__ import annotations

import cProfile
import shutil
import tempfile
import time
from pathlib import Path

# anki.collection first: importing anki.cards on its own is a circular import.
from anki.collection import Card, Collection
from anki.scheduler.v3 import CardAnswer
from profile_summary import top_cumulative

NOTES = 2000


class AnkiLoop:
    """A collection of NOTES new cards, and a review: the next queued card, answered Good."""

    def __init__(self, notes: int = NOTES, synchronous: str = "") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="review-loop-anki-"))
        self.notes = notes
        self.synchronous = synchronous  # empty: Anki's own setting
        self.col: Collection | None = None
        self.fresh_collection()

    def fresh_collection(self) -> None:
        """Start again from a new collection holding `notes` new cards (each round does)."""
        if self.col is not None:
            self.col.close()
        path = self.folder / f"collection-{time.monotonic_ns()}.anki2"
        col = Collection(str(path))
        col.set_config("fsrs", True)  # the app schedules with FSRS too
        deck_id = col.decks.id("Bench")
        config = col.decks.config_dict_for_deck_id(deck_id)
        config["new"]["perDay"] = 9999
        config["rev"]["perDay"] = 9999
        col.decks.update_config(config)
        model = col.models.by_name("Basic")
        for number in range(self.notes):
            note = col.new_note(model)
            note["Front"] = f"Question {number}"
            note["Back"] = f"Answer {number}"
            col.add_note(note, deck_id)
        col.decks.select(deck_id)
        if self.synchronous:
            col.db.execute(f"PRAGMA synchronous = {self.synchronous}")
        self.col = col

    def review(self) -> None:
        """Study the next card: fetch it with its scheduling states, answer it Good."""
        col = self.col
        queued = col.sched.get_queued_cards()
        top = queued.cards[0]
        card = Card(col, backend_card=top.card)
        card.start_timer()
        answer = col.sched.build_answer(card=card, states=top.states, rating=CardAnswer.GOOD)
        col.sched.answer_card(answer)

    def timed_round(self, reviews: int, warmup: int) -> tuple[list[float], list[float]]:
        """Return the seconds of each of `reviews` reviews after `warmup` untimed ones, on a
        fresh collection: on the clock, and in CPU time (this process, every thread)."""
        self.fresh_collection()
        for _ in range(warmup):
            self.review()
        times, cpu = [], []
        for _ in range(reviews):
            started, cpu_started = time.perf_counter(), time.process_time()
            self.review()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        return times, cpu

    def profile(self, reviews: int) -> list[dict]:
        """Return the top cumulative functions of `reviews` reviews on a fresh collection."""
        self.fresh_collection()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(reviews):
            self.review()
        profile.disable()
        return top_cumulative(profile, reviews, limit=12, skip=("review_loop_anki.py",))

    def pragmas(self) -> str:
        """Return the collection's journal mode and synchronous setting, as SQLite reports them."""
        journal = self.col.db.scalar("PRAGMA journal_mode")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
            self.col.db.scalar("PRAGMA synchronous"), "?"
        )
        return f"journal_mode={journal}, synchronous={synchronous}"

    def close(self) -> None:
        if self.col is not None:
            self.col.close()
            self.col = None
        shutil.rmtree(self.folder, ignore_errors=True)

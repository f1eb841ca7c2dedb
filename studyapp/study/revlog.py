"""The review log in the FSRS optimizer's CSV layout."""

from __future__ import annotations

from collections.abc import Iterator

from .models import ReviewLog

REVLOG_COLUMNS = ("card_id", "review_time", "review_rating", "review_state", "review_duration")


def revlog_rows(user: object) -> Iterator[tuple]:
    """Yield the header, then one row per review: card id, epoch ms, rating, state, ms taken."""
    yield REVLOG_COLUMNS
    reviews = (
        ReviewLog.objects.for_user(user)
        .order_by("reviewed_at", "pk")
        .values_list("card_id", "reviewed_at", "rating", "state_before", "duration_ms")
    )
    for card_id, reviewed_at, rating, state, duration in reviews.iterator(chunk_size=2000):
        yield (card_id, int(reviewed_at.timestamp() * 1000), rating, state, duration)

"""In the browser: the interval a rating button shows is the one the card gets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from studyapp.study.models import CardState, ReviewLog
from tests.e2e.conftest import log_in
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = {"m": 60, "h": 3600, "d": 86400, "mo": 30 * 86400, "y": 365 * 86400}


def shown_seconds(label: str) -> tuple[float, float]:
    """Return the interval a button label says ("10m", "12d", "2mo", "1.5y") and how far the
    rounding of the label may put it from the exact interval, both in seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d)?)(mo|m|h|d|y)", label)
    assert match, f"not an interval: {label!r}"
    value, unit = float(match.group(1)), match.group(2)
    rounding = SECONDS[unit] * (0.05 if unit == "y" else 0.5)
    return value * SECONDS[unit], rounding


def test_each_rating_buttons_interval_is_the_one_the_card_gets(page, live_server, learner):
    """Four review cards due, each a day after its stability: three answered right (rated
    Hard, Good, Easy), one wrong (Again). Each time the label of the button pressed is
    read, and the card's next due date is checked against it."""
    now = timezone.now()
    cards = [(10, True, "2"), (20, True, "3"), (40, True, "4"), (15, False, "1")]
    for order, (days, truth, _) in enumerate(cards):
        CardState.objects.create(
            user=learner,
            question=QuestionFactory(prompt=f"Statement {days}.", truth=truth),
            state=CardState.State.REVIEW,
            stability=days,
            difficulty=5.0,
            due=now - timedelta(days=len(cards) - order),  # the order they come in
            last_review=now - timedelta(days=days + len(cards) - order),
            reps=4,
        )
    log_in(page, live_server, "learner", "learner-pass-1")
    page.goto(f"{live_server.url}/study/")
    pressed = {}
    for _, _, rating in cards:
        page.locator("#question-form input[value=true]").check()
        page.locator("#submit-button").click()
        button = page.locator(f'#rating-form button[data-rating="{rating}"]')
        button.wait_for()
        expected = ["1"] if rating == "1" else ["2", "3", "4"]
        shown = page.locator("#rating-form button[data-rating]").evaluate_all(
            "buttons => buttons.map(b => b.dataset.rating)"
        )
        assert shown == expected
        label = button.locator(".interval").inner_text()
        count = ReviewLog.objects.count()
        button.click()
        page.wait_for_function("() => !document.querySelector('#rating-form')", timeout=10_000)
        assert ReviewLog.objects.count() == count + 1
        review = ReviewLog.objects.select_related("card", "answer").latest("pk")
        assert str(review.rating) == rating
        # The label is the interval from the moment the buttons were worked out (the answer).
        interval = (review.card.due - review.answer.created_at).total_seconds()
        seconds, rounding = shown_seconds(label)
        assert abs(interval - seconds) <= rounding + 1, (rating, label, interval)
        pressed[rating] = label
    assert pressed["1"].endswith("m") and pressed["3"].endswith(("d", "mo"))
    assert len(set(pressed.values())) == 4, pressed

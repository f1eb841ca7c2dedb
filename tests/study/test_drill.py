"""Interview drill: key points become the FSRS rating; the summary names the weak topics."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from studyapp.banks.models import Question
from studyapp.study import drill, scheduling
from studyapp.study.models import Answer, CardState, ReviewLog
from tests.factories import UserFactory

AGAIN, HARD, GOOD, EASY = scheduling.AGAIN, scheduling.HARD, scheduling.GOOD, scheduling.EASY


@pytest.mark.parametrize(
    ("covered", "points", "seconds", "rating"),
    [
        (0, 4, 10, AGAIN), (1, 4, 10, AGAIN), (2, 4, 10, HARD), (3, 4, 10, HARD),
        (4, 4, 200, GOOD), (4, 4, 80, EASY), (4, 4, 81, GOOD), (1, 1, 30, EASY),
        (1, 1, 31, GOOD), (0, 1, 5, AGAIN), (9, 4, 10, EASY), (0, 0, 1, AGAIN),
    ],
)  # fmt: skip
def test_rating_from_key_points(covered, points, seconds, rating):
    assert drill.rating_for(covered, points, seconds * 1000) == rating


def test_weak_topics_weakest_first():
    results = [
        drill.DrillResult(1, "dns", 1, 4, 0, AGAIN), drill.DrillResult(2, "dns", 2, 4, 0, HARD),
        drill.DrillResult(3, "ingress", 4, 4, 0, GOOD), drill.DrillResult(4, "cni", 2, 4, 0, HARD),
    ]  # fmt: skip
    assert drill.weak_topics(results) == [("dns", 0.375), ("cni", 0.5)]


@pytest.mark.django_db
def test_a_whole_drill_through_the_pages(client, example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    client.force_login(UserFactory(username="candidate"))
    setup = client.get("/study/drill/").content.decode()
    assert "Start the drill" in setup
    client.post("/study/drill/start/", {"topic": ["service-types"], "count": "10"})
    seen = []
    for _ in range(2):  # the example has one interview flashcard and one short question
        page = client.get("/study/drill/").content.decode()
        assert "Reveal the model answer" in page
        assert "Pods come and go" not in page and "spec.ports.nodePort" not in page  # no leak
        shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
        is_flashcard = "Explain why a Deployment" in page
        seen.append("flashcard" if is_flashcard else "short")
        client.post("/study/drill/reveal/", {"shown": shown, "text": "nodePort"})
        client.post("/study/drill/reveal/", {"shown": shown, "text": "again"})  # double click
        reveal = client.get("/study/drill/").content.decode()
        answer = re.search(r'name="answer" value="(\d+)"', reveal).group(1)
        if is_flashcard:
            assert "Pods come and go" in reveal and reveal.count('name="point"') == 4
            points = ["0"]  # one of four key points: Again
        else:
            assert 'name="point" value="0" checked' in reveal  # the typed answer was right
            points = ["0"]
        client.post("/study/drill/rate/", {"answer": answer, "point": points})
        client.post("/study/drill/rate/", {"answer": answer, "point": points})  # resent
    assert sorted(seen) == ["flashcard", "short"]
    ratings = dict(ReviewLog.objects.values_list("card__question__type", "rating"))
    assert ReviewLog.objects.count() == 2
    assert ratings["flashcard"] == AGAIN
    assert ratings["short"] in (GOOD, EASY)
    summary = client.get("/study/drill/").content.decode()
    assert "Summary" in summary and "Weak topics" in summary and "Service types" in summary
    assert CardState.objects.count() == 2
    client.post("/study/drill/stop/", {"restart": "1"})
    assert "Start the drill" in client.get("/study/drill/").content.decode()


@pytest.mark.django_db
def test_drill_needs_a_topic_with_interview_questions(client):
    client.force_login(UserFactory(username="candidate"))
    response = client.post("/study/drill/start/", {"count": "5"}, follow=True)
    assert "Choose at least one topic" in response.content.decode()
    assert client.post("/study/drill/start/", {"count": "many"}).status_code == 400


def drill_the_short_question(client, typed: str) -> str:
    """Drill the example's short question alone, typing `typed`; return the reveal page."""
    client.post("/study/drill/start/", {"topic": ["service-types"], "count": "5"})
    page = client.get("/study/drill/").content.decode()
    assert "Which field of a Service port fixes the node port?" in page
    shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
    client.post("/study/drill/reveal/", {"shown": shown, "text": typed})
    reveal = client.get("/study/drill/").content.decode()
    assert 'id="rating-form"' in reveal, "the drill did not keep the answer for the learner"
    return reveal


@pytest.mark.django_db
def test_drill_answers_are_judged_by_the_learner_not_graded(client, example_content):
    """Said aloud (nothing typed) or typed in other words: the learner's ticks set the rating."""
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    Question.objects.exclude(slug="example-nodeport-field").update(is_retired=True)
    client.force_login(UserFactory(username="candidate"))
    for typed in ["", "the port on every node"]:
        reveal = drill_the_short_question(client, typed)
        assert 'name="point" value="0" checked' not in reveal  # nothing the bank accepts
        answer = re.search(r'name="answer" value="(\d+)"', reveal).group(1)
        client.post("/study/drill/rate/", {"answer": answer, "point": ["0"]})  # "said this"
        assert "Summary" in client.get("/study/drill/").content.decode()
        client.post("/study/drill/stop/", {"restart": "1"})
    answers = Answer.objects.order_by("pk")
    assert [(a.response, a.is_correct) for a in answers] == [
        ([""], None),
        (["the port on every node"], None),
    ]
    # One key point, covered within 30 s: Easy, both times.
    assert list(ReviewLog.objects.order_by("pk").values_list("rating", flat=True)) == [EASY, EASY]


@pytest.mark.django_db
def test_drill_keeps_the_first_5000_characters_typed(client, example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    Question.objects.exclude(slug="example-nodeport-field").update(is_retired=True)
    client.force_login(UserFactory(username="candidate"))
    drill_the_short_question(client, "z" * 60_000)
    assert [len(text) for text in Answer.objects.get().response] == [5000]


@pytest.mark.django_db
def test_a_buried_card_failed_in_the_drill_comes_back_today(client, example_content):
    """Buried in the queue, then drilled and missed: the rating unburies it, so its learning
    step brings it back in minutes, not tomorrow."""
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    Question.objects.exclude(slug="example-nodeport-field").update(is_retired=True)
    client.force_login(UserFactory(username="candidate"))
    with time_machine.travel(datetime(2026, 5, 4, 10, 0, tzinfo=UTC)):
        client.post("/study/cards/example-nodeport-field/bury/")
        assert "All done for now" in client.get("/study/").content.decode()
        reveal = drill_the_short_question(client, "")
        answer = re.search(r'name="answer" value="(\d+)"', reveal).group(1)
        client.post("/study/drill/rate/", {"answer": answer})  # no key point covered: Again
    card = CardState.objects.get()
    assert card.due < datetime(2026, 5, 4, 10, 15, tzinfo=UTC)
    with time_machine.travel(card.due + timedelta(seconds=1)):
        page = client.get("/study/").content.decode()
    assert "Which field of a Service port fixes the node port?" in page

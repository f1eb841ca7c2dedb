"""Topic study in the schedule: "Add to my reviews", new cards mixed across topics (or topic by
topic), a daily cap, and a done screen that counts every answer of the day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from studyapp.banks.loading import renumber_study_order, study_orders
from studyapp.study import scheduling, selectors, services
from studyapp.study.models import CardState, ReviewLog, StudySettings
from tests.factories import BankFactory, QuestionFactory, TopicFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def topics():
    """Three topics of three questions, numbered as a load numbers them."""
    made = {}
    for position, slug in enumerate(("alpha", "beta", "gamma")):
        topic = TopicFactory(slug=slug, title=slug.title(), position=position)
        bank = BankFactory(slug=f"{slug}-bank", topic=topic)
        for number in range(3):
            QuestionFactory(slug=f"{slug}-{number}", bank=bank, topic=topic, position=number)
        made[slug] = topic
    renumber_study_order()
    return made


def take_new_cards(user, count: int, now=NOW) -> list[str]:
    """Answer (Good) the next `count` new cards the queue offers; return their slugs."""
    seen = []
    for _ in range(count):
        settings = selectors.study_settings(user)
        question, card = selectors.next_card(user, settings, now)
        if question is None:
            break
        seen.append(question.slug)
        answer = services.submit_answer(user=user, settings=settings, question=question,
                                        card_version=card.version if card else 0,
                                        response=["true"], duration_ms=1000, now=now)  # fmt: skip
        services.rate_answer(user=user, settings=settings, answer_id=answer.pk,
                             rating=scheduling.EASY, now=now)  # fmt: skip
    return seen


def test_study_orders_number_topic_by_topic_and_mixed():
    rows = [(1, 10, 0), (2, 10, 0), (3, 10, 0), (4, 20, 1), (5, 30, 2), (6, 30, 2)]
    numbers = study_orders(rows)
    assert [numbers[pk][0] for pk in range(1, 7)] == [1, 2, 3, 4, 5, 6]
    mixed = sorted(numbers, key=lambda pk: numbers[pk][1])
    assert mixed == [1, 4, 5, 2, 6, 3]


def test_new_cards_are_mixed_across_topics_by_default(user, topics):
    assert take_new_cards(user, 5) == ["alpha-0", "beta-0", "gamma-0", "alpha-1", "beta-1"]


def test_new_cards_topic_by_topic_when_the_learner_says_so(user, topics):
    StudySettings.objects.create(user=user, new_card_order=StudySettings.NewCardOrder.TOPIC)
    assert take_new_cards(user, 4) == ["alpha-0", "alpha-1", "alpha-2", "beta-0"]


def test_mixed_across_the_chosen_topics_only(user, topics):
    settings = StudySettings.objects.create(user=user)
    settings.topics.set([topics["alpha"], topics["gamma"]])
    assert take_new_cards(user, 4) == ["alpha-0", "gamma-0", "alpha-1", "gamma-1"]


def test_an_added_topic_comes_first_within_the_daily_cap(user, topics):
    StudySettings.objects.create(user=user, new_per_day=4)
    assert services.add_topic_to_reviews(user=user, topic=topics["gamma"]) is True
    assert services.add_topic_to_reviews(user=user, topic=topics["gamma"]) is False  # twice
    assert take_new_cards(user, 10) == ["gamma-0", "gamma-1", "gamma-2", "alpha-0"]  # cap: 4
    assert take_new_cards(user, 10, now=NOW + timedelta(days=1)) == [
        "beta-0", "alpha-1", "beta-1", "alpha-2",
    ]  # fmt: skip


def test_an_added_topic_is_studied_outside_the_chosen_topics(user, topics):
    settings = StudySettings.objects.create(user=user)
    settings.topics.set([topics["alpha"]])
    services.add_topic_to_reviews(user=user, topic=topics["beta"])
    assert take_new_cards(user, 9) == ["beta-0", "beta-1", "beta-2", "alpha-0", "alpha-1",
                                       "alpha-2"]  # fmt: skip
    # Its cards keep coming back when due, like any other.
    later = NOW + timedelta(days=400)
    question, card = selectors.next_card(user, selectors.study_settings(user), later)
    assert card is not None and question.topic.slug in ("alpha", "beta")
    due_topics = set(
        CardState.objects.filter(user=user, due__lte=later).values_list(
            "question__topic__slug", flat=True
        )
    )
    assert due_topics == {"alpha", "beta"}
    counts = selectors.queue_counts(user, selectors.study_settings(user), later)
    assert counts.review == 6
    assert services.remove_topic_from_reviews(user=user, topic=topics["beta"])
    counts = selectors.queue_counts(user, selectors.study_settings(user), later)
    assert counts.review == 3  # back to the chosen topics only


def test_add_to_my_reviews_from_the_topic_page(client, user, topics):
    client.force_login(user)
    page = client.get("/topics/beta/").content.decode()
    assert 'action="/study/topics/beta/add/"' in page and "Add to my reviews" in page
    assert "/study/practice/?topic=beta" in page
    response = client.post("/study/topics/beta/add/", {"next": "/topics/beta/"})
    assert response["Location"] == "/topics/beta/"
    page = client.get("/topics/beta/").content.decode()
    assert ("Beta is in your reviews: its 3 new cards come first in your queue, up to 20 new "
            "cards a day") in page  # fmt: skip
    study = client.get("/study/").content.decode()
    assert "beta-0" in study or "Beta" in study
    again = client.post("/study/topics/beta/add/", {"next": "https://evil.example/"})
    assert again["Location"] == "/topics/beta/"
    assert "Beta is already in your reviews." in client.get("/topics/beta/").content.decode()
    assert list(selectors.study_settings(user).added_topics.all()) == [topics["beta"]]


def test_add_to_my_reviews_says_when_the_daily_limit_is_zero(client, user, topics):
    StudySettings.objects.create(user=user, new_per_day=0)
    client.force_login(user)
    client.post("/study/topics/alpha/add/")
    page = client.get("/topics/alpha/").content.decode()
    assert "your daily limit of new cards is 0" in page


def test_add_topic_forbidden_and_bad_cases(client, user, topics):
    assert "/accounts/login/" in client.post("/study/topics/alpha/add/")["Location"]
    client.force_login(user)
    assert client.get("/study/topics/alpha/add/").status_code == 405
    assert client.post("/study/topics/nope/add/").status_code == 404
    assert not StudySettings.added_topics.through.objects.exists()


def test_settings_list_added_topics_and_the_new_card_order(client, user, topics):
    client.force_login(user)
    client.post("/study/topics/alpha/add/")
    html = client.get("/study/settings/").content.decode()
    assert "Topics added to your reviews" in html and "Mixed across topics" in html
    response = client.post("/study/settings/", {
        "desired_retention": "0.9", "new_per_day": "20", "reviews_per_day": "200",
        "leech_threshold": "8", "time_zone": "UTC", "new_card_order": "topic",
        "added_topics": [topics["gamma"].pk],
    })  # fmt: skip
    assert response.status_code == 302
    settings = selectors.study_settings(user)
    assert settings.new_card_order == "topic"
    assert list(settings.added_topics.all()) == [topics["gamma"]]


def test_the_done_screen_counts_every_answer_of_the_day(client, user, topics):
    StudySettings.objects.create(user=user, new_per_day=2)
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        for _ in range(6):  # two new cards, then their learning steps as they come due
            html = client.get("/study/").content.decode()
            if "All done for now" in html:
                break
            fields = {name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1)
                      for name in ("question", "version", "shown")}  # fmt: skip
            response = client.post("/study/answer/", {**fields, "truth": "true"})
            client.post(response["Location"] + "rate/", {"rating": "3"})
            CardState.objects.filter(user=user, state=1).update(due=NOW)  # steps due at once
        done = client.get("/study/").content.decode()
    answers = ReviewLog.objects.filter(user=user).count()
    assert answers > 2  # learning steps count too
    assert "All done for now" in done
    assert (
        f"Today you answered {answers} cards: 2 new, 0 reviews and {answers - 2} learning" in done
    )
    assert 'id="undo-button"' in done


def test_adding_a_topic_says_when_today_s_new_cards_are_used_up(client, user, topics):
    StudySettings.objects.create(user=user, new_per_day=2)
    take_new_cards(user, 2, now=timezone.now())
    client.force_login(user)
    client.post("/study/topics/gamma/add/")
    page = client.get("/topics/gamma/").content.decode()
    assert "its 3 new cards come first" in page  # alpha-0 and beta-0 were started today
    assert "You have started today&#x27;s 2 already: they begin tomorrow" in page

"""The card counts the progress page reads (per topic, per due slot), kept by database triggers:
after any sequence of writes, through every path that changes cards or questions, they equal
the counts made from scratch, and the page's figures equal those read from the cards."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from studyapp.banks.models import Question, Topic
from studyapp.progress import selectors as progress
from studyapp.study import card_counts, scheduling, selectors, services
from studyapp.study.models import CardState, DueCardCount, ReviewLog, TopicCardCount
from tests.factories import BankFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def counts_from_cards() -> tuple[dict, dict]:
    """Return the counts per (user, topic) and per (user, slot), made from every card."""
    topics: dict = {}
    due: Counter = Counter()
    for card in CardState.objects.select_related("question"):
        if card.question.is_retired or card.state == scheduling.NEW:
            continue
        row = topics.setdefault((card.user_id, card.question.topic_id), [0, 0, 0])
        row[0] += card.state in (scheduling.LEARNING, scheduling.RELEARNING)
        row[1] += card.state == scheduling.REVIEW
        row[2] += card.state == scheduling.REVIEW and card.stability >= card_counts.MATURE_DAYS
        if not card.is_suspended:
            due[(card.user_id, card_counts.slot_of(card.due))] += 1
    return {key: tuple(row) for key, row in topics.items() if any(row)}, dict(due)


def maintained_counts() -> tuple[dict, dict]:
    rows = TopicCardCount.objects.values_list(
        "user_id", "topic_id", "learning", "review", "stable_review"
    )
    assert all(min(row[2:]) >= 0 for row in rows), rows
    topics = {(u, t): (a, b, c) for u, t, a, b, c in rows if (a, b, c) != (0, 0, 0)}
    due = dict(
        ((u, s), n) for u, s, n in DueCardCount.objects.values_list("user_id", "slot", "cards")
    )
    assert all(n > 0 for n in due.values()), due  # a slot left without cards is deleted
    return topics, due


def mastery_from_cards(user, settings, now) -> list[tuple]:
    """The mastery per topic as the page computed it before the counts: from every card."""
    failed_today = ReviewLog.objects.filter(
        user=user,
        rating=scheduling.AGAIN,
        reviewed_at__gte=scheduling.day_start(now, settings.time_zone),
    ).values("card_id")
    in_review = Q(state=scheduling.REVIEW)
    mature = in_review & Q(stability__gte=card_counts.MATURE_DAYS) & ~Q(pk__in=failed_today)
    counts = {
        row["question__topic"]: row
        for row in CardState.objects.filter(user=user, question__is_retired=False)
        .order_by()
        .values("question__topic")
        .annotate(
            learning=Count("pk", filter=Q(state__in=[1, 3])),
            review=Count("pk", filter=in_review),
            mature=Count("pk", filter=mature),
        )
    }
    rows = []
    for topic in Topic.objects.with_question_counts():
        if not topic.question_count:
            continue
        row = counts.get(topic.pk, {"learning": 0, "review": 0, "mature": 0})
        new = max(0, topic.question_count - row["learning"] - row["review"])
        young = row["review"] - row["mature"]
        rows.append((topic.pk, topic.question_count, new, row["learning"], young, row["mature"]))
    return sorted(rows)


def forecast_from_cards(user, settings, now, days=30) -> list[tuple]:
    zone = ZoneInfo(settings.time_zone)
    today = scheduling.study_day(now, settings.time_zone)
    counts = {today + timedelta(days=i): 0 for i in range(days)}
    for card in CardState.objects.filter(
        user=user, question__is_retired=False, is_suspended=False
    ).exclude(state=scheduling.NEW):
        day = max((card.due - progress.DAY_OFFSET).astimezone(zone).date(), today)
        if day in counts:
            counts[day] += 1
    return sorted(counts.items())


def due_today_from_cards(user, settings, now) -> int:
    return (
        CardState.objects.filter(
            user=user,
            question__in=selectors.questions_in_scope(settings),
            is_suspended=False,
            due__lt=scheduling.next_day_start(now, settings.time_zone),
        )
        .exclude(state=scheduling.NEW)
        .exclude(buried_until__gt=now)
        .count()
    )


class World:
    """Learners, topics and questions, and every write the app (or an operator) makes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = START
        self.topics = [TopicFactory() for _ in range(3)]
        restricted = BankFactory(topic=self.topics[0], is_restricted=True)
        self.questions = [
            QuestionFactory(topic=topic, bank__topic=topic, position=i)
            for i, topic in enumerate(self.topics * 4)
        ] + [QuestionFactory(topic=self.topics[0], bank=restricted, position=99)]
        self.users = [UserFactory() for _ in range(2)]
        zones = ["UTC", "Asia/Kolkata"]
        for user, zone in zip(self.users, zones, strict=True):
            settings = selectors.study_settings(user)
            settings.time_zone = zone
            settings.save()

    def settings(self, user):
        return selectors.study_settings(user)

    def question(self) -> Question:
        return Question.objects.get(pk=self.rng.choice(self.questions).pk)

    def rate(self, user) -> None:
        settings = self.settings(user)
        question, card = selectors.next_card(user, settings, self.now)
        if question is None or self.rng.random() < 0.3:  # any card, due or not
            question = self.question()
            if question.is_retired or question.bank.is_restricted:
                return
            card = CardState.objects.filter(user=user, question=question).first()
            if card is not None and card.is_suspended:
                return
        correct = self.rng.random() < 0.8
        answer = services.submit_answer(
            user=user,
            settings=settings,
            question=question,
            card_version=card.version if card else 0,
            response=["true" if correct == question.truth else "false"],
            duration_ms=1000,
            now=self.now,
        )
        rating = self.rng.choice(answer.ratings)
        services.rate_answer(
            user=user, settings=settings, answer_id=answer.pk, rating=rating, now=self.now
        )

    def step(self) -> str:
        rng, user = self.rng, self.rng.choice(self.users)
        kind = rng.choice(
            ["rate"] * 8
            + ["undo", "suspend", "unsuspend", "bury", "queue", "queue_restricted", "mature"]
            + ["retire", "unretire", "move", "move_bulk", "delete_card", "time", "time"]
            + ["delete_user"]
        )
        if kind == "rate":
            self.rate(user)
        elif kind == "undo":
            services.undo_last_review(user=user)
        elif kind in ("suspend", "unsuspend"):
            services.set_suspended(
                user=user, question=self.question(), suspended=kind == "suspend", now=self.now
            )
        elif kind == "bury":
            services.bury(
                user=user, settings=self.settings(user), question=self.question(), now=self.now
            )
        elif kind in ("queue", "queue_restricted"):
            ids = [q.pk for q in rng.sample(self.questions, 3)]
            services.queue_now(
                user_id=user.pk,
                question_ids=ids,
                now=self.now,
                due=self.now + timedelta(hours=rng.randint(0, 72)),
                include_restricted=kind == "queue_restricted",
            )
        elif kind == "mature":  # a bulk update, as an import or an operator's SQL would
            CardState.objects.filter(user=user, state=scheduling.REVIEW).update(
                stability=F("stability") * rng.choice([0.5, 2, 4])
            )
        elif kind in ("retire", "unretire"):  # loadbanks retires in bulk
            Question.objects.filter(pk=self.question().pk).update(is_retired=kind == "retire")
        elif kind == "move":  # the admin's save
            question = self.question()
            question.topic = rng.choice(self.topics)
            question.save()
        elif kind == "move_bulk":
            ids = [q.pk for q in rng.sample(self.questions, 4)]
            Question.objects.filter(pk__in=ids).update(topic=rng.choice(self.topics))
        elif kind == "delete_card":
            card = CardState.objects.filter(user=user).order_by("?").first()
            if card is not None:
                card.delete()
        elif kind == "time":
            self.now += timedelta(hours=rng.choice([1, 5, 23, 24 * 9]))
        elif kind == "delete_user":
            self.users.remove(user)
            user.delete()
            new = UserFactory()
            self.users.append(new)
            selectors.study_settings(new)
        return kind


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_counts_kept_by_every_write_equal_the_counts_from_the_cards(seed):
    world = World(random.Random(seed))
    kinds = Counter()
    for _ in range(250):
        kinds[world.step()] += 1
        assert maintained_counts() == counts_from_cards(), kinds
    assert min(kinds.values()) > 0 and len(kinds) == 15
    for user in world.users:  # and so are the page's figures
        settings = world.settings(user)
        now = world.now
        mastery = [
            (row.topic.pk, row.total, row.new, row.learning, row.young, row.mature)
            for row in progress.topic_mastery(user, settings, now)
        ]
        assert sorted(mastery) == mastery_from_cards(user, settings, now)
        assert progress.forecast(user, settings, now) == forecast_from_cards(user, settings, now)
        summary = progress.summary(user, settings, now, {})
        assert summary.due_today == due_today_from_cards(user, settings, now)


@pytest.mark.slow
def test_rebuild_counts_the_same_as_the_triggers_kept(capsys):
    world = World(random.Random(7))
    for _ in range(150):
        world.step()
    kept = maintained_counts()
    TopicCardCount.objects.update(learning=5)
    DueCardCount.objects.all().delete()
    call_command("rebuild_card_counts")
    assert maintained_counts() == kept == counts_from_cards()
    assert "topic rows" in capsys.readouterr().out
    user = world.users[0]
    TopicCardCount.objects.filter(user=user).delete()
    call_command("rebuild_card_counts", "--user", user.username)
    assert maintained_counts() == kept


def test_mastery_drops_a_mature_card_failed_today_and_takes_it_back_on_a_new_day():
    world = World(random.Random(3))
    user = world.users[0]
    question = world.questions[0]
    CardState.objects.create(
        user=user, question=question, state=scheduling.REVIEW, stability=40, difficulty=5,
        due=START, last_review=START - timedelta(days=40), reps=5,
    )  # fmt: skip
    settings = world.settings(user)

    def mature() -> int:
        rows = progress.topic_mastery(user, settings, world.now)
        return sum(row.mature for row in rows)

    assert mature() == 1
    answer = services.submit_answer(
        user=user, settings=settings, question=question, card_version=0,
        response=["false"], duration_ms=1000, now=START,
    )  # fmt: skip
    services.rate_answer(
        user=user, settings=settings, answer_id=answer.pk, rating=scheduling.AGAIN, now=START
    )
    # Relearning now; stable again in review (as an operator's SQL could make it) yet failed today.
    CardState.objects.filter(user=user).update(state=scheduling.REVIEW, stability=50)
    assert mature() == 0
    world.now = START + timedelta(days=1)
    assert mature() == 1


@pytest.mark.parametrize(
    ("zone", "now"),
    [
        ("Europe/Berlin", datetime(2026, 10, 18, 12, 0, tzinfo=UTC)),  # 3 a.m. back to 2 on 25 Oct
        ("America/Santiago", datetime(2026, 8, 30, 12, 0, tzinfo=UTC)),  # no midnight on 6 Sep
        ("Asia/Kathmandu", datetime(2026, 8, 25, 12, 0, tzinfo=UTC)),  # UTC+5:45
    ],
)
def test_the_forecast_from_the_slots_is_the_forecast_from_the_cards_across_daylight_saving(
    zone, now
):
    user = UserFactory()
    settings = selectors.study_settings(user)
    settings.time_zone = zone
    settings.save()
    topic = TopicFactory()
    for i in range(24 * 4 * 3):  # a card due every 15 minutes over 3 days from a week on
        due = now + timedelta(days=6, minutes=15 * i + 7 * (i % 2))
        CardState.objects.create(
            user=user, question=QuestionFactory(topic=topic, bank__topic=topic),
            state=scheduling.REVIEW, stability=10, difficulty=5, due=due,
        )  # fmt: skip
    for days_ago in (0.1, 3, 40):  # overdue cards count today
        CardState.objects.create(
            user=user, question=QuestionFactory(topic=topic, bank__topic=topic),
            state=scheduling.REVIEW, stability=10, difficulty=5,
            due=now - timedelta(days=days_ago),
        )  # fmt: skip
    settings = selectors.study_settings(user)
    forecast = progress.forecast(user, settings, now)
    assert forecast == forecast_from_cards(user, settings, now)
    assert forecast[0][1] == 3 and sum(n for _, n in forecast) == 3 + 24 * 4 * 3


def test_postgresql_never_scans_the_cards_or_the_reviews_with_parallel_workers():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage parameter")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class "
            "WHERE relname IN ('study_cardstate', 'study_reviewlog') ORDER BY relname"
        )
        assert cursor.fetchall() == [
            ("study_cardstate", ["parallel_workers=0"]),
            ("study_reviewlog", ["parallel_workers=0"]),
        ]

"""The progress page reads daily summaries: the figures the review log gives, in bounded reads."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.test.utils import CaptureQueriesContext

from studyapp.progress import charts, selectors
from studyapp.study import scheduling, services, summaries
from studyapp.study.models import Answer, CardState, ReviewLog
from studyapp.study.selectors import new_available, study_settings
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 20, 0, tzinfo=UTC)  # 01:30 on 16 June in Kolkata: before 4 a.m.
VERSIONS = itertools.count()


# The figures as the page computed them from the review log, before the summaries ---------------


def log_review_days(user, settings, now, days=365):
    since = scheduling.day_start(now, settings.time_zone) - timedelta(days=days - 1)
    shifted = ExpressionWrapper(
        F("reviewed_at") - selectors.DAY_OFFSET, output_field=DateTimeField()
    )
    rows = (
        ReviewLog.objects.for_user(user)
        .filter(reviewed_at__gte=since)
        .annotate(day=TruncDate(shifted, tzinfo=ZoneInfo(settings.time_zone)))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in rows}


def log_figures(user, settings, now):
    """The summary's review counts, from the log. The one change: true retention is over the
    last 30 study days (today's and the 29 before), where it was over the last 720 hours."""
    start = scheduling.day_start(now, settings.time_zone)
    month = Q(state_before=scheduling.REVIEW, reviewed_at__gte=start - timedelta(days=29))
    return ReviewLog.objects.for_user(user).aggregate(
        today=Count("pk", filter=Q(reviewed_at__gte=start)),
        new_today=Count("pk", filter=Q(reviewed_at__gte=start, state_before=scheduling.NEW)),
        today_ms=Coalesce(Sum("duration_ms", filter=Q(reviewed_at__gte=start)), 0),
        total_ms=Coalesce(Sum("duration_ms"), 0),
        retention_total=Count("pk", filter=month),
        retention_passed=Count("pk", filter=month & Q(rating__gt=scheduling.AGAIN)),
    )


# A history --------------------------------------------------------------------------------------


def bulk_history(user, cards, times, rng):
    """Reviews written in bulk (as an import or the bench does), then their days counted."""
    picked = [(rng.choice(cards), moment) for moment in times]
    answers = Answer.objects.bulk_create(
        Answer(user=user, card=card, card_version=next(VERSIONS), created_at=moment)
        for card, moment in picked
    )
    ReviewLog.objects.bulk_create(
        ReviewLog(user=user, card=card, answer=answer, rating=rng.choice([1, 2, 3, 3, 3, 4]),
                  state_before=rng.choice([0, 1, 2, 2, 2, 3]), reviewed_at=moment,
                  duration_ms=rng.randint(0, 90_000), card_before={})
        for answer, (card, moment) in zip(answers, picked, strict=True)
    )  # fmt: skip
    summaries.rebuild([user.pk])


def generated_history(user, *, reviews: int, seed: int = 7) -> None:
    """`reviews` reviews over the last 400 days (a gap of a few days, a busy last month, some
    right around 4 a.m.), then a few rated through the services today."""
    rng = random.Random(seed)
    topic = TopicFactory()
    questions = [QuestionFactory(topic=topic, bank__topic=topic) for _ in range(30)]
    cards = [
        CardState.objects.create(user=user, question=q, state=2, stability=1 + i, difficulty=5,
                                 due=NOW + timedelta(days=i % 9 - 2),
                                 last_review=NOW - timedelta(days=3))
        for i, q in enumerate(questions[:20])
    ]  # fmt: skip
    four_am = datetime(2026, 6, 14, 22, 30, tzinfo=UTC)  # 04:00 on 15 June in Kolkata
    times = []
    for _ in range(reviews):
        draw = rng.random()
        if draw < 0.2:  # within a minute of a day's start
            moment = four_am - timedelta(days=rng.randint(0, 60), seconds=rng.randint(-60, 60))
        elif draw < 0.5:
            moment = NOW - timedelta(minutes=rng.randint(1, 30 * 24 * 60))
        else:
            moment = NOW - timedelta(minutes=rng.randint(1, 400 * 24 * 60))
        if not (NOW - timedelta(days=9) < moment < NOW - timedelta(days=5)):  # days off
            times.append(moment)
    bulk_history(user, cards, times, rng)
    settings = study_settings(user)
    for question, rating in zip(questions[20:23], (1, 3, 4), strict=True):
        response = ["false"] if rating == scheduling.AGAIN else ["true"]
        answer = services.submit_answer(user=user, settings=settings, question=question,
                                        card_version=0, response=response, duration_ms=4321,
                                        now=NOW - timedelta(minutes=5))  # fmt: skip
        services.rate_answer(user=user, settings=settings, answer_id=answer.pk, rating=rating,
                             now=NOW - timedelta(minutes=5))  # fmt: skip


@pytest.fixture
def learner(client):
    user = UserFactory()
    settings = study_settings(user)
    settings.time_zone = "Asia/Kolkata"  # +05:30: the study day turns at 22:30 UTC
    settings.save()
    client.force_login(user)
    return user


def test_the_page_shows_what_the_review_log_gives(client, learner):
    generated_history(learner, reviews=3000)
    settings = study_settings(learner)
    with time_machine.travel(NOW, tick=False):
        context = client.get("/progress/").context
    days = log_review_days(learner, settings, NOW)
    figures = log_figures(learner, settings, NOW)
    today = selectors.study_day(NOW, settings.time_zone)
    assert len(days) > 300 and figures["today"] > 3 and figures["retention_total"] > 100
    assert [(c.day, c.count, c.level) for c in context["heatmap"]] == [
        (c.day, c.count, c.level) for c in charts.heatmap(days, today)
    ]
    assert context["heatmap_total"] == sum(days.values())
    assert context["active_days"] == [
        (charts.day_label(day), n) for day, n in sorted(days.items(), reverse=True)
    ]
    summary = context["summary"]
    assert summary.reviewed_today == figures["today"]
    assert summary.studied_today_ms == figures["today_ms"]
    assert summary.studied_total_ms == figures["total_ms"]
    assert summary.retention_reviews == figures["retention_total"]
    assert summary.true_retention == figures["retention_passed"] / figures["retention_total"]
    assert summary.streak == selectors.streak(days, today) == 6  # 10 to 15 June, after days off
    assert summary.new_available == new_available(learner, settings, NOW, figures["new_today"])


def review_log_reads(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "study_reviewlog" in q["sql"]]


@pytest.mark.parametrize("reviews", [10, 500])
def test_the_page_runs_constant_queries_and_reads_only_todays_reviews(
    client, learner, reviews, django_assert_max_num_queries
):
    generated_history(learner, reviews=reviews)
    client.get("/progress/")
    with (
        time_machine.travel(NOW, tick=False),
        django_assert_max_num_queries(10),
        CaptureQueriesContext(connection) as captured,
    ):
        assert client.get("/progress/").status_code == 200
    # Of the review log, only today's failed reviews (for mastery): bounded by a day's reviews.
    [read] = review_log_reads(captured)
    assert '"reviewed_at" >=' in read and '"rating" = 1' in read

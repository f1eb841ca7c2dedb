#!/usr/bin/env python
"""The app's side of bench/review_loop.py: one review through the services the views call.

    .venv/bin/python bench/review_loop_app.py DATABASE_URL

Run by bench/review_loop.py, one process per database. It builds a fresh database at the URL
(a SQLite file, or a PostgreSQL database whose name contains "bench", dropped and created
again), migrates it and loads content/ with `loadbanks`, then answers commands read from stdin,
one JSON line each, on stdout:

- `warm`: read every question into the content cache (as a worker that has shown each once),
  timing each read;
- `round REVIEWS WARMUP`: a new learner studies WARMUP reviews, then REVIEWS timed ones;
- `round-async REVIEWS WARMUP`: the same with `synchronous_commit = off` (PostgreSQL): a
  commit no longer waits for the disk, to tell the disk's part from the app's;
- `count REVIEWS`: the queries of each step of REVIEWS reviews (a new learner);
- `profile REVIEWS`: the top cumulative functions of REVIEWS reviews under cProfile;
- `drop`: drop the PostgreSQL database (nothing for SQLite), then exit.

A review, as the study pages do it without HTTP: read the learner's settings, count today, pick
the next card, fetch the question, grade and store the answer (right, so it may be rated Good),
rate it Good.
"""

from __future__ import annotations

import cProfile
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("settings", "today", "next card", "question", "answer", "rate")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    os.environ["CONN_MAX_AGE"] = "60"  # one connection throughout, as a worker keeps it
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()


def fresh_database(url: str) -> None:
    """Make the database at `url` empty: a new SQLite file, or a PostgreSQL database created
    again (its name must contain "bench")."""
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    drop_database(url)
    import psycopg
    from psycopg import sql

    name, maintenance = _postgres_names(url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database at `url` if it exists (never one without "bench")."""
    if url.startswith("sqlite"):
        return
    import psycopg
    from psycopg import sql

    name, maintenance = _postgres_names(url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _postgres_names(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    name = name.split("?", 1)[0]
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: a bench database's name contains 'bench'")
    return name, f"{base}/postgres"


def prepare() -> dict:
    """Migrate, load content/, and return what the database is and holds."""
    from django.core.management import call_command
    from django.db import connection

    from studyapp.banks.models import Question

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("loadbanks", str(ROOT / "content"), verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            pragmas = {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        database = "SQLite {} ({})".format(
            connection.Database.sqlite_version,
            ", ".join(f"{name}={value}" for name, value in pragmas.items()),
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    return {
        "database": database,
        "vendor": connection.vendor,
        "questions": Question.objects.public().count(),
        "prepare_seconds": round(time.perf_counter() - started, 1),
    }


class Loop:
    """Learners studying the loaded content through the app's selectors and services."""

    def __init__(self) -> None:
        from studyapp.assessments.demo import right_response
        from studyapp.banks.models import Question

        questions = Question.objects.prefetch_related("choices", "snippets").select_related("topic")
        # The right answer of every question, worked out before any timing (a flashcard is
        # revealed with nothing typed, as the study page sends it).
        self.responses = {
            question.pk: [] if question.type == "flashcard" else right_response(question.to_spec())
            for question in questions
        }
        from studyapp.accounts.models import User

        self.learners = User.objects.count()  # names go on from there (a kept database)

    def new_learner(self) -> object:
        """Return a learner with no history who may start 1,000 new cards today."""
        from studyapp.accounts.models import User
        from studyapp.study.models import StudySettings

        self.learners += 1
        user = User.objects.create_user(f"review-loop-{self.learners}", password=None)
        StudySettings.objects.create(user=user, new_per_day=1000, reviews_per_day=10000)
        return user

    def review(self, user: object, steps: list[float] | None = None) -> None:
        """One review: settings, today's counts, next card, question, answer (graded, stored),
        rating Good. With `steps`, add each step's seconds to it."""
        from django.utils import timezone

        from studyapp.study import scheduling, selectors, services

        clock = time.perf_counter
        marks = [clock()]
        now = timezone.now()
        settings = selectors.study_settings(user, now)
        marks.append(clock())
        today = selectors.today_counts(user, settings, now)
        marks.append(clock())
        question, card = selectors.next_card(user, settings, now, today)
        marks.append(clock())
        if question is None:
            raise RuntimeError("the queue is empty: load more content or lower the reviews")
        question = selectors.question_for_study(
            question.pk, content_version=settings.content_version
        )
        marks.append(clock())
        answer = services.submit_answer(
            user=user,
            settings=settings,
            question=question,
            card_version=card.version if card else 0,
            response=self.responses[question.pk],
            duration_ms=4000,
            now=now,
        )
        marks.append(clock())
        if scheduling.GOOD not in answer.ratings:
            raise RuntimeError(f"{question.slug}: the right answer was not graded right")
        services.rate_answer(
            user=user, settings=settings, answer_id=answer.pk, rating=scheduling.GOOD, now=now
        )
        marks.append(clock())
        if steps is not None:
            for index in range(len(STEPS)):
                steps[index] += marks[index + 1] - marks[index]

    def warm(self) -> dict:
        """Read every question into the content cache; return the median ms of a read."""
        from studyapp.banks import catalog
        from studyapp.banks.models import Question

        version = catalog.content_version()
        times = []
        for pk in Question.objects.order_by("pk").values_list("pk", flat=True):
            started = time.perf_counter()
            catalog.study_question(pk, version)
            times.append(time.perf_counter() - started)
        from django.db import connection

        trips = []
        with connection.cursor() as cursor:
            for _ in range(200):
                started = time.perf_counter()
                cursor.execute("SELECT 1")
                cursor.fetchone()
                trips.append(time.perf_counter() - started)
        return {
            "questions": len(times),
            "median_ms": statistics.median(times) * 1000,
            "select_1_ms": statistics.median(trips) * 1000,
        }

    def timed_round_async(self, reviews: int, warmup: int) -> dict:
        """`timed_round` with commits that do not wait for the disk (PostgreSQL only)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        try:
            return self.timed_round(reviews, warmup)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")

    def timed_round(self, reviews: int, warmup: int) -> dict:
        """A new learner: `warmup` reviews, then the seconds of each of `reviews` reviews, on
        the clock and in this process's CPU time (the database server's not counted)."""
        user = self.new_learner()
        for _ in range(warmup):
            self.review(user)
        times, cpu, per_step = [], [], [[] for _ in STEPS]
        clock, cpu_clock = time.perf_counter, time.process_time
        for _ in range(reviews):
            steps = [0.0] * len(STEPS)
            started, cpu_started = clock(), cpu_clock()
            self.review(user, steps)
            times.append(clock() - started)
            cpu.append(cpu_clock() - cpu_started)
            for index, seconds in enumerate(steps):
                per_step[index].append(seconds)
        return {
            "times": times,
            "cpu": cpu,
            "steps": {
                name: statistics.median(values) * 1000
                for name, values in zip(STEPS, per_step, strict=True)
            },
        }

    def count(self, reviews: int) -> dict:
        """Return the queries of each step per review, and the SQL of the last review."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        user = self.new_learner()
        self.review(user)  # the first review creates what later ones find
        totals = dict.fromkeys(STEPS, 0)
        last: list[dict] = []
        for _ in range(reviews):
            with CaptureQueriesContext(connection) as captured:
                marks: list[int] = []
                self._review_counting(user, captured, marks)
            for name, (start, end) in zip(STEPS, zip(marks, marks[1:], strict=False), strict=True):
                totals[name] += end - start
            last = [
                {"step": _step_of(index, marks), "sql": query["sql"]}
                for index, query in enumerate(captured.captured_queries)
            ]
        return {
            "per_review": sum(totals.values()) / reviews,
            "steps": {name: total / reviews for name, total in totals.items()},
            "last_review_sql": last,
        }

    def _review_counting(self, user: object, captured: object, marks: list[int]) -> None:
        # The same review, noting how many queries were captured after each step.
        from django.utils import timezone

        from studyapp.study import scheduling, selectors, services

        def mark() -> None:
            marks.append(len(captured.captured_queries))

        mark()
        now = timezone.now()
        settings = selectors.study_settings(user, now)
        mark()
        today = selectors.today_counts(user, settings, now)
        mark()
        question, card = selectors.next_card(user, settings, now, today)
        mark()
        question = selectors.question_for_study(
            question.pk, content_version=settings.content_version
        )
        mark()
        answer = services.submit_answer(
            user=user,
            settings=settings,
            question=question,
            card_version=card.version if card else 0,
            response=self.responses[question.pk],
            duration_ms=4000,
            now=now,
        )
        mark()
        services.rate_answer(
            user=user, settings=settings, answer_id=answer.pk, rating=scheduling.GOOD, now=now
        )
        mark()

    def profile(self, reviews: int, warmup: int) -> dict:
        """Return the top cumulative functions of `reviews` reviews, and the share in SQL."""
        from profile_summary import top_cumulative, top_own

        user = self.new_learner()
        for _ in range(warmup):
            self.review(user)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(reviews):
            self.review(user)
        profile.disable()
        skip = ("review_loop_app.py",)
        return {
            "cumulative": top_cumulative(profile, reviews, limit=30, skip=skip),
            "own": top_own(profile, reviews, limit=15),
        }


def _step_of(index: int, marks: list[int]) -> str:
    for name, end in zip(STEPS, marks[1:], strict=True):
        if index < end:
            return name
    return "?"


def main() -> None:
    url = sys.argv[1]
    # Replies go to the real stdout; anything else printed (a command's output) to stderr.
    replies = sys.stdout
    sys.stdout = sys.stderr

    def reply(result: dict) -> None:
        replies.write(json.dumps(result) + "\n")
        replies.flush()

    fresh_database(url)
    setup_django(url)
    reply(prepare())
    loop = Loop()
    for line in sys.stdin:
        command, *args = line.split()
        numbers = [int(arg) for arg in args]
        if command == "warm":
            result = loop.warm()
        elif command == "round":
            result = loop.timed_round(*numbers)
        elif command == "round-async":
            result = loop.timed_round_async(*numbers)
        elif command == "count":
            result = loop.count(*numbers)
        elif command == "profile":
            result = loop.profile(*numbers)
        elif command == "drop":
            from django.db import connection

            connection.close()
            drop_database(url)
            reply({"dropped": True})
            return
        else:
            raise SystemExit(f"unknown command {command!r}")
        reply(result)


if __name__ == "__main__":
    main()

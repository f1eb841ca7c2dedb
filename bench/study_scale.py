#!/usr/bin/env python
"""Benchmark studying at scale on PostgreSQL: next card, answering and progress at N card states.

    .venv/bin/python bench/study_scale.py [--sizes 1000,100000,1000000] [--database-url URL]

N counts the rows of `study_cardstate`. Two layouts hold them (bench/README.md says why):

- one-learner: N questions and ONE learner with a card for each (the worst case for every
  per-learner query, and the literal "a learner with N card states");
- many-learners: a catalog of `--catalog` questions (5,000) and N / catalog learners holding a
  card for each question, their rows interleaved on disk; the measured learner holds a realistic
  5,000 cards however large the table grows.

Every card state comes with 10 review logs (and their answers) on average, over two years.

The database (default kubeprep_bench) is created if missing, migrated, emptied before each size
and dropped at the end unless --keep. Its name must contain "bench": this script truncates tables.
Results go to bench/results/study_scale.md (git-ignored) and stdout; the summary, rewritten at
the end of the run, to bench/STUDY_SCALE.md. Never imported by the app.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.http import HttpResponse

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results" / "study_scale.md"
SUMMARY_PATH = ROOT / "bench" / "STUDY_SCALE.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kubeprep_bench"
LAYOUTS = ("one-learner", "many-learners")

TOPICS = 12
QUESTIONS_PER_BANK = 500
SHOWN_NOT_STARTED = 0.03  # cards created by an answer never rated: state New
RETIRED = 0.01
SUSPENDED = 0.01
BURIED = 0.002
LEARNING_CARDS = 150  # at most, per learner (2% of a small deck)
RELEARNING_CARDS = 50  # at most, per learner (1% of a small deck)
DUE_REVIEW_SHARE = 0.05  # of review cards, due now (overdue up to 30 days)
MIN_DUE_CARDS = 400  # so the answer loop never empties the queue at small sizes
# The measured learner's daily review limit: a heavy learner's, within the settings form's
# range, so the 220 ratings of a run never reach it (the default 200 would).
REVIEWS_PER_DAY = 1000
NOT_HIDDEN = (False, False, None)  # is_suspended, is_leech, buried_until

# Review history: REVIEWS_PER_CARD review logs (each with its answer) per card state, so N card
# states come with 10 N review logs, spread over the last HISTORY_DAYS days.
REVIEWS_PER_CARD = 10
HISTORY_DAYS = 730
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3  # CardState.State
# Fewest reviews a started card can have had: a learning card was first shown before today and
# rated again since; a review card went through a learning step; a relearning card also lapsed.
MIN_REVIEWS = {LEARNING: 2, REVIEW: 3, RELEARNING: 4}
STEER = 32  # started cards over which a running total off its target is brought back
HISTORY_PHASE = "answers + review logs (INSERT SELECT)"
SUMMARY_PHASE = "daily review summaries (summaries.rebuild)"
TARGET_RATIO = 2.0  # issue 7: latency at 1M card states at most twice that at 1k (medians)

PROMPT = (
    "Statement {n}: a Service of type `ClusterIP` is reachable **only from inside** the "
    "cluster, through its virtual IP and the DNS name `web.default.svc.cluster.local`."
)
EXPLANATION = (
    "ClusterIP is the default type: kube-proxy programs the virtual IP on every node, and "
    "nothing outside the cluster network can reach it without a NodePort, a LoadBalancer or a "
    "port-forward."
)
# A realistic-sized JSON for the historical answers and review logs (their size matters to the
# table's size on disk, not to the queries measured).
OUTCOMES_JSON = (
    '{"2": {"state": 2, "step": null, "stability": 12.3, "difficulty": 5.1, '
    '"due": "2025-01-13T10:00:00+00:00", "last_review": "2025-01-01T10:00:00+00:00", '
    '"reps": 5, "lapses": 0}, "3": {"state": 2, "step": null, "stability": 20.5, '
    '"difficulty": 4.9, "due": "2025-01-21T10:00:00+00:00", '
    '"last_review": "2025-01-01T10:00:00+00:00", "reps": 5, "lapses": 0}, "4": {"state": 2, '
    '"step": null, "stability": 41.0, "difficulty": 4.2, "due": "2025-02-11T10:00:00+00:00", '
    '"last_review": "2025-01-01T10:00:00+00:00", "reps": 5, "lapses": 0}}'
)
CARD_BEFORE_JSON = (
    '{"state": 2, "step": null, "stability": 8.2, "difficulty": 5.3, '
    '"due": "2025-01-01T09:00:00+00:00", "last_review": "2024-12-24T09:00:00+00:00", '
    '"reps": 4, "lapses": 0, "is_suspended": false, "is_leech": false, "buried_until": null}'
)

QUESTION_FIELD = re.compile(r'name="question" value="(\d+)"')
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')
SCAN_LINE = re.compile(
    r"(Seq Scan|Parallel Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan)"
    r"(?: Backward)?(?: using (\S+))? on (\S+)(?: \S+)?\s+\(.*?actual time=[\d.]+\.\.[\d.]+ "
    r"rows=(\d+) loops=(\d+)\)"
)
BIG_TABLES = ("banks_question", "study_cardstate", "study_answer", "study_reviewlog")
# What the login middleware reads on every request: not the page's own work.
SESSION_QUERY = re.compile(r'FROM "(django_session|accounts_user)"')

# The measurements the summary reports, by name.
NEXT_CARD = "{who}: selectors.next_card"
STUDY_PAGE = "{who}: GET /study/ (client)"
ANSWER = "learner: POST /study/answer/ (htmx)"
RATE = "learner: POST /study/answers/<id>/rate/ (htmx, renders next card)"
PROGRESS = "learner: GET /progress/ (client)"


class BenchError(Exception):
    """The benchmark cannot go on: the facts to fix it."""


# --- the database ------------------------------------------------------------------------------


def database_parts(url: str) -> dict:
    """Return the connection settings of a database URL (dj-database-url's parsing)."""
    import dj_database_url

    parts = dj_database_url.parse(url)
    if parts["ENGINE"] != "django.db.backends.postgresql":
        raise BenchError(f"{url}: this benchmark needs PostgreSQL.")
    if "bench" not in parts["NAME"]:
        raise BenchError(
            f"{parts['NAME']}: the database name must contain 'bench' (its tables are emptied)."
        )
    return parts


def admin_connection(parts: dict) -> psycopg.Connection:
    """Return an autocommit connection to the server's `postgres` database."""
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=parts["USER"] or None,
        password=parts["PASSWORD"] or None,
        host=parts["HOST"] or None,
        port=parts["PORT"] or None,
        autocommit=True,
    )


def create_database(parts: dict) -> bool:
    """Create the bench database if it is missing; return whether it was created."""
    from psycopg import sql

    with admin_connection(parts) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [parts["NAME"]]
        ).fetchone()
        if exists:
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parts["NAME"])))
        return True


def drop_database(parts: dict) -> None:
    """Drop the bench database (closing Django's connections first)."""
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with admin_connection(parts) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parts["NAME"]))
        )


def setup_django(url: str) -> None:
    """Point the settings at the bench database, production-like (DEBUG off), and set up."""
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    name: str
    cards: int  # N: rows of study_cardstate
    questions: int
    learners: int  # users holding cards; the measured learner is the first

    @property
    def learner_cards(self) -> int:
        return self.questions


def layout_for(name: str, size: int, catalog: int) -> Layout:
    """Return how `size` card states are held in the layout `name`."""
    if name == "one-learner":
        return Layout(name, size, questions=size, learners=1)
    questions = min(size, catalog)
    learners = max(1, size // questions)
    return Layout(name, questions * learners, questions=questions, learners=learners)


@dataclass
class Generated:
    layout: Layout
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    learner_due: dict[str, int] = field(default_factory=dict)
    learner_history: dict[str, int] = field(default_factory=dict)
    detail: dict[str, dict[str, float]] = field(default_factory=dict)  # steps run in parallel

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def review_logs(self) -> int:
        return self.rows.get(HISTORY_PHASE, 0)


def _tables() -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from studyapp.banks.models import Bank, Question, Topic
    from studyapp.study.models import (
        Answer,
        CardState,
        DailyReviewSummary,
        ReviewLog,
        StudySettings,
    )

    models = {
        "user": get_user_model(),
        "topic": Topic,
        "bank": Bank,
        "question": Question,
        "settings": StudySettings,
        "card": CardState,
        "answer": Answer,
        "review": ReviewLog,
        "summary": DailyReviewSummary,
        "session": Session,
    }
    return {key: model._meta.db_table for key, model in models.items()}


def _copy(cursor: psycopg.Cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """COPY rows into a table; return how many. Columns the rows leave out that need a value
    (added by a later migration) get their model's default."""
    missing, defaults = _model_defaults(cursor, table, columns)
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns + missing)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row + defaults)
            count += 1
    return count


def _model_defaults(
    cursor: psycopg.Cursor, table: str, columns: list[str]
) -> tuple[list[str], tuple]:
    """Return the table's NOT NULL columns without a database default that `columns` leaves
    out, and the model's default for each: the rows written here then fit a newer schema."""
    import json

    from django.apps import apps
    from django.db.models import JSONField

    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL "
        "AND is_identity = 'NO'",
        [table],
    )
    missing = [name for (name,) in cursor.fetchall() if name not in columns]
    if not missing:
        return [], ()
    model = next(model for model in apps.get_models() if model._meta.db_table == table)
    fields = {field.column: field for field in model._meta.concrete_fields}
    defaults = []
    for name in missing:
        value = fields[name].get_default()
        defaults.append(json.dumps(value) if isinstance(fields[name], JSONField) else value)
    return missing, tuple(defaults)


def _topic_of(bank: int) -> int:
    return (bank - 1) % TOPICS + 1


def _banks_before(questions: int) -> dict[int, int]:
    """Return, per bank id, how many questions come before its first in the order new questions
    are introduced: topic position, bank slug (`bench-bank-00001`…: the bank id's order), then
    the question's position (its id's order within a bank)."""
    banks = math.ceil(questions / QUESTIONS_PER_BANK)
    before, count = {}, 0
    for bank in sorted(range(1, banks + 1), key=lambda bank: (_topic_of(bank), bank)):
        before[bank] = count
        count += min(QUESTIONS_PER_BANK, questions - (bank - 1) * QUESTIONS_PER_BANK)
    return before


def _question_rows(
    layout: Layout, now: datetime, rng: random.Random, *, with_study_order: bool
) -> Iterator[tuple]:
    banks_before = _banks_before(layout.questions) if with_study_order else {}
    for pk in range(1, layout.questions + 1):
        bank = (pk - 1) // QUESTIONS_PER_BANK + 1
        topic = _topic_of(bank)
        position = (pk - 1) % QUESTIONS_PER_BANK
        # study_order: the question's ordinal in (topic position, bank slug, position, id), from 1.
        study_order = (banks_before[bank] + position + 1,) if with_study_order else ()
        yield (
            pk,
            f"bench-q{pk}",
            "truefalse",
            PROMPT.format(n=pk),
            EXPLANATION,
            rng.randint(1, 3),
            "[]",
            "[]",
            True,
            "",
            "[]",
            "",
            "[]",
            "[]",
            "",
            "",
            "[]",
            "",
            False,
            position,
            rng.random() < RETIRED,
            now,
            now,
            bank,
            topic,
            *study_order,
        )


QUESTION_COLUMNS = [
    "id", "slug", "type", "prompt", "explanation", "difficulty", "tags", "sources", "truth",
    "answer", "answers", "pattern", "items", "key_points", "starter", "k8s_version", "checks",
    "solution", "all_documents", "position", "is_retired", "created_at", "updated_at", "bank_id",
    "topic_id",
]  # fmt: skip
CARD_COLUMNS = [
    "id", "user_id", "question_id", "state", "step", "stability", "difficulty", "due",
    "last_review", "reps", "lapses", "is_suspended", "is_leech", "buried_until", "version",
]  # fmt: skip


def _card(rng: random.Random, layout: Layout, now: datetime) -> tuple:
    """Return (state, step, stability, difficulty, due, last_review, reps, lapses, is_suspended,
    is_leech, buried_until) for one card, drawn from the realistic mix of states."""
    learning = min(0.02, LEARNING_CARDS / layout.questions)
    relearning = min(0.01, RELEARNING_CARDS / layout.questions)
    due_share = max(DUE_REVIEW_SHARE, min(0.5, MIN_DUE_CARDS / layout.questions))
    draw = rng.random()
    if draw < SHOWN_NOT_STARTED:
        shown = now - timedelta(days=rng.uniform(0, 10))
        return (0, None, None, None, shown, None, 0, 0, *NOT_HIDDEN)
    draw -= SHOWN_NOT_STARTED
    if draw < learning + relearning:
        is_relearning = draw >= learning
        last = now - timedelta(minutes=rng.uniform(1, 50))
        due = last + timedelta(minutes=10 if is_relearning or rng.random() < 0.5 else 1)
        if is_relearning:
            stability, difficulty = rng.uniform(1, 5), rng.uniform(6, 9)
            reps, lapses = rng.randint(5, 20), rng.randint(1, 4)
            return (3, 0, stability, difficulty, due, last, reps, lapses, *NOT_HIDDEN)
        stability, difficulty = rng.uniform(0.2, 3), rng.uniform(4, 9)
        step, reps = rng.randint(0, 1), rng.randint(1, 2)
        return (1, step, stability, difficulty, due, last, reps, 0, *NOT_HIDDEN)
    # Reviewed at least a day ago: today's reviews are only the learning cards' (at most 200).
    interval = min(3650.0, max(2.0, rng.lognormvariate(3.0, 1.2)))
    if rng.random() < due_share:
        due = now - timedelta(days=rng.uniform(0, min(30.0, interval)))
    else:
        due = now + timedelta(days=interval - rng.uniform(1, interval - 1 / 24))
    reps = rng.randint(2, 25)
    is_suspended = rng.random() < SUSPENDED
    buried_until = now + timedelta(hours=12) if rng.random() < BURIED else None
    return (
        2,
        None,
        interval,
        rng.uniform(1, 10),
        due,
        due - timedelta(days=interval),
        reps,
        rng.randint(0, min(3, reps - 1)),
        is_suspended,
        is_suspended and rng.random() < 0.5,
        buried_until,
    )


def _card_rows(
    layout: Layout, holders: list[int], now: datetime, rng: random.Random
) -> Iterator[tuple]:
    # Question-major: each learner's cards are spread over the table, as when many learn at once.
    pk = 0
    for question in range(1, layout.questions + 1):
        for user in holders:
            pk += 1
            state = _card(rng, layout, now)
            yield (pk, user, question, *state, state[6])  # version: one change per rep


REPS, LAPSES, VERSION = 9, 10, 14  # their places in a card row (CARD_COLUMNS)


def _review_count(state: int, rng: random.Random) -> int:
    """Return how many times a started card in `state` has been rated, drawn for that state."""
    if state == LEARNING:
        return rng.randint(2, 3)
    if state == RELEARNING:
        return rng.randint(6, 30)
    return 3 + round(rng.lognormvariate(math.log(6), 0.6))  # median 9, a long tail


def _set_review_count(card: list, count: int) -> None:
    card[REPS] = card[VERSION] = count  # the card changed once per rating
    card[LAPSES] = min(card[LAPSES], count - 2)


def _with_review_counts(rows: Iterator[tuple], rng: random.Random) -> Iterator[tuple]:
    """Give each started card its number of reviews (its reps and version) so that the cards
    hold REVIEWS_PER_CARD reviews each on average, exactly: each count is drawn for the card's
    state and nudged toward the running target, and the last cards take what is left.

    Its own random stream: the cards' states, hence the measured queue, stay as they were."""
    owed = 0  # reviews the cards so far should hold, minus those given
    pending: deque[list] = deque()
    for row in rows:
        card = list(row)
        owed += REVIEWS_PER_CARD
        if card[3] != NEW:
            drawn = _review_count(card[3], rng)
            count = max(MIN_REVIEWS[card[3]], round(drawn + (owed - drawn) / STEER))
            _set_review_count(card, count)
            owed -= count
        pending.append(card)
        if len(pending) > 4 * STEER:
            yield tuple(pending.popleft())
    started = [card for card in pending if card[3] != NEW]
    while owed and started:
        step = 1 if owed > 0 else -1
        movable = [card for card in started if card[REPS] + step >= MIN_REVIEWS[card[3]]]
        for card in movable[: abs(owed)]:
            _set_review_count(card, card[REPS] + step)
            owed -= step
        if not movable:
            break
    yield from map(tuple, pending)


def _uniform(channel: int, review: str = "k") -> str:
    """SQL for a number in [0, 1) fixed by the seed, the card, the review's rank and a channel:
    the same in the statement that writes the review logs and the one that writes the answers."""
    return (
        f"((hashint8extended(card_id * 1024 + ({review}), %(seed)s * 16 + {channel}) "
        "& 16777215)::float8 / 16777216)"
    )


def _failed(review: str) -> str:
    """SQL: whether the `review`th review of a card was rated Again (outside its last one)."""
    chance = f"CASE WHEN {review} = 1 THEN 0.2 WHEN {review} = 2 THEN 0.15 ELSE 0.1 END"
    return f"({_uniform(1, review)} < {chance})"


def _passed_rating(review: str) -> str:
    """SQL: the rating of a passed review, Hard, Good or Easy."""
    draw = _uniform(2, review)
    return f"CASE WHEN {draw} < 0.12 THEN 2 WHEN {draw} < 0.85 THEN 3 ELSE 4 END"


def history_sql(card_table: str) -> str:
    """Return a SELECT of every review of every started card, from its card state: one row per
    (card, k) for k = 1 … reps, with the review's id (its answer's too), time, state before,
    rating and duration.

    A card's reviews run from its first (state New) to its last, at the card's last_review, with
    intervals that grow (times spaced as k²) over up to HISTORY_DAYS days. Every review but the
    last is before the learner's day start, and the last is as the card's state implies (a
    relearning card's was an Again on a review card), so today's counts, hence the queue, are
    what the cards alone give: a learning card's last rating today is a learning step, a
    relearning card's a review."""
    last = (
        "CASE state WHEN 1 THEN CASE WHEN {failed} THEN 1 ELSE 3 END "
        "WHEN 3 THEN 1 ELSE {passed} END"
    ).format(failed=_failed("k"), passed=_passed_rating("k"))
    return f"""
        WITH card AS (
            SELECT id AS card_id, user_id, state, reps AS n, last_review,
                   sum(reps) OVER (ORDER BY id) - reps AS ids_before,
                   least(last_review, %(day_start)s) - interval '1 hour' AS history_end
            FROM {card_table} WHERE reps > 0
        ), span AS (
            SELECT card.*, CASE WHEN state = 1
                THEN interval '1 day' + {_uniform(0, "0")} * interval '2 days'
                ELSE greatest(
                    interval '1 day' * (n - 1),
                    {_uniform(0, "0")} * greatest(history_end - %(since)s, interval '0')
                ) END AS length
            FROM card
        ), review AS (
            SELECT span.*, k FROM span CROSS JOIN LATERAL generate_series(1, n) AS k
        )
        SELECT ids_before + k AS id, user_id, card_id, k,
            CASE WHEN k = n THEN last_review
                 ELSE history_end - length * (1 - ((k - 1)::float8 / (n - 1)) ^ 2)
            END AS reviewed_at,
            CASE WHEN k = n AND state = 1 THEN 1 WHEN k = n AND state = 3 THEN 2
                 WHEN k = 1 THEN 0 WHEN k = 2 THEN 1
                 WHEN k > 3 AND {_failed("k - 1")} THEN 3 ELSE 2
            END AS state_before,
            CASE WHEN k = n THEN {last}
                 WHEN {_failed("k")} THEN 1 ELSE {_passed_rating("k")}
            END AS rating,
            (2000 + {_uniform(3)} * 28000)::integer AS duration_ms
        FROM review
    """


def generate(layout: Layout, seed: int) -> Generated:
    """Empty the tables and fill them with the layout's questions, learners, cards and reviews."""
    from django.db import connection
    from django.utils import timezone

    tables = _tables()
    rng = random.Random(seed)
    result = Generated(layout)
    now = timezone.now()
    connection.ensure_connection()
    raw = connection.connection
    holders = [1] + list(range(3, layout.learners + 2))  # user 2 is the newcomer, no cards

    def phase(name: str, work: Callable[[], int | None]) -> None:
        start = time.perf_counter()
        rows = work()
        result.seconds[name] = time.perf_counter() - start
        if rows is not None:
            result.rows[name] = rows
        log(f"  {name}: {result.seconds[name]:.1f} s" + (f", {rows:,} rows" if rows else ""))

    with raw.cursor() as cursor:
        names = ", ".join(tables.values())
        # The column arrives with a migration: fill it when the table has it, so this script
        # measures the code before and after.
        with_study_order = _has_column(cursor, tables["question"], "study_order")
        question_columns = QUESTION_COLUMNS + (["study_order"] if with_study_order else [])

        def truncate() -> None:
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

        phase("truncate", truncate)

        def content() -> int:
            banks = math.ceil(layout.questions / QUESTIONS_PER_BANK)
            _copy(
                cursor,
                tables["topic"],
                ["id", "slug", "title", "description", "position"],
                ((t, f"bench-topic-{t}", f"Topic {t}", "", t) for t in range(1, TOPICS + 1)),
            )
            _copy(
                cursor,
                tables["bank"],
                ["id", "slug", "title", "description", "source_path", "topic_id"],
                (
                    (b, f"bench-bank-{b:05d}", f"Bank {b}", "", "", (b - 1) % TOPICS + 1)
                    for b in range(1, banks + 1)
                ),
            )
            rows = _question_rows(layout, now, rng, with_study_order=with_study_order)
            return _copy(cursor, tables["question"], question_columns, rows)

        phase("questions (COPY)", content)

        def users() -> int:
            names = ["bench-learner", "bench-newcomer"] + [
                f"bench-user-{k}" for k in range(3, layout.learners + 2)
            ]
            count = _copy(
                cursor,
                tables["user"],
                [
                    "id",
                    "password",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                ],  # fmt: skip
                (
                    (pk, "!", False, name, "", "", "", False, True, now)
                    for pk, name in enumerate(names, start=1)
                ),
            )
            _copy(
                cursor,
                tables["settings"],
                [
                    "id",
                    "user_id",
                    "desired_retention",
                    "new_per_day",
                    "reviews_per_day",
                    "leech_threshold",
                    "time_zone",
                ],  # fmt: skip
                [(1, 1, 0.9, 20, REVIEWS_PER_DAY, 8, "UTC"), (2, 2, 0.9, 20, 200, 8, "UTC")],
            )
            return count

        phase("users (COPY)", users)

        def cards() -> int:
            rows = _card_rows(layout, holders, now, rng)
            counted = _with_review_counts(rows, random.Random(f"{seed}-history"))
            return _copy(cursor, tables["card"], CARD_COLUMNS, counted)

        phase("card states (COPY)", cards)

        parameters = {
            "seed": seed,
            "since": now - timedelta(days=HISTORY_DAYS),
            "day_start": _day_start(now),
        }
        history = history_sql(tables["card"])
        review_logs = (
            f"INSERT INTO {tables['review']} (id, user_id, card_id, answer_id, rating, "
            "state_before, reviewed_at, duration_ms, is_correct, card_before) "
            "SELECT id, user_id, card_id, id, rating, state_before, reviewed_at, duration_ms, "
            f"rating > 1, %(card_before)s::jsonb FROM ({history}) AS review"
        )
        # One answer per review log, same id, to the card version the review changed.
        answers = (
            f"INSERT INTO {tables['answer']} (id, user_id, card_id, card_version, response, "
            "is_correct, score, feedback, duration_ms, outcomes, created_at) "
            "SELECT id, user_id, card_id, k - 1, CASE WHEN rating > 1 THEN '[\"true\"]' "
            "ELSE '[\"false\"]' END::jsonb, rating > 1, CASE WHEN rating > 1 THEN 1.0 "
            "ELSE 0.0 END, '[]', duration_ms, %(outcomes)s::jsonb, reviewed_at "
            f"FROM ({history}) AS review"
        )
        work = [
            (tables["review"], review_logs, {**parameters, "card_before": CARD_BEFORE_JSON}),
            (tables["answer"], answers, {**parameters, "outcomes": OUTCOMES_JSON}),
        ]

        def history_tables() -> int:
            # Both tables at once, on two connections: the database's work, on two cores.
            with ThreadPoolExecutor(max_workers=len(work)) as pool:
                done = list(pool.map(lambda job: _fill_history_table(connection, *job), work))
            for (table, _, _), (_, seconds) in zip(work, done, strict=True):
                result.detail[table] = seconds
            return done[0][0]  # review logs

        phase(HISTORY_PHASE, history_tables)

        def daily_summaries() -> int:
            # The app's own rebuild, as after a bulk import: what rating keeps, day by day.
            from django.db import transaction

            from studyapp.study import summaries

            with transaction.atomic():
                return summaries.rebuild()

        phase(SUMMARY_PHASE, daily_summaries)

        def sequences() -> None:
            for key, table in tables.items():
                if key == "session":
                    continue  # keyed by session_key, no sequence
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))",
                    [table],
                )

        phase("sequences", sequences)

        def vacuum_analyze() -> None:
            # What autovacuum would have done on a live database: statistics and visibility map
            # (the history tables' were done with them).
            for table in tables.values():
                if table not in (tables["answer"], tables["review"]):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")

        phase("VACUUM ANALYZE", vacuum_analyze)
        cursor.execute(
            f"SELECT state, count(*) FILTER (WHERE due <= now()), count(*) FROM {tables['card']} "
            "WHERE user_id = 1 GROUP BY state ORDER BY state"
        )
        labels = {0: "new (shown)", 1: "learning", 2: "review", 3: "relearning"}
        for state, due, total in cursor.fetchall():
            result.learner_due[labels[state]] = due
            result.learner_due[f"{labels[state]} total"] = total
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE reviewed_at >= %s), min(reviewed_at) "
            f"FROM {tables['review']} WHERE user_id = 1",
            [now - timedelta(days=365)],
        )
        reviews, last_year, first = cursor.fetchone()
        result.learner_history = {"reviews": reviews, "last 365 days": last_year}
        result.learner_history["days of history"] = (now - first).days if first else 0
        cursor.execute(f"SELECT count(*) FROM {tables['summary']} WHERE user_id = 1")
        result.learner_history["daily summaries"] = cursor.fetchone()[0]
        if with_study_order:
            _check_study_order(cursor, tables)
    return result


def _fill_history_table(
    connection: BaseDatabaseWrapper, table: str, insert: str, parameters: dict
) -> tuple[int, dict[str, float]]:
    """Fill one of the history tables on a connection of its own; return its rows and the
    seconds of each step.

    The rows are written without the table's secondary indexes (built afterwards, as a restore
    does) and, for a superuser, without the foreign-key triggers (each would lock the card or
    answer it checks): rows consistent by construction. One transaction, so a failure leaves
    the schema as it was."""
    import psycopg

    settings = connection.settings_dict
    seconds: dict[str, float] = {}
    with (
        psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
        ) as own,
        own.cursor() as cursor,
    ):
        with own.transaction():
            rebuilds = _drop_secondary_indexes(cursor, table)
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            if _is_superuser(cursor):
                cursor.execute("SET LOCAL session_replication_role = replica")
            start = time.perf_counter()
            cursor.execute(insert, parameters)
            rows = cursor.rowcount
            seconds["insert"] = time.perf_counter() - start
            start = time.perf_counter()
            for statement in rebuilds:
                cursor.execute(statement)
            seconds["indexes"] = time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(f"VACUUM (ANALYZE) {table}")
        seconds["VACUUM ANALYZE"] = time.perf_counter() - start
    log(f"    {table}: {rows:,} rows; " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()))
    return rows, seconds


def _has_column(cursor: psycopg.Cursor, table: str, column: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND column_name = %s",
        [table, column],
    )
    return cursor.fetchone() is not None


def _is_superuser(cursor: psycopg.Cursor) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cursor.fetchone()[0])


def _day_start(now: datetime) -> datetime:
    """The measured learners' day start (their time zone is UTC)."""
    from studyapp.study.scheduling import day_start

    return day_start(now, "UTC")


def _drop_secondary_indexes(cursor: psycopg.Cursor, table: str) -> list[str]:
    """Drop the table's indexes and unique constraints but its primary key; return the
    statements that build them again, as the schema defined them."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
        "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
        "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
        [table],
    )
    rebuilds = []
    for index, index_definition, constraint, constraint_definition in cursor.fetchall():
        if constraint:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            rebuilds.append(
                f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_definition}'
            )
        else:
            cursor.execute(f"DROP INDEX {index}")
            rebuilds.append(index_definition)
    return rebuilds


def _check_study_order(cursor: psycopg.Cursor, tables: dict[str, str]) -> None:
    """Fail unless study_order numbers the questions as the app does (topic position, bank
    slug, position, id; from 1)."""
    cursor.execute(
        "SELECT count(*) FROM (SELECT q.study_order, row_number() OVER (ORDER BY t.position, "
        f"b.slug, q.position, q.id) AS expected FROM {tables['question']} q "
        f"JOIN {tables['topic']} t ON t.id = q.topic_id JOIN {tables['bank']} b "
        "ON b.id = q.bank_id) AS numbered WHERE study_order <> expected"
    )
    wrong = cursor.fetchone()[0]
    if wrong:
        raise BenchError(f"study_order: {wrong:,} questions numbered out of the app's order.")


# --- the measures ------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    times_ms: list[float]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.times_ms)
        rank = max(0, math.ceil(share * len(ordered)) - 1)  # nearest rank
        return ordered[rank]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


@dataclass
class Plan:
    label: str
    sql: str
    text: str

    @property
    def execution_ms(self) -> float:
        found = re.search(r"Execution Time: ([\d.]+) ms", self.text)
        return float(found.group(1)) if found else float("nan")

    @property
    def pages(self) -> int:
        """Shared buffers the query touched (hit + read): its work, whatever the machine's load."""
        found = re.search(r"Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?", self.text)
        return sum(int(value) for value in found.groups() if value) if found else 0

    def scans(self) -> list[str]:
        """Return each table access of the plan: 'Index Scan using card_user_due on ...'."""
        found = []
        for kind, index, relation, rows, loops in SCAN_LINE.findall(self.text):
            target = f"{kind} using {index} on {relation}" if index else f"{kind} on {relation}"
            found.append(f"{target} (rows={rows} loops={loops})")
        return found

    def big_seq_scans(self) -> list[str]:
        return [scan for scan in self.scans() if "Seq Scan" in scan and _on_big_table(scan)]


def _on_big_table(scan: str) -> bool:
    return any(f" on {table} " in scan + " " for table in BIG_TABLES)


@dataclass
class Run:
    generated: Generated
    series: list[Series] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    queries: dict[str, int] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)  # 1-minute load average, before and after


def sample(
    name: str, action: Callable[[], None], *, warmup: int, iterations: int, budget: float
) -> Series:
    """Time `action` `iterations` times after a warm-up: fewer past the budget (at least 30),
    or past three budgets (at least 5: a request of many seconds, such as the progress page over
    millions of reviews); the warm-up stops at a quarter of the budget, after at least 1 run."""
    started = time.perf_counter()
    for done in range(warmup):
        if done >= 1 and time.perf_counter() - started > budget / 4:
            break
        action()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < iterations:
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
        elapsed = time.perf_counter() - started
        if (elapsed > budget and len(times) >= 30) or (elapsed > 3 * budget and len(times) >= 5):
            break
    series = Series(name, times)
    log(
        f"  {name}: n={len(times)} median {series.median:.2f} ms, "
        f"p95 {series.percentile(0.95):.2f} ms"
    )
    return series


def _ok(response: HttpResponse) -> str:
    if response.status_code != 200:
        raise BenchError(f"{response.request['PATH_INFO']}: HTTP {response.status_code}.")
    return response.content.decode()


def _question_on(html: str) -> dict[str, str]:
    question, version = QUESTION_FIELD.search(html), VERSION_FIELD.search(html)
    if question is None or version is None:
        raise BenchError("The study page shows no question: the queue ran out of due cards.")
    return {"question": question.group(1), "version": version.group(1), "truth": "true"}


def _explain(label: str, sql: str) -> Plan:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
    return Plan(label, sql, text)


def measure(
    generated: Generated,
    *,
    warmup: int,
    iterations: int,
    budget: float,
    only_progress: bool = False,
) -> Run:
    """Time next-card selection for the measured learner and a newcomer, then the learner's
    progress page, then answering; with `only_progress`, the progress page alone."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from studyapp.study import selectors

    run = Run(generated, load=[os.getloadavg()[0]])
    users = get_user_model().objects
    learner = users.get(username="bench-learner")
    newcomer = users.get(username="bench-newcomer")
    study_url = reverse("study")
    answer_url = reverse("study_answer_submit")
    rate_pattern = re.compile(re.escape(reverse("study_rate", args=[0])).replace("0", r"(\d+)"))
    htmx = {"HX-Request": "true"}
    timed = {"warmup": warmup, "iterations": iterations, "budget": budget}

    for who, user in () if only_progress else (("learner", learner), ("newcomer", newcomer)):
        settings = selectors.study_settings(user)
        parts: dict[str, list[float]] = {"today_counts": [], "next_card": [], "queue_counts": []}

        def selection(settings=settings, user=user, parts=parts) -> None:  # noqa: ANN001
            now = timezone.now()
            start = time.perf_counter()
            today = selectors.today_counts(user, settings, now)
            after_today = time.perf_counter()
            selectors.next_card(user, settings, now, today)
            after_next = time.perf_counter()
            selectors.queue_counts(user, settings, now, today)
            end = time.perf_counter()
            parts["today_counts"].append((after_today - start) * 1000)
            parts["next_card"].append((after_next - after_today) * 1000)
            parts["queue_counts"].append((end - after_next) * 1000)

        total = sample(f"{who}: selectors (today+next+queue)", selection, **timed)
        run.series.append(total)
        for part, times in parts.items():
            run.series.append(Series(f"{who}: selectors.{part}", times[-len(total.times_ms) :]))

        client = Client()
        client.force_login(user)
        run.series.append(
            sample(STUDY_PAGE.format(who=who), lambda c=client: _ok(c.get(study_url)), **timed)
        )
        with CaptureQueriesContext(connection) as page_queries:
            _ok(client.get(study_url))
        run.queries[f"{who}: GET /study/"] = len(page_queries.captured_queries)

        now = timezone.now()
        today = selectors.today_counts(user, settings, now)
        for label, call in (
            ("next_card", partial(selectors.next_card, user, settings, now, today)),
            ("queue_counts", partial(selectors.queue_counts, user, settings, now, today)),
            ("today_counts", partial(selectors.today_counts, user, settings, now)),
        ):
            with CaptureQueriesContext(connection) as captured:
                call()
            for number, query in enumerate(captured.captured_queries, start=1):
                run.plans.append(_explain(f"{who}: {label} query {number}", query["sql"]))

    # The progress page, on the generated history (before the ratings below add to it).
    client = Client()
    client.force_login(learner)
    progress_url = reverse("progress")
    run.series.append(sample(PROGRESS, lambda: _ok(client.get(progress_url)), **timed))
    with CaptureQueriesContext(connection) as page_queries:
        _ok(client.get(progress_url))
    run.queries["learner: GET /progress/"] = len(page_queries.captured_queries)
    own_queries = [
        query["sql"]
        for query in page_queries.captured_queries
        if query["sql"].startswith("SELECT") and not SESSION_QUERY.search(query["sql"])
    ]
    for number, sql in enumerate(own_queries, start=1):
        run.plans.append(_explain(f"learner: GET /progress/ query {number}", sql))
    if only_progress:
        run.load.append(os.getloadavg()[0])
        return run

    # Answer + rating, the htmx way the browser does it: each rating returns the next card.
    client = Client()
    client.force_login(learner)
    state = {"html": _ok(client.get(study_url, headers=htmx))}
    answer_times: list[float] = []
    rate_times: list[float] = []

    def answer_and_rate() -> None:
        form = _question_on(state["html"])
        start = time.perf_counter()
        html = _ok(client.post(answer_url, form, headers=htmx))
        answered = time.perf_counter()
        found = rate_pattern.search(html)
        if found is None:
            raise BenchError(f"No rating form after answering question {form['question']}.")
        state["html"] = _ok(client.post(found.group(0), {"rating": "3"}, headers=htmx))
        end = time.perf_counter()
        answer_times.append((answered - start) * 1000)
        rate_times.append((end - answered) * 1000)

    with CaptureQueriesContext(connection) as cycle_queries:
        answer_and_rate()
    run.queries["learner: POST answer + POST rate (htmx)"] = len(cycle_queries.captured_queries)
    cycle = sample("learner: POST answer + POST rate (htmx)", answer_and_rate, **timed)
    count = len(cycle.times_ms)
    run.series += [
        cycle,
        Series(ANSWER, answer_times[-count:]),
        Series(RATE, rate_times[-count:]),
    ]
    run.load.append(os.getloadavg()[0])
    return run


# --- the report --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Return what the figures depend on: CPUs, memory, PostgreSQL and its main settings."""
    import django
    from django.db import connection

    memory = "?"
    cpu = platform.processor() or "?"
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo).group(1))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = model.group(1).strip() if model else cpu
    except (OSError, AttributeError):
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    code = "?"
    try:
        git = ["git", "-C", str(ROOT)]
        head = subprocess.run(
            [*git, "log", "-1", "--format=%h %cI"], capture_output=True, text=True
        )
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "studyapp"], capture_output=True, text=True
        )
        if head.stdout.strip():
            changed = " + uncommitted changes in studyapp/" if dirty.stdout else ""
            code = head.stdout.strip() + changed
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = []
        for name in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "jit",
        ):
            cursor.execute(f"SHOW {name}")
            settings.append(f"{name}={cursor.fetchone()[0]}")
    return {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": nproc.strip(),
        "cpu": cpu,
        "memory": memory,
        "postgresql": version,
        "postgresql settings": ", ".join(settings),
        "python / django": f"{platform.python_version()} / {django.get_version()}",
        "code measured": code,
    }


def report(runs: list[Run], skipped: list[str], facts: dict[str, str], options: str) -> str:
    """Return the results as markdown: machine, generation, latency table, ratios, plans."""
    lines = ["# Study at scale: results", "", f"Command options: `{options}`", ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += ["", "## Generation", ""]
    lines += [
        "| layout | N card states | questions | learners | learner cards | review logs "
        "| seconds | phases |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        g = run.generated
        lines.append(
            f"| {g.layout.name} | {g.layout.cards:,} | {g.layout.questions:,} | "
            f"{g.layout.learners:,} | {g.layout.learner_cards:,} | {g.review_logs:,} | "
            f"{g.total_seconds:.1f} | {_phases(g)} |"
        )
    lines += ["", "Measured learner's cards (due now / total, by state):", ""]
    for run in runs:
        g = run.generated
        states = ", ".join(
            f"{label} {g.learner_due.get(label, 0):,}/{g.learner_due.get(label + ' total', 0):,}"
            for label in ("new (shown)", "learning", "relearning", "review")
        )
        history = ", ".join(f"{label} {value:,}" for label, value in g.learner_history.items())
        lines.append(f"- {g.layout.name}, N={g.layout.cards:,}: {states}; history: {history}")
    for note in skipped:
        lines.append(f"- SKIPPED: {note}")
    lines += ["", "## Latency (ms)", ""]
    lines += [
        "| layout | N | measurement | n | median | p95 | p99 |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        g = run.generated
        for series in run.series:
            lines.append(
                f"| {g.layout.name} | {g.layout.cards:,} | {series.name} | "
                f"{len(series.times_ms)} | {series.median:.2f} | {series.percentile(0.95):.2f} | "
                f"{series.percentile(0.99):.2f} |"
            )
    lines += ["", *ratio_table(runs)]
    lines += ["", "## Ratio largest N / smallest N, every measurement (median, p95)", ""]
    for layout in LAYOUTS:
        mine = [run for run in runs if run.generated.layout.name == layout]
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        lines.append(
            f"### {layout}: N={large.generated.layout.cards:,} / N={small.generated.layout.cards:,}"
        )
        lines.append("")
        for before, after in zip(small.series, large.series, strict=True):
            lines.append(
                f"- {after.name}: median ×{after.median / before.median:.1f}, "
                f"p95 ×{after.percentile(0.95) / before.percentile(0.95):.1f}"
            )
        lines.append("")
    lines += [
        "## Machine load (1-minute load average before / after measuring; 2+ = contended)",
        "",
    ]
    for run in runs:
        load = " / ".join(f"{value:.2f}" for value in run.load)
        lines.append(f"- {run.generated.layout.name}, N={run.generated.layout.cards:,}: {load}")
    lines += ["", "## Queries per request", ""]
    for run in runs:
        counts = ", ".join(f"{name}: {count}" for name, count in run.queries.items())
        lines.append(f"- {run.generated.layout.name}, N={run.generated.layout.cards:,}: {counts}")
    lines += ["", "## Query plans (EXPLAIN (ANALYZE, BUFFERS), taken once after the timings)", ""]
    for run in runs:
        g = run.generated
        lines += [f"### {g.layout.name}, N={g.layout.cards:,}", ""]
        lines += ["| query | execution ms | pages | table accesses | seq scans on big tables |"]
        lines += ["|---|---:|---:|---|---|"]
        for plan in run.plans:
            lines.append(
                f"| {plan.label} | {plan.execution_ms:.2f} | {plan.pages:,} | "
                f"{'<br>'.join(plan.scans())} | "
                f"{'<br>'.join(plan.big_seq_scans()) or 'none'} |"
            )
        lines.append("")
        for plan in run.plans:
            lines += [f"#### {plan.label}", "", "```sql", plan.sql, "```", "", "```"]
            lines += [plan.text, "```", ""]
    return "\n".join(lines) + "\n"


def _phases(generated: Generated) -> str:
    """The generation phases' seconds, with the steps run in parallel in brackets."""
    parts = []
    for name, seconds in generated.seconds.items():
        steps = ""
        if name == HISTORY_PHASE and generated.detail:
            steps = (
                " ["
                + "; ".join(
                    f"{table}: "
                    + ", ".join(f"{step} {value:.1f}" for step, value in detail.items())
                    for table, detail in generated.detail.items()
                )
                + "]"
            )
        parts.append(f"{name} {seconds:.1f}{steps}")
    return "; ".join(parts)


def _size(cards: int) -> str:
    """1k, 100k, 1M: how the issue names the sizes."""
    for factor, suffix in ((1_000_000, "M"), (1_000, "k")):
        if cards >= factor and cards % factor == 0:
            return f"{cards // factor}{suffix}"
    return f"{cards:,}"


RATIO_ROWS = (
    ("`selectors.next_card`, learner", NEXT_CARD.format(who="learner")),
    ("`selectors.next_card`, newcomer (new-question path)", NEXT_CARD.format(who="newcomer")),
    ("GET /study/, learner", STUDY_PAGE.format(who="learner")),
    ("GET /study/, newcomer", STUDY_PAGE.format(who="newcomer")),
    ("answer POST", ANSWER),
    ("rate POST (renders the next card)", RATE),
    ("GET /progress/", PROGRESS),
)


def ratio_table(runs: list[Run]) -> list[str]:
    """Return the markdown table of largest-N / smallest-N medians per layout, each marked
    against the target (issue 7: 1M / 1k at most TARGET_RATIO)."""
    pairs = {}
    for layout in LAYOUTS:
        mine = [run for run in runs if run.generated.layout.name == layout]
        if len(mine) >= 2:
            pairs[layout] = (mine[0], mine[-1])
    if not pairs:
        return ["No ratio: each layout ran at one size only."]
    heading = [
        f"{layout} {_size(large.generated.layout.cards)} / {_size(small.generated.layout.cards)}"
        for layout, (small, large) in pairs.items()
    ]
    sizes = {
        (small.generated.layout.cards, large.generated.layout.cards)
        for small, large in pairs.values()
    }
    target = f"Target: ×{TARGET_RATIO:g} at most, for 1M / 1k (medians)"
    if sizes != {(1_000, 1_000_000)}:
        target += "; this run did not measure those sizes, so the marks only say where it heads"
    lines = [
        target + ".",
        "",
        "| measurement | " + " | ".join(f"{title} | target" for title in heading) + " |",
        "|---|" + "---:|---|" * len(pairs),
    ]
    for label, name in RATIO_ROWS:
        cells = []
        for small, large in pairs.values():
            before, after = _series(small, name), _series(large, name)
            if before is None or after is None:
                cells += ["–", "–"]
                continue
            ratio = after.median / before.median
            digits = 2 if abs(ratio - TARGET_RATIO) < 0.05 else 1  # ×2.0 could be either side
            cells += [
                f"×{ratio:.{digits}f} ({before.median:.1f} → {after.median:.1f} ms)",
                "met" if ratio <= TARGET_RATIO else "**missed**",
            ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _series(run: Run, name: str) -> Series | None:
    return next((series for series in run.series if series.name == name), None)


def _cell(run: Run, name: str, iterations: int) -> str:
    """median / p95 / p99 of one measurement, with n when the budget cut it short."""
    series = _series(run, name)
    if series is None:
        return "–"
    cell = " / ".join(
        f"{value:.1f}"
        for value in (series.median, series.percentile(0.95), series.percentile(0.99))
    )
    return cell + (f" (n={len(series.times_ms)})" if len(series.times_ms) < iterations else "")


WHAT_N_COUNTS = """\
N is the number of rows in `study_cardstate`. A card is unique per (user, question), so:

- **one-learner**: N questions and one learner holding a card for each: the worst case, and
  the literal "a learner with 1M card states";
- **many-learners**: 5,000 questions (ten times today's content) and N / 5,000 learners; the
  measured learner holds 5,000 cards however big the table is (N = 1,000: one learner, 1,000
  questions, the same data as one-learner).

The measured learner's deck: 3% shown but never rated, up to 150 learning and 50 relearning
cards, the rest in review with 5% due now (at least 400 due). Every card state comes with 10
review logs on average (10 N in all, each with its answer), the learner's history spread over
the last two years: the progress page's heatmap, retention, forecast and streak read real data.
A second learner, the **newcomer**, has no card: their next card comes from the new-question
path."""


def summary(runs: list[Run], skipped: list[str], facts: dict[str, str], run_facts: dict) -> str:
    """Return bench/STUDY_SCALE.md: the figures of this run, for people and bench/REPORT.md."""
    iterations = run_facts["iterations"]
    loads = [value for run in runs for value in run.load]
    load = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "?"
    lines = [
        "# Studying at scale on PostgreSQL",
        "",
        "Written by `bench/study_scale.py` at the end of its run (how to run it and what it "
        "generates: [README.md](README.md)); the raw output of the run, with every query plan, "
        f"is `{run_facts['output']}`.",
        "",
        f"- **Date**: {run_facts['started']} to {run_facts['finished']} "
        f"({run_facts['minutes']:.0f} minutes). **Options**: `{run_facts['options']}`.",
        f"- **Code measured**: {facts['code measured']}.",
        f"- **Machine**: {facts['nproc']} cores ({facts['cpu']}), {facts['memory']} of memory, "
        f"PostgreSQL {facts['postgresql']} on the same machine ({facts['postgresql settings']}); "
        f"Python / Django {facts['python / django']}; pages served by the Django test client "
        "(no WSGI server, no network), `DEBUG` off.",
        f"- **Load**: the 1-minute load average was {load} on {facts['nproc']} cores while "
        "measuring (per size in the raw output). Medians hold up under load; p99s carry it.",
        "",
        "## What N counts",
        "",
        WHAT_N_COUNTS,
        "",
        "## Latency (ms; median / p95 / p99)",
        "",
        f"{iterations} runs after {run_facts['warmup']} warm-up runs, fewer (n) past "
        f'{run_facts["budget"]:.0f} s. `GET /study/` is the full page; "answer" is '
        '`POST /study/answer/` and "rate" `POST /study/answers/<id>/rate/`, with `HX-Request` '
        "as the browser sends them (the rating's response renders the next card); "
        "`GET /progress/` is the measured learner's progress page.",
        "",
        "| layout | N | GET /study/ (learner) | GET /study/ (newcomer) | answer | rate "
        "| GET /progress/ |",
        "|---|---:|---|---|---|---|---|",
    ]
    for run in runs:
        layout = run.generated.layout
        cells = [
            _cell(run, name, iterations)
            for name in (
                STUDY_PAGE.format(who="learner"),
                STUDY_PAGE.format(who="newcomer"),
                ANSWER,
                RATE,
                PROGRESS,
            )
        ]
        lines.append(f"| {layout.name} | {layout.cards:,} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "`selectors.next_card` alone (what `/study/` runs to pick the card), median / p95 / p99:",
        "",
        "| layout | N | learner | newcomer |",
        "|---|---:|---|---|",
    ]
    for run in runs:
        layout = run.generated.layout
        cells = [
            _cell(run, NEXT_CARD.format(who=who), iterations) for who in ("learner", "newcomer")
        ]
        lines.append(f"| {layout.name} | {layout.cards:,} | " + " | ".join(cells) + " |")
    counts: dict[str, set[int]] = {}
    for run in runs:
        for name, count in run.queries.items():
            counts.setdefault(name, set()).add(count)
    described = [
        f"{name} {min(values)}" if len(values) == 1 else f"{name} {min(values)}–{max(values)}"
        for name, values in counts.items()
    ]
    same = all(len(values) == 1 for values in counts.values())
    lines += [
        "",
        "Queries per request"
        + (" (the same at every size): " if same else " (varying with the size): ")
        + "; ".join(described)
        + ".",
        "",
        "## Ratio largest N / smallest N (medians)",
        "",
        *ratio_table(runs),
        "",
        "## Generation",
        "",
        "COPY for questions, users and card states; INSERT … SELECT over the card states for "
        "the review logs and answers, on two connections at once, before their indexes are "
        "built; then VACUUM ANALYZE. Seconds:",
        "",
        "| layout | N | questions | learners | review logs | measured learner: cards, reviews "
        "(last 365 days) | seconds | phases |",
        "|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for run in runs:
        g = run.generated
        reviews = g.learner_history
        learner = (
            f"{g.layout.learner_cards:,}, {reviews.get('reviews', 0):,} "
            f"({reviews.get('last 365 days', 0):,})"
        )
        lines.append(
            f"| {g.layout.name} | {g.layout.cards:,} | {g.layout.questions:,} | "
            f"{g.layout.learners:,} | {g.review_logs:,} | {learner} | {g.total_seconds:.1f} | "
            f"{_phases(g)} |"
        )
    lines += [""] + [f"- Skipped: {note}." for note in skipped]
    return "\n".join(lines).rstrip() + "\n"


def _shown(path: Path) -> str:
    """The path from the repository's root when it is inside it."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def summary_table(runs: list[Run]) -> str:
    """Return a compact text table for the terminal."""
    rows = [f"{'layout':<14} {'N':>10}  {'measurement':<68} {'median':>8} {'p95':>8} {'p99':>8}"]
    for run in runs:
        for series in run.series:
            rows.append(
                f"{run.generated.layout.name:<14} {run.generated.layout.cards:>10,}  "
                f"{series.name:<68} {series.median:>8.2f} {series.percentile(0.95):>8.2f} "
                f"{series.percentile(0.99):>8.2f}"
            )
    return "\n".join(rows)


# --- the command -------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000", help="N card states, e.g. 1k,1M")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="one-learner,many-learners")
    parser.add_argument("--catalog", type=int, default=5000, help="questions (many-learners)")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--budget", type=float, default=120, help="seconds per measurement")
    parser.add_argument(
        "--max-generate-seconds",
        type=float,
        default=600,
        help="skip a size whose generation, extrapolated from the previous one, would exceed this",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="raw results")
    parser.add_argument(
        "--summary", type=Path, default=SUMMARY_PATH, help="summary, rewritten at the end"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--only-progress",
        action="store_true",
        help="measure the progress page alone (no next card, no answering)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    started = datetime.now(UTC)
    args = parse_args(argv)
    sizes = [parse_size(size) for size in args.sizes.split(",") if size.strip()]
    layouts = [name.strip() for name in args.layouts.split(",") if name.strip()]
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        raise BenchError(f"Unknown layouts {sorted(unknown)}: choose from {', '.join(LAYOUTS)}.")
    parts = database_parts(args.database_url)
    # One run per bench database: a second one would truncate the tables under the first.
    lock = admin_connection(parts)
    if not lock.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [parts["NAME"]]).fetchone()[0]:
        raise BenchError(f"Another study_scale run is using {parts['NAME']}: wait for it to end.")
    created = create_database(parts)
    log(f"database {parts['NAME']}: {'created' if created else 'exists'}")
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    facts = machine()
    options = " ".join(sys.argv[1:] if argv is None else argv) or "(defaults)"
    runs: list[Run] = []
    skipped: list[str] = []
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        for name in layouts:
            previous: Generated | None = None
            for size in sizes:
                layout = layout_for(name, size, args.catalog)
                if previous is not None:
                    expected = previous.total_seconds * layout.cards / previous.layout.cards
                    if expected > args.max_generate_seconds:
                        skipped.append(
                            f"{name}, N={layout.cards:,}: generation extrapolated to "
                            f"{expected:.0f} s > {args.max_generate_seconds:.0f} s"
                        )
                        log(skipped[-1])
                        continue
                log(f"{name}, N={layout.cards:,}: generating")
                previous = generate(layout, args.seed)
                log(f"{name}, N={layout.cards:,}: measuring")
                runs.append(
                    measure(
                        previous,
                        warmup=args.warmup,
                        iterations=args.iterations,
                        budget=args.budget,
                        only_progress=args.only_progress,
                    )
                )
                args.output.write_text(report(runs, skipped, facts, options))
    finally:
        if not args.keep:
            drop_database(parts)
            log(f"database {parts['NAME']}: dropped")
    finished = datetime.now(UTC)
    if runs:
        run_facts = {
            "started": f"{started:%Y-%m-%d %H:%M}",
            "finished": f"{finished:%H:%M} UTC",
            "minutes": (finished - started).total_seconds() / 60,
            "options": options,
            "iterations": args.iterations,
            "warmup": args.warmup,
            "budget": args.budget,
            "output": _shown(args.output),
        }
        args.summary.write_text(summary(runs, skipped, facts, run_facts))
    print(summary_table(runs))
    print(f"\nFull results and plans: {args.output}")
    print(f"Summary: {args.summary}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"study_scale: {error}", file=sys.stderr)
        sys.exit(2)

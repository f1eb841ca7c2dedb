#!/usr/bin/env python
"""Benchmark studying at scale on PostgreSQL: next-card selection and answering at N card states.

    .venv/bin/python bench/study_scale.py [--sizes 1000,100000,1000000] [--database-url URL]

N counts the rows of `study_cardstate`. Two layouts hold them (bench/README.md says why):

- one-learner: N questions and ONE learner with a card for each (the worst case for every
  per-learner query, and the literal "a learner with N card states");
- many-learners: a catalog of `--catalog` questions (5,000) and N / catalog learners holding a
  card for each question, their rows interleaved on disk; the measured learner holds a realistic
  5,000 cards however large the table grows.

The database (default kubeprep_bench) is created if missing, migrated, emptied before each size
and dropped at the end unless --keep. Its name must contain "bench": this script truncates tables.
Results go to bench/results/study_scale.md (git-ignored) and stdout. Never imported by the app.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg
    from django.http import HttpResponse

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results" / "study_scale.md"
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

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _tables() -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from studyapp.banks.models import Bank, Question, Topic
    from studyapp.study.models import Answer, CardState, ReviewLog, StudySettings

    models = {
        "user": get_user_model(),
        "topic": Topic,
        "bank": Bank,
        "question": Question,
        "settings": StudySettings,
        "card": CardState,
        "answer": Answer,
        "review": ReviewLog,
        "session": Session,
    }
    return {key: model._meta.db_table for key, model in models.items()}


def _copy(cursor: psycopg.Cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """COPY rows into a table; return how many."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _question_rows(layout: Layout, now: datetime, rng: random.Random) -> Iterator[tuple]:
    for pk in range(1, layout.questions + 1):
        bank = (pk - 1) // QUESTIONS_PER_BANK + 1
        topic = (bank - 1) % TOPICS + 1
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
            (pk - 1) % QUESTIONS_PER_BANK,
            rng.random() < RETIRED,
            now,
            now,
            bank,
            topic,
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
            return _copy(
                cursor, tables["question"], QUESTION_COLUMNS, _question_rows(layout, now, rng)
            )

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
        phase(
            "card states (COPY)",
            lambda: _copy(
                cursor, tables["card"], CARD_COLUMNS, _card_rows(layout, holders, now, rng)
            ),
        )

        def reviews() -> int:
            # One answer and one review log per started card, at its last review (ids = card ids).
            cursor.execute(
                f"INSERT INTO {tables['answer']} (id, user_id, card_id, card_version, response, "
                "is_correct, score, feedback, duration_ms, outcomes, created_at) "
                "SELECT id, user_id, id, version - 1, '[\"true\"]', true, 1.0, '[]', 8000, "
                f"%s::jsonb, last_review FROM {tables['card']} WHERE reps > 0",
                [OUTCOMES_JSON],
            )
            cursor.execute(
                f"INSERT INTO {tables['review']} (id, user_id, card_id, answer_id, rating, "
                "state_before, reviewed_at, duration_ms, is_correct, card_before) "
                "SELECT id, user_id, id, id, 3, CASE state WHEN 1 THEN 1 ELSE 2 END, "
                f"last_review, 8000, true, %s::jsonb FROM {tables['card']} WHERE reps > 0",
                [CARD_BEFORE_JSON],
            )
            return cursor.rowcount

        phase("answers + review logs (INSERT SELECT)", reviews)

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
            # What autovacuum would have done on a live database: statistics and visibility map.
            for table in tables.values():
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
    return result


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
    """Time `action` `iterations` times after a warm-up (fewer, at least 30, past the budget;
    the warm-up stops at a quarter of the budget, after at least 3 runs)."""
    started = time.perf_counter()
    for done in range(warmup):
        if done >= 3 and time.perf_counter() - started > budget / 4:
            break
        action()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < iterations:
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() - started > budget and len(times) >= 30:
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


def measure(generated: Generated, *, warmup: int, iterations: int, budget: float) -> Run:
    """Time next-card selection and answering for the measured learner and a newcomer."""
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

    for who, user in (("learner", learner), ("newcomer", newcomer)):
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
            sample(f"{who}: GET /study/ (client)", lambda c=client: _ok(c.get(study_url)), **timed)
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
        Series("learner: POST /study/answer/ (htmx)", answer_times[-count:]),
        Series("learner: POST /study/answers/<id>/rate/ (htmx, renders next card)", rate_times[-count:]),  # noqa: E501
    ]  # fmt: skip
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
        code = head.stdout.strip() + (" + uncommitted changes in studyapp/" if dirty.stdout else "")
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
        "| layout | N card states | questions | learners | learner cards | seconds | phases |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        g = run.generated
        phases = "; ".join(f"{name} {seconds:.1f}" for name, seconds in g.seconds.items())
        lines.append(
            f"| {g.layout.name} | {g.layout.cards:,} | {g.layout.questions:,} | "
            f"{g.layout.learners:,} | {g.layout.learner_cards:,} | {g.total_seconds:.1f} | "
            f"{phases} |"
        )
    lines += ["", "Measured learner's cards (due now / total, by state):", ""]
    for run in runs:
        g = run.generated
        states = ", ".join(
            f"{label} {g.learner_due.get(label, 0):,}/{g.learner_due.get(label + ' total', 0):,}"
            for label in ("new (shown)", "learning", "relearning", "review")
        )
        lines.append(f"- {g.layout.name}, N={g.layout.cards:,}: {states}")
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
    lines += ["", "## Ratio largest N / smallest N (median, p95)", ""]
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
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [parse_size(size) for size in args.sizes.split(",") if size.strip()]
    layouts = [name.strip() for name in args.layouts.split(",") if name.strip()]
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        raise BenchError(f"Unknown layouts {sorted(unknown)}: choose from {', '.join(LAYOUTS)}.")
    parts = database_parts(args.database_url)
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
                    )
                )
                args.output.write_text(report(runs, skipped, facts, options))
    finally:
        if not args.keep:
            drop_database(parts)
            log(f"database {parts['NAME']}: dropped")
    print(summary_table(runs))
    print(f"\nFull results and plans: {args.output}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"study_scale: {error}", file=sys.stderr)
        sys.exit(2)

#!/usr/bin/env python
"""Faults under load: kill a gunicorn worker and restart PostgreSQL while learners study.

    .venv/bin/python bench/faults.py [--users 20] [--duration 90] [--database-url URL]

The same learners as bench/load.py (bench/locustfile.py), against gunicorn (2 workers,
production settings) on PostgreSQL, all on this machine. While they study:

- at --kill-worker-at seconds (after the load starts) one gunicorn worker gets SIGKILL; the
  master starts another;
- at --restart-postgres-at seconds PostgreSQL restarts (`pg_ctlcluster --skip-systemctl-redirect
  VERSION CLUSTER restart`, `--cluster`, main by default, which disconnects every client of the
  server), and the script waits until it accepts connections again.

A learner retries a failed request as a browser user would, by submitting the same form again
(for up to 90 s), and records every answer and rating acknowledged by a 200 response. Afterwards,
without restarting gunicorn, the script checks that /readyz is 200 and that a new learner can
answer and rate, then checks the database: every acknowledged answer is stored with its question
and card version, every acknowledged rating is stored exactly once (one ReviewLog for the answer),
no answer or review is stored twice and no card advanced twice for one answer. It prints
"acknowledged vs stored" and OK or FAIL, writes bench/results/faults.md and exits 1 on any
failure. PostgreSQL is started again whatever happens.

Restarting PostgreSQL disconnects everyone using this server: --wait-for-quiet waits until no
other database has clients before starting. The database (default kubeprep_faults) is dropped at
the end unless --keep. Never imported by the app.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # noqa: E402 - the bench folder must be on the path first
    ANSWER,
    FORM_TYPE,
    PASSWORD,
    RATE,
    RESULTS,
    STUDY,
    Gunicorn,
    Prepared,
    answer_fields,
    answer_id_of,
    database_parts,
    drop_database,
    error_kinds,
    figures,
    http_get,
    log,
    machine_description,
    other_sessions,
    parse_page,
    prepare,
    run_locust,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kubeprep_faults"


# --- PostgreSQL ------------------------------------------------------------------------------


CLUSTER = "main"  # --cluster: the Debian cluster restarted (the one --database-url points at)


def cluster_version() -> str:
    """Return the version folder of the local cluster (/etc/postgresql/VERSION/CLUSTER)."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if (p / CLUSTER).is_dir())
    if not versions:
        raise SystemExit(f"No PostgreSQL cluster {CLUSTER!r} under /etc/postgresql.")
    return versions[-1]


def pg_ctlcluster(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster_version(), CLUSTER, action],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def postgres_accepts(parts: dict[str, Any]) -> bool:
    """Return whether PostgreSQL accepts a connection to the bench database now."""
    import psycopg

    try:
        with psycopg.connect(
            host=parts["HOST"] or None,
            port=parts["PORT"] or None,
            user=parts["USER"] or None,
            password=parts["PASSWORD"] or None,
            dbname=parts["NAME"],
            connect_timeout=2,
        ) as connection:
            connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def wait_for_postgres(parts: dict[str, Any], timeout: float = 120) -> float | None:
    """Wait until PostgreSQL accepts connections; return the seconds waited (None: it did not)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if postgres_accepts(parts):
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def ensure_postgres_running(parts: dict[str, Any]) -> str:
    """Start the cluster if it is not online; return what was done."""
    if postgres_accepts(parts):
        return "PostgreSQL is running"
    status = subprocess.run(["pg_lsclusters"], capture_output=True, text=True, check=False).stdout
    done = pg_ctlcluster("start")
    waited = wait_for_postgres(parts)
    return (
        f"PostgreSQL was not accepting connections ({status.strip()!r}); "
        f"pg_ctlcluster start exited {done.returncode}; "
        + (f"up after {waited:.1f} s" if waited is not None else "STILL DOWN")
    )


# --- The faults ------------------------------------------------------------------------------


@dataclass
class Timeline:
    events: list[tuple[float, str]] = field(default_factory=list)
    moments: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def note(self, key: str | None, message: str) -> None:
        now = time.time()
        if key:
            self.moments[key] = now
        self.events.append((now, message))
        log(message)


class FaultInjector(threading.Thread):
    """Kills a worker, then restarts PostgreSQL, at fixed times after the load starts."""

    def __init__(
        self,
        *,
        server: Gunicorn,
        parts: dict[str, Any],
        kill_at: float,
        restart_at: float,
        timeline: Timeline,
    ) -> None:
        super().__init__(daemon=True)
        self.server, self.parts = server, parts
        self.kill_at, self.restart_at = kill_at, restart_at
        self.timeline = timeline
        self.started = time.monotonic()
        self.cancelled = threading.Event()

    def _sleep_until(self, offset: float) -> bool:
        return not self.cancelled.wait(max(0.0, self.started + offset - time.monotonic()))

    def run(self) -> None:
        try:
            if self._sleep_until(self.kill_at):
                self.kill_worker()
            if self._sleep_until(self.restart_at):
                self.restart_postgres()
        except Exception as error:  # noqa: BLE001 - reported, and the checks still run
            self.timeline.problems.append(f"fault injection failed: {error!r}")

    def kill_worker(self) -> None:
        workers = self.server.worker_pids()
        if not workers:
            self.timeline.problems.append("no gunicorn worker to kill")
            return
        victim = workers[0]
        os.kill(victim, signal.SIGKILL)
        self.timeline.note("worker_killed", f"SIGKILL sent to gunicorn worker {victim}")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            current = self.server.worker_pids()
            if victim not in current and len(current) == self.server.workers:
                self.timeline.note(
                    "worker_replaced",
                    f"gunicorn runs {self.server.workers} workers again: {current}",
                )
                return
            time.sleep(0.1)
        self.timeline.problems.append(f"worker {victim} was not replaced within 60 s")

    def restart_postgres(self) -> None:
        others = other_sessions(self.parts)
        if others:
            self.timeline.note(None, f"restarting PostgreSQL also cuts off: {', '.join(others)}")
        self.timeline.note("postgres_restart", "pg_ctlcluster restart")
        done = pg_ctlcluster("restart")
        self.timeline.note(
            "postgres_restarted",
            f"pg_ctlcluster restart exited {done.returncode} {done.stderr.strip()[:200]}",
        )
        waited = wait_for_postgres(self.parts)
        if waited is None:
            self.timeline.problems.append("PostgreSQL did not accept connections within 120 s")
            return
        self.timeline.note("postgres_up", "PostgreSQL accepts connections")


# --- After the run: does the app serve again? ------------------------------------------------


class _SecureCookiesOverLoopback(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request) -> bool:  # noqa: ANN001
        return True


def new_learner_answers(base_url: str, username: str, answer_key: dict) -> tuple[bool, str, int]:
    """Log in, answer and rate one card over HTTP; return (worked, what happened, answer id)."""
    jar = http.cookiejar.CookieJar(policy=_SecureCookiesOverLoopback())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(path: str, fields: list | None = None, htmx: bool = False) -> tuple[int, str]:
        data = urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(base_url + path, data=data)
        if data is not None:
            request.add_header("Content-Type", FORM_TYPE)
        if htmx:
            request.add_header("HX-Request", "true")
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except OSError as error:
            return 0, str(error)

    status, html = call("/accounts/login/")
    login = next((f for f in parse_page(html).forms if "/accounts/login/" in f.action), None)
    if status != 200 or login is None:
        return False, f"GET /accounts/login/: HTTP {status}", 0
    fields = [(k, v) for k, v in login.hidden() if k != "next"]
    status, html = call(
        "/accounts/login/", [*fields, ("username", username), ("password", PASSWORD)]
    )
    if status != 200 or "/accounts/login/" in html and 'name="password"' in html:
        return False, f"login: HTTP {status}", 0
    status, html = call("/study/")
    form = parse_page(html).question_form
    if status != 200 or form is None:
        return False, f"GET /study/: HTTP {status}, question form: {form is not None}", 0
    status, html = call(
        form.action, answer_fields(form, answer_key.get(form.value("question")), True), htmx=True
    )
    rating_form = parse_page(html).rating_form
    if status != 200 or rating_form is None:
        return False, f"POST /study/answer/: HTTP {status}", 0
    answer_id = answer_id_of(rating_form) or 0
    rating = rating_form.buttons[-1][1]
    status, html = call(rating_form.action, [*rating_form.hidden(), ("rating", rating)], htmx=True)
    if status != 200:
        return False, f"POST {rating_form.action}: HTTP {status}", answer_id
    return True, f"answer {answer_id} given and rated {rating}: HTTP 200 each", answer_id


# --- The checks ------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def check_database(
    acks: list[dict], learners: list[str], final_answer_id: int
) -> tuple[list[Check], dict]:
    """Compare what the learners were told with what the database holds."""
    from django.db import connections
    from django.db.models import Count

    from studyapp.study.models import Answer, CardState, ReviewLog

    connections.close_all()  # this process's connection died with the restart
    answer_acks: dict[int, dict] = {}
    conflicting_answer_acks = []
    for ack in (a for a in acks if a["kind"] == "answer"):
        earlier = answer_acks.setdefault(ack["answer_id"], ack)
        if (earlier["user"], earlier["question"], earlier["version"]) != (
            ack["user"],
            ack["question"],
            ack["version"],
        ):
            conflicting_answer_acks.append(ack["answer_id"])
    rating_acks: dict[int, list[dict]] = {}
    for ack in (a for a in acks if a["kind"] == "rate"):
        rating_acks.setdefault(ack["answer_id"], []).append(ack)

    answers = {
        row["pk"]: row
        for row in Answer.objects.filter(user__username__in=learners).values(
            "pk", "user__username", "card_id", "card__question_id", "card_version", "created_at"
        )
    }
    reviews = list(
        ReviewLog.objects.filter(user__username__in=learners).values(
            "pk", "answer_id", "card_id", "rating", "user__username", "reviewed_at"
        )
    )
    reviews_by_answer = Counter(r["answer_id"] for r in reviews)
    review_of = {r["answer_id"]: r for r in reviews}

    missing_answers = [i for i in answer_acks if i not in answers]
    wrong_answers = [
        i
        for i, ack in answer_acks.items()
        if i in answers
        and (
            answers[i]["user__username"],
            answers[i]["card__question_id"],
            answers[i]["card_version"],
        )
        != (ack["user"], ack["question"], ack["version"])
    ]
    missing_reviews = [i for i in rating_acks if reviews_by_answer[i] == 0]
    doubled_reviews = [i for i, n in reviews_by_answer.items() if n > 1]
    wrong_ratings = [
        i
        for i, acked in rating_acks.items()
        if i in review_of
        and (
            any(a["rating"] != review_of[i]["rating"] for a in acked)
            or review_of[i]["user__username"] != acked[0]["user"]
        )
    ]
    doubled_answers = list(
        Answer.objects.filter(user__username__in=learners)
        .values("card_id", "card_version")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    # A card moves only when an answer to it is rated (the learners never undo, bury or
    # suspend): its version, its reps and its review count must agree, and its reviews must
    # belong to the answers of versions 0, 1, ... version - 1, each once.
    versions_of_reviews: dict[int, list[int]] = {}
    for review in reviews:
        versions_of_reviews.setdefault(review["card_id"], []).append(
            answers[review["answer_id"]]["card_version"]
        )
    cards = CardState.objects.filter(user__username__in=learners).values("pk", "version", "reps")
    advanced_wrongly = [
        card["pk"]
        for card in cards
        if not (
            card["version"] == card["reps"] == len(versions_of_reviews.get(card["pk"], []))
            and sorted(versions_of_reviews.get(card["pk"], [])) == list(range(card["version"]))
        )
    ]
    final_stored = (
        final_answer_id != 0 and ReviewLog.objects.filter(answer_id=final_answer_id).count() == 1
    )

    def listed(ids: list) -> str:
        return ", ".join(str(i) for i in ids[:10]) + (" …" if len(ids) > 10 else "")

    checks = [
        Check(
            "every acknowledged answer is stored, with its learner, question and card version",
            not missing_answers and not wrong_answers and not conflicting_answer_acks,
            f"{len(answer_acks)} acknowledged; missing {len(missing_answers)} "
            f"{listed(missing_answers)}; different {len(wrong_answers)} {listed(wrong_answers)}; "
            f"one id acknowledged for two cards {len(conflicting_answer_acks)}",
        ),
        Check(
            "every acknowledged rating is stored (one ReviewLog for its answer, same rating)",
            not missing_reviews and not wrong_ratings,
            f"{len(rating_acks)} acknowledged; missing {len(missing_reviews)} "
            f"{listed(missing_reviews)}; different rating or learner {len(wrong_ratings)}",
        ),
        Check(
            "no answer stored twice (card, card version)",
            not doubled_answers,
            f"{len(doubled_answers)} duplicated",
        ),
        Check(
            "no review stored twice (answer)",
            not doubled_reviews,
            f"{len(doubled_reviews)} answers with more than one review {listed(doubled_reviews)}",
        ),
        Check(
            "no card advanced twice for one answer (version = reps = reviews, one per version)",
            not advanced_wrongly,
            f"{len(cards)} cards checked; {len(advanced_wrongly)} inconsistent "
            f"{listed(advanced_wrongly)}",
        ),
        Check(
            "the new learner's rating after the faults is stored once",
            final_stored,
            f"answer {final_answer_id}",
        ),
    ]
    # A retried request whose row is older than its last attempt got back what an earlier attempt
    # had stored before its response was lost: the idempotency at work.
    answers_from_lost_attempts = sum(
        1
        for i, ack in answer_acks.items()
        if ack.get("attempts", 1) > 1
        and i in answers
        and answers[i]["created_at"].timestamp() < ack["last_attempt_at"]
    )
    ratings_from_lost_attempts = sum(
        1
        for i, acked in rating_acks.items()
        if acked[-1].get("attempts", 1) > 1
        and i in review_of
        and review_of[i]["reviewed_at"].timestamp() < acked[-1]["last_attempt_at"]
    )
    counts = {
        "answers acknowledged after a retry": sum(
            1 for ack in answer_acks.values() if ack.get("attempts", 1) > 1
        ),
        "ratings acknowledged after a retry": sum(
            1 for acked in rating_acks.values() if acked[-1].get("attempts", 1) > 1
        ),
        "answers stored by an attempt whose response was lost": answers_from_lost_attempts,
        "ratings stored by an attempt whose response was lost": ratings_from_lost_attempts,
        "answers acknowledged": len(answer_acks),
        "answers stored": len(answers),
        "answers stored, never acknowledged": len(set(answers) - set(answer_acks)),
        "ratings acknowledged": len(rating_acks),
        "reviews stored": len(reviews),
        "reviews stored, never acknowledged": len(set(reviews_by_answer) - set(rating_acks)),
        "acknowledged ratings stored exactly once": sum(
            1 for i in rating_acks if reviews_by_answer[i] == 1
        ),
    }
    return checks, counts


# --- Report ----------------------------------------------------------------------------------


def _window_errors(samples: list[list], start: float, end: float) -> str:
    """Count the study requests that ended between two moments, and the failed ones."""
    inside = [
        s for s in samples if start <= s[1] + s[2] / 1000 < end and s[0] in (ANSWER, RATE, STUDY)
    ]
    failed = [s for s in inside if not s[3]]
    return f"{len(inside)} requests, {len(failed)} failed"


def _recovery(samples: list[list], since: float | None, until: float | None) -> str:
    """Describe when requests stopped failing after a fault (and before the next one)."""
    if since is None:
        return "n/a"
    until = until or float("inf")
    failures = [end for s in samples if not s[3] and since <= (end := s[1] + s[2] / 1000) < until]
    ok_answers = [s[1] for s in samples if s[0] == ANSWER and s[3] and since <= s[1] < until]
    last_failure = max(failures) - since if failures else None
    first_ok = min(ok_answers) - since if ok_answers else None
    return (
        f"last failed request ended {last_failure:.1f} s after"
        if last_failure is not None
        else "no failed request after"
    ) + (
        f"; first acknowledged answer started {first_ok:.1f} s after"
        if first_ok is not None
        else "; no answer acknowledged after"
    )


def server_errors(log_path: Path, limit: int = 8) -> list[str]:
    """Return the most frequent error messages the app logged (JSON log lines)."""
    counts: Counter[str] = Counter()
    for line in log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            if "[ERROR]" in line or "WORKER TIMEOUT" in line or "was sent SIGKILL" in line:
                counts[line.split("] ", 3)[-1][:200]] += 1
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") in ("ERROR", "CRITICAL"):
            detail = record.get("exc_info") or record.get("exception") or ""
            last = detail.strip().splitlines()[-1] if detail else ""
            message = re.sub(r"/\d+/", "/<id>/", record.get("message", ""))
            counts[f"{message[:100]} {last[:160]}".strip()] += 1
    return [f"{n} × {message}" for message, n in counts.most_common(limit)]


def main(argv: list[str] | None = None) -> int:
    global CLUSTER  # noqa: PLW0603 - read by pg_ctlcluster, set once from --cluster
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simulated learners (20)")
    parser.add_argument("--duration", type=float, default=90, help="seconds of load (90)")
    parser.add_argument("--kill-worker-at", type=float, default=25, help="seconds (25)")
    parser.add_argument("--restart-postgres-at", type=float, default=50, help="seconds (50)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--wait-for-quiet",
        type=float,
        default=0,
        help="wait up to this many seconds for other databases to have no clients (0)",
    )
    parser.add_argument(
        "--cluster",
        default=CLUSTER,
        help="the Debian PostgreSQL cluster to restart, the one --database-url points at (main); "
        "a cluster of its own (pg_createcluster) leaves other users of the machine's server alone",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    CLUSTER = args.cluster
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on a kill

    RESULTS.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="kubeprep-faults-", dir=RESULTS))
    parts = database_parts(args.database_url)
    prepared: Prepared | None = None
    server: Gunicorn | None = None
    timeline = Timeline()
    injector: FaultInjector | None = None
    failed = True
    try:
        deadline = time.monotonic() + args.wait_for_quiet
        waited: list[str] = []
        while (others := other_sessions(parts)) and time.monotonic() < deadline:
            if others != waited:
                log(f"waiting for other PostgreSQL clients to finish: {', '.join(others)}")
                waited = others
            time.sleep(5)
        prepared = prepare(
            database_url=args.database_url, learners=args.users, extra_learners=1, log=log
        )
        machine = machine_description()
        server = Gunicorn(prepared.env, prepared.port, run_dir / "gunicorn.log")
        server.start()
        master = server.process.pid
        log(f"gunicorn {master} on {server.url}, workers {server.worker_pids()}")
        acks_path = run_dir / "acks.jsonl"

        def start_faults(process: subprocess.Popen) -> None:
            nonlocal injector
            timeline.note("load_start", f"locust started ({args.users} learners)")
            injector = FaultInjector(
                server=server,
                parts=parts,
                kill_at=args.kill_worker_at,
                restart_at=args.restart_postgres_at,
                timeline=timeline,
            )
            injector.start()

        data = run_locust(
            host=server.url,
            config={
                "learners": prepared.learners[: args.users],
                "password": PASSWORD,
                "answer_key": prepared.answer_key,
                "learner_seconds": args.duration,
                "healthz_seconds": 0,
                "cards_per_visit": 5,
                "right_share": 0.8,
                "acks_path": str(acks_path),
                "retry_seconds": 90,
                "stop_timeout": 120,  # let each learner finish its card, retries included
            },
            run_dir=run_dir,
            timeout=args.duration + 600,
            on_start=start_faults,
        )
        timeline.note("load_end", "locust finished")
        if injector is not None:  # a fault not yet due is skipped; one under way completes
            injector.cancelled.set()
            injector.join(timeout=180)

        # After the faults, with the same gunicorn master: does the app serve?
        same_master = server.process.poll() is None and server.process.pid == master
        readyz = [http_get(server.url + "/readyz", timeout=10) for _ in range(4)]
        worked, story, final_answer_id = new_learner_answers(
            server.url, prepared.learners[-1], prepared.answer_key
        )
        acks = [json.loads(line) for line in acks_path.read_text().splitlines() if line.strip()]
        checks, counts = check_database(acks, prepared.learners[: args.users], final_answer_id)
        checks[0:0] = [
            Check("gunicorn master never restarted", same_master, f"pid {master}"),
            Check(
                "GET /readyz is 200 after the faults", all(s == 200 for s in readyz), f"{readyz}"
            ),
            Check("a new learner answers and rates after the faults", worked, story),
        ]
        checks += [Check(problem, False, "") for problem in timeline.problems]
        failed = not all(check.ok for check in checks)
        text = report(
            args=args,
            machine=machine,
            data=data,
            timeline=timeline,
            checks=checks,
            counts=counts,
            server=server,
            failed=failed,
        )
        print(text)
        (RESULTS / "faults.md").write_text(text)
        log(f"written: {RESULTS / 'faults.md'}, run files in {run_dir}")
    finally:
        if injector is not None:  # let a restart under way finish before looking
            injector.cancelled.set()
            injector.join(timeout=180)
        log(ensure_postgres_running(parts))
        if server is not None:
            server.stop()
        if prepared is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(prepared.static_root, ignore_errors=True)
        if not args.keep:
            drop_database(parts)
    return 1 if failed else 0


def report(
    *,
    args: argparse.Namespace,
    machine: dict[str, str],
    data: dict[str, Any],
    timeline: Timeline,
    checks: list[Check],
    counts: dict[str, int],
    server: Gunicorn,
    failed: bool,
) -> str:
    samples = data["samples"]
    phases = data["phases"]
    start, end = phases["measure_start"], phases["learners_end"]
    moments = timeline.moments
    t0 = moments.get("load_start", phases["start"])
    kill = moments.get("worker_killed")
    restart = moments.get("postgres_restart")
    up = moments.get("postgres_up")
    requests = [figures(samples, name, start, end) for name in (ANSWER, RATE, STUDY)]
    failed_attempts = sum(f.errors for f in requests)
    retry = os.environ.get("DATABASE_CONNECT_RETRY_SECONDS")
    retry = f"{retry} s" if retry is not None else "5 s (the default)"
    lines = [
        f"# Faults under load: {'FAIL' if failed else 'OK'}, {failed_attempts} failed requests",
        "",
        f"OK or FAIL is the checks below (no acknowledged answer or rating lost or stored twice); "
        f"{failed_attempts} of {sum(f.count for f in requests):,} answer, rating and study "
        "requests failed (a 5xx or no response) and were submitted again by their learner.",
        "",
        f"Command: `.venv/bin/python bench/faults.py --users {args.users} --duration "
        f"{args.duration:.0f} --kill-worker-at {args.kill_worker_at:.0f} "
        f"--restart-postgres-at {args.restart_postgres_at:.0f}`",
        "",
        *[f"- {name}: {value}" for name, value in machine.items()],
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "- gunicorn 2 sync workers (deploy/gunicorn.conf.py), DJANGO_ENV=production "
        "(CONN_MAX_AGE 60 with health checks), PostgreSQL on 127.0.0.1 (cluster "
        f"{CLUSTER}); opening a connection waits up to {retry} "
        "(DATABASE_CONNECT_RETRY_SECONDS)",
        "",
        "## Timeline (seconds after the load started)",
        "",
        *[f"- {moment - t0:6.1f} s: {message}" for moment, message in timeline.events],
        "",
        "## Acknowledged vs stored",
        "",
        "| | acknowledged | stored | stored, never acknowledged |",
        "|---|---:|---:|---:|",
        f"| answers | {counts['answers acknowledged']} | {counts['answers stored']} | "
        f"{counts['answers stored, never acknowledged']} |",
        f"| ratings (review logs) | {counts['ratings acknowledged']} | "
        f"{counts['reviews stored']} | {counts['reviews stored, never acknowledged']} |",
        "",
        f"Acknowledged ratings stored exactly once: "
        f"{counts['acknowledged ratings stored exactly once']} of "
        f"{counts['ratings acknowledged']}. (Stored but never acknowledged: the learner gave up "
        "before a response came back, or the run ended during the request; allowed.)",
        "",
        f"Retried before acknowledged: {counts['answers acknowledged after a retry']} answers, "
        f"{counts['ratings acknowledged after a retry']} ratings. Of those, stored by an "
        "earlier attempt whose response was lost (the resubmitted form got the stored row back "
        "instead of a second one): "
        f"{counts['answers stored by an attempt whose response was lost']} answers, "
        f"{counts['ratings stored by an attempt whose response was lost']} ratings.",
        "",
        "## Checks",
        "",
        "| check | result | detail |",
        "|---|---|---|",
        *[f"| {c.name} | {'OK' if c.ok else 'FAIL'} | {c.detail} |" for c in checks],
        "",
        "## Requests",
        "",
        "| request | n | failed attempts | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in zip((ANSWER, RATE, STUDY), requests, strict=True):
        lines.append(
            f"| {name} | {f.count:,} | {f.errors} | {f.per_second:.1f} | {f.p50:.1f} | "
            f"{f.p95:.1f} | {f.p99:.1f} | {f.maximum:.1f} |"
        )
    lines += [
        "",
        f"Retries (the same form submitted again): {data.get('retries', 0)}; requests given up "
        f"after 90 s of retries: {data.get('gave_up', 0)}; workers booted: "
        f"{server.worker_boots()}.",
        "",
        "Failed attempts around each fault (answer, rate and study requests, by the moment "
        "they ended):",
        "",
        f"- before the worker kill: {_window_errors(samples, t0, kill or end)}",
        f"- worker kill to PostgreSQL restart: "
        f"{_window_errors(samples, kill or end, restart or end)}"
        if kill
        else "- worker kill: did not happen",
        f"- PostgreSQL restart until it accepted connections: "
        f"{_window_errors(samples, restart, up or end)}"
        if restart
        else "- PostgreSQL restart: did not happen",
        f"- after PostgreSQL was back: {_window_errors(samples, up, end + 600)}" if up else "",
        "",
        f"Recovery after the worker kill: {_recovery(samples, kill, restart)}.",
        f"Recovery after PostgreSQL came back: {_recovery(samples, up, None)}.",
    ]
    errors = error_kinds(samples)
    if errors:
        lines += ["", "Failed attempts seen by the learners:", "", *[f"- {e}" for e in errors]]
    logged = server_errors(server.log_path)
    if logged:
        lines += ["", "Errors logged by the app and gunicorn:", "", *[f"- {e}" for e in logged]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

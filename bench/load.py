#!/usr/bin/env python
"""Load benchmark: simulated learners against gunicorn (2 workers, production settings).

    .venv/bin/python bench/load.py [--users 20] [--duration 60] [--database-url URL]

Everything runs on this machine, on loopback, and stops by itself:

1. the database (default kubeprep_load; its name must contain "load", "fault" or "bench": it is
   emptied of earlier bench learners and dropped at the end unless --keep) is created if missing,
   migrated and loaded with content/; N learners are bulk-created with one password hash;
2. collectstatic into a temporary STATIC_ROOT, gunicorn with deploy/gunicorn.conf.py on a free
   loopback port (DJANGO_ENV=production, SECURE_SSL_REDIRECT=false);
3. locust (bench/locustfile.py, headless, one process): phase 1, N learners log in, then for
   --duration seconds open /study/ and answer and rate cards (htmx requests, as the browser
   sends them); phase 2, N clients send only answers for --answer-duration seconds; phase 3,
   right after, on the same server, N clients GET /healthz for --healthz-duration seconds. The
   tracked ratio is answer-POST/s of phase 2 over healthz/s of phase 3 (bench/LOAD.md says why),
   with each phase's CPU per request (gunicorn workers, PostgreSQL, locust) beside it, the
   figure least moved by other work on the machine;
4. the answer POST is profiled with pyinstrument through the Django test client on the same
   data, with its queries captured;
5. a markdown table goes to stdout and bench/results/load.md (git-ignored), and a summary is
   appended to bench/LOAD.md.

This module also holds what bench/locustfile.py and bench/faults.py share (page parsing, the
answer key, the database, gunicorn). It imports neither Django nor locust at import time.
Never imported by the app.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kubeprep_load"
SAFE_DATABASE_WORDS = ("load", "fault", "bench")

LEARNER_PREFIX = "load-learner-"
ANSWERER_PREFIX = "load-answerer-"
PASSWORD = "load-bench-password-7f3a"  # noqa: S105 - a throwaway account on a throwaway database
# Generous daily limits: at full speed a learner answers several cards a second, and the default
# 20 new cards a day would empty the queue in seconds (the page would then be "All done").
NEW_PER_DAY = 10_000
REVIEWS_PER_DAY = 100_000

# Request names in the statistics (one per endpoint, the answer id left out).
LOGIN_PAGE = "GET /accounts/login/"
LOGIN = "POST /accounts/login/"
STUDY = "GET /study/"
ANSWER = "POST /study/answer/"
ANSWER_ONLY = "POST /study/answer/ (answers only)"
RATE = "POST /study/answers/<id>/rate/"
HEALTHZ = "GET /healthz"
REPORTED = (ANSWER, RATE, STUDY, LOGIN, ANSWER_ONLY, HEALTHZ)

FORM_TYPE = "application/x-www-form-urlencoded"
# Other work on the machine (other tests, benchmarks) above this many cores skews the figures.
CONTENDED_CORES = 0.3
# The targets of issue 18: answer POSTs/s (answers only) at least this share of /healthz/s, and
# the answer POST's p99 under this with 20 learners at reading pace (a think time of seconds).
RATIO_TARGET = 0.3
P99_TARGET_MS = 100
RATE_ACTION = re.compile(r"/study/answers/(\d+)/rate/")


# --- Pages: what a browser reads from the study forms -------------------------------------------


@dataclass
class Form:
    """One HTML form: where it posts, its inputs and its submit buttons."""

    id: str
    action: str
    inputs: list[dict[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    order_texts: list[str] = field(default_factory=list)
    # (value, text) of each choice as shown: the values are displayed positions, shuffled per
    # learner and card version, so a right answer is found by its text.
    choices: list[tuple[str, str]] = field(default_factory=list)

    def hidden(self) -> list[tuple[str, str]]:
        """Return the hidden fields (CSRF token, question, version, shown) as sent."""
        return [
            (i["name"], i.get("value", ""))
            for i in self.inputs
            if i.get("type") == "hidden" and i.get("name")
        ]

    def value(self, name: str) -> str:
        """Return the value of the first input called `name` ("" if none)."""
        return next((i.get("value", "") for i in self.inputs if i.get("name") == name), "")

    def names(self, prefix: str) -> list[str]:
        """Return the names of the inputs starting with `prefix`, in page order."""
        return [i["name"] for i in self.inputs if i.get("name", "").startswith(prefix)]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._order_text: list[str] | None = None
        self._choice: list[str] | None = None
        self._choice_value = ""
        self._in_key = False  # the <kbd> of a choice's shortcut is not its text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(id=values.get("id", ""), action=values.get("action", ""))
        elif self._form is None:
            return
        elif tag == "input":
            self._form.inputs.append(values)
            if values.get("name") == "choice" and self._choice is not None:
                self._choice_value = values.get("value", "")
        elif tag == "button" and values.get("name"):
            self._form.buttons.append((values["name"], values.get("value", "")))
        elif tag == "span" and "order-text" in values.get("class", "").split():
            self._order_text = []
        elif tag == "label" and "choice" in values.get("class", "").split():
            self._choice, self._choice_value = [], ""
        elif tag == "kbd":
            self._in_key = True

    def handle_data(self, data: str) -> None:
        if self._order_text is not None:
            self._order_text.append(data)
        if self._choice is not None and not self._in_key:
            self._choice.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "kbd":
            self._in_key = False
        if tag == "label" and self._choice is not None and self._form is not None:
            self._form.choices.append((self._choice_value, "".join(self._choice)))
            self._choice = None
        if tag == "span" and self._order_text is not None and self._form is not None:
            self._form.order_texts.append("".join(self._order_text))
            self._order_text = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


@dataclass
class Page:
    """The forms of a study page or fragment that a learner uses."""

    forms: list[Form]

    def form(self, form_id: str) -> Form | None:
        return next((form for form in self.forms if form.id == form_id), None)

    @property
    def question_form(self) -> Form | None:
        return self.form("question-form")

    @property
    def rating_form(self) -> Form | None:
        return self.form("rating-form")

    @property
    def any_csrf(self) -> str:
        """Return a CSRF form token of the page ("" if it has no form)."""
        for form in self.forms:
            token = form.value("csrfmiddlewaretoken")
            if token:
                return token
        return ""


def parse_page(html: str) -> Page:
    """Return the forms of an HTML page or fragment."""
    parser = _FormParser()
    parser.feed(html or "")
    parser.close()
    return Page(parser.forms)


def answer_id_of(form: Form) -> int | None:
    """Return the answer id a rating form posts to."""
    match = RATE_ACTION.search(form.action)
    return int(match.group(1)) if match else None


# --- The answer key: what a learner who knows the material would type --------------------------


def build_answer_key() -> dict[str, dict[str, Any]]:
    """Return, per question id, its type and right answers (needs Django set up)."""
    from studyapp.banks.format import cloze_deletions
    from studyapp.banks.models import Question

    key: dict[str, dict[str, Any]] = {}
    for question in Question.objects.active().prefetch_related("choices"):
        choices = list(question.choices.all())
        key[str(question.pk)] = {
            "type": question.type,
            "correct_choices": [i for i, c in enumerate(choices) if c.is_correct],
            "choice_count": len(choices),
            "right_texts": [_letters(c.text) for c in choices if c.is_correct],
            "truth": question.truth,
            "answers": list(question.answers),
            "cloze": [answer for _, answer, _ in cloze_deletions(question.prompt)],
            "items": list(question.items),
            "solution": question.solution,
            "starter": question.starter,
        }
    return key


def _letters(text: str) -> str:
    """Return a choice's text reduced to letters and digits (markdown and markup left out)."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def answer_fields(form: Form, key: dict[str, Any] | None, correct: bool) -> list[tuple[str, str]]:
    """Return the fields a learner submits for the question form: right ones when `correct`."""
    fields = form.hidden()
    if key is None:
        return fields
    kind = key["type"]
    if kind in ("single", "multi"):
        if form.choices:  # a page: find the right choices by their text
            shown = [(value, _letters(text)) for value, text in form.choices]
            right = [value for value, text in shown if text in key["right_texts"]]
            wrong = [value for value, text in shown if text not in key["right_texts"]][:1]
        else:  # built without a page (answers-only): positions, right about 1 time in n
            right = [str(i) for i in key["correct_choices"]]
            wrong = [str(i) for i in range(key["choice_count"]) if str(i) not in right][:1]
        chosen = right if correct else wrong
        fields += [("choice", value) for value in (chosen[:1] if kind == "single" else chosen)]
    elif kind == "truefalse":
        truth = bool(key["truth"]) if correct else not key["truth"]
        fields.append(("truth", "true" if truth else "false"))
    elif kind == "short":
        fields.append(("text", key["answers"][0] if correct and key["answers"] else "no idea"))
    elif kind == "cloze":
        for index, name in enumerate(form.names("cloze-")):
            given = key["cloze"][index] if correct and index < len(key["cloze"]) else "?"
            fields.append((name, given))
    elif kind == "order":
        items = key["items"]
        for index, name in enumerate(form.names("position-")):
            text = form.order_texts[index] if index < len(form.order_texts) else ""
            # Right: each shown item at its place in the key. Wrong: the order as shown (never
            # the right one).
            position = items.index(text) + 1 if correct and text in items else index + 1
            fields.append((name, str(position)))
    elif kind == "yaml":
        fields.append(("manifest", key["solution"] if correct else key["starter"] or "kind: Pod"))
    return fields


def build_answer_forms(key: dict[str, dict[str, Any]]) -> dict[str, dict[str, list]]:
    """Return, per question id, the fields of a right and of a wrong answer to its first version
    (card version 0), as the page would lay them out (needs Django set up)."""
    from studyapp.study.answering import item_order

    forms: dict[str, dict[str, list]] = {}
    for pk, entry in key.items():
        items = entry["items"]
        shown = item_order(f"{pk}:0", len(items))
        inputs = [{"name": f"cloze-{i}"} for i in range(len(entry["cloze"]))]
        inputs += [{"name": f"position-{i}"} for i in range(len(items))]
        form = Form(
            id="question-form",
            action="/study/answer/",
            inputs=[
                {"type": "hidden", "name": "question", "value": pk},
                {"type": "hidden", "name": "version", "value": "0"},
                *inputs,
            ],
            order_texts=[items[i] for i in shown],
        )
        forms[pk] = {
            "right": answer_fields(form, entry, True),
            "wrong": answer_fields(form, entry, False),
        }
    return forms


# --- The database and the learners -------------------------------------------------------------


def database_parts(url: str) -> dict[str, Any]:
    """Return the connection parts of a PostgreSQL URL, refusing a name we must not drop."""
    import dj_database_url

    parts = dj_database_url.parse(url)
    if "postgresql" not in parts["ENGINE"]:
        raise SystemExit(f"{url}: a PostgreSQL URL is needed.")
    if not any(word in parts["NAME"] for word in SAFE_DATABASE_WORDS):
        raise SystemExit(
            f"{parts['NAME']}: the database name must contain one of {SAFE_DATABASE_WORDS} "
            "(this script empties and drops it)."
        )
    return parts


def _admin_connection(parts: dict[str, Any]):  # noqa: ANN202 - a psycopg.Connection
    import psycopg

    return psycopg.connect(
        host=parts["HOST"] or None,
        port=parts["PORT"] or None,
        user=parts["USER"] or None,
        password=parts["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def create_database(parts: dict[str, Any]) -> bool:
    """Create the database if it is missing; return whether it was created."""
    with _admin_connection(parts) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [parts["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{parts["NAME"]}"')
    return not exists


def drop_database(parts: dict[str, Any]) -> None:
    """Drop the database, closing whatever is still connected to it (say so if it cannot)."""
    import psycopg

    try:
        with _admin_connection(parts) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{parts["NAME"]}" WITH (FORCE)')
    except psycopg.Error as error:
        print(f"Could not drop the database {parts['NAME']}: {error}", file=sys.stderr)


def other_sessions(parts: dict[str, Any]) -> list[str]:
    """Return the client sessions of the server on other databases (other people's work)."""
    with _admin_connection(parts) as connection:
        rows = connection.execute(
            "SELECT datname, state FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND datname IS DISTINCT FROM %s AND pid <> pg_backend_pid()",
            [parts["NAME"]],
        ).fetchall()
    return [f"{name} ({state})" for name, state in rows]


def server_environment(database_url: str, static_root: Path, port: int) -> dict[str, str]:
    """Return the environment of the production-mode app, on plain HTTP, on loopback."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "studyapp.settings",
        "SECRET_KEY": "load-bench-" + secrets.token_hex(24),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "WEB_CONCURRENCY": "2",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str, log: Callable[[str], None]) -> None:
    """Run a manage.py command in the app's environment; stop with its output if it fails."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    log(f"manage.py {' '.join(args)}: {time.perf_counter() - started:.1f} s")


def setup_django(env: dict[str, str]) -> None:
    """Set Django up in this process with the app's production environment."""
    import django

    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    django.setup()


def create_learners(count: int, prefix: str = LEARNER_PREFIX) -> list[str]:
    """Replace the bench learners: `count` accounts sharing one password (hashed once)."""
    from django.contrib.auth.hashers import make_password

    from studyapp.accounts.models import User
    from studyapp.study.models import StudySettings

    User.objects.filter(username__startswith=prefix).delete()
    password_hash = make_password(PASSWORD)
    names = [f"{prefix}{index:04d}" for index in range(count)]
    users = User.objects.bulk_create(User(username=name, password=password_hash) for name in names)
    StudySettings.objects.bulk_create(
        StudySettings(user=user, new_per_day=NEW_PER_DAY, reviews_per_day=REVIEWS_PER_DAY)
        for user in users
    )
    return names


def log_in_directly(names: list[str]) -> list[str]:
    """Return a session key per account, made by Django's own test login (no password hashing)
    with the backend a password login uses."""
    from django.conf import settings
    from django.test import Client

    from studyapp.accounts.models import User

    keys = []
    for user in User.objects.filter(username__in=names).order_by("username"):
        client = Client()
        client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
        keys.append(client.session.session_key)
    return keys


@dataclass
class Prepared:
    env: dict[str, str]
    static_root: Path
    port: int
    learners: list[str]
    answer_key: dict[str, dict[str, Any]]
    database_created: bool


def prepare(
    *,
    database_url: str,
    learners: int,
    extra_learners: int = 0,
    redis_url: str = "",
    log: Callable[[str], None],
) -> Prepared:
    """Create and fill the database, collect static files, create the learners."""
    parts = database_parts(database_url)
    created = create_database(parts)
    log(f"database {parts['NAME']}: {'created' if created else 'already there'}")
    static_root = Path(tempfile.mkdtemp(prefix="kubeprep-static-"))
    env = server_environment(database_url, static_root, free_port())
    if redis_url:
        env["REDIS_URL"] = redis_url  # cache and sessions, as deploy/k8s runs the app
    manage(env, "migrate", "--noinput", log=log)
    manage(env, "loadbanks", "content", log=log)
    manage(env, "collectstatic", "--noinput", log=log)
    setup_django(env)
    started = time.perf_counter()
    names = create_learners(learners + extra_learners)
    key = build_answer_key()
    seconds = time.perf_counter() - started
    log(f"{len(names)} learners, answer key of {len(key)} questions: {seconds:.1f} s")
    return Prepared(env, static_root, int(env["PORT"]), names, key, created)


# --- gunicorn --------------------------------------------------------------------------------


def redis_answers(url: str) -> bool:
    """Return whether a Redis server answers PING at `url` (redis://host:port/db)."""
    match = re.match(r"redis://([^:/]+)(?::(\d+))?", url)
    if not match:
        return False
    try:
        with socket.create_connection((match.group(1), int(match.group(2) or 6379)), 2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """Return a TCP port free on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, timeout: float = 5) -> int:
    """Return the status of a GET (0 when the server does not answer)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return 0


def children(pid: int) -> list[int]:
    """Return the child processes of `pid` (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(value) for value in text.split()]


def cpu_seconds(pid: int) -> float | None:
    """Return the user + system CPU seconds of a process (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Gunicorn:
    """gunicorn with the production config, bound to loopback, in its own process group."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path, workers: int = 2) -> None:
        self.env = {**env, "WEB_CONCURRENCY": str(workers), "PORT": str(port)}
        self.port = port
        self.workers = workers
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> None:
        """Start gunicorn and wait until every worker answers."""
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",  # overrides the config's 0.0.0.0: loopback only
                "studyapp.wsgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log_path}")
            if len(self.worker_pids()) == self.workers and http_get(self.url + "/healthz") == 200:
                return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s: see {self.log_path}")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def worker_boots(self) -> int:
        """Return how many workers gunicorn booted so far (the first ones included)."""
        return self.log_path.read_text(errors="replace").count("Booting worker with pid")

    def stop(self) -> None:
        """Stop gunicorn gracefully, then by force."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log_file.close()


def postgres_backends(database: str) -> list[int]:
    """Return the PostgreSQL backend processes serving `database` (Linux /proc)."""
    marker = f" {database} ".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and marker in title:
                pids.append(int(entry.name))
    return pids


class CpuSampler(threading.Thread):
    """Samples, once a second, the CPU used by the machine and by each part of the system."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        super().__init__(daemon=True)
        self.groups = groups  # name -> the processes of that part, now
        self.samples: list[tuple[float, dict[str, float]]] = []  # time, cores used by each part
        self.process_sets: list[tuple[float, dict[str, frozenset[int]]]] = []
        self._stop = threading.Event()

    @staticmethod
    def _machine() -> tuple[float, float]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values) - idle, sum(values)

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: cpu for pid in pids() if (cpu := cpu_seconds(pid)) is not None}
            for name, pids in self.groups.items()
        }

    def run(self) -> None:
        busy0, total0 = self._machine()
        before, moment0 = self._read(), time.monotonic()
        while not self._stop.wait(1.0):
            busy, total = self._machine()
            now, moment = self._read(), time.monotonic()
            elapsed = max(moment - moment0, 1e-6)
            used = {
                # A process that appeared since the last sample counts from its first reading.
                name: sum(
                    max(0.0, cpu - before[name].get(pid, cpu)) for pid, cpu in now[name].items()
                )
                / elapsed
                for name in self.groups
            }
            used["machine"] = (busy - busy0) / max(total - total0, 1) * (os.cpu_count() or 1)
            self.samples.append((time.time(), used))
            self.process_sets.append(
                (time.time(), {name: frozenset(pids) for name, pids in now.items()})
            )
            busy0, total0, before, moment0 = busy, total, now, moment

    def stop(self) -> None:
        self._stop.set()

    def processes_seen(self, name: str, start: float, end: float) -> int:
        """Return how many distinct processes of a part ran between two times."""
        seen: set[int] = set()
        for moment, sets in self.process_sets:
            if start < moment <= end:
                seen |= sets[name]
        return len(seen)

    def average(self, start: float, end: float) -> dict[str, float]:
        """Return the mean cores used by the machine and each part between two times."""
        inside = [used for moment, used in self.samples if start < moment <= end]
        names = ["machine", *self.groups]
        if not inside:
            return dict.fromkeys(names, 0.0)
        return {name: sum(u[name] for u in inside) / len(inside) for name in names}


# --- locust ----------------------------------------------------------------------------------


def run_locust(
    *,
    host: str,
    config: dict[str, Any],
    run_dir: Path,
    timeout: float,
    on_start: Callable[[subprocess.Popen], None] | None = None,
) -> dict[str, Any]:
    """Run bench/locustfile.py headless in its own process; return its recorded samples."""
    config_path = run_dir / "locust-config.json"
    results_path = run_dir / "locust-samples.json"
    config = {**config, "results_path": str(results_path)}
    config_path.write_text(json.dumps(config))
    log_file = (run_dir / "locust.log").open("w")
    process = subprocess.Popen(
        [
            str(VENV_BIN / "locust"),
            "--locustfile",
            str(BENCH / "locustfile.py"),
            "--headless",
            "--host",
            host,
            "--only-summary",
            "--stop-timeout",
            str(config.get("stop_timeout", 10)),
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "KUBEPREP_LOCUST_CONFIG": str(config_path)},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if on_start:
            on_start(process)
        process.wait(timeout=timeout)
    except BaseException:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        raise
    finally:
        log_file.close()
    if not results_path.exists():
        raise SystemExit(
            f"locust wrote no results (exit {process.returncode}): see {log_file.name}"
        )
    return json.loads(results_path.read_text())


# --- Figures ---------------------------------------------------------------------------------


def percentile(sorted_values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Figures:
    name: str
    count: int
    errors: int
    per_second: float
    p50: float
    p95: float
    p99: float
    mean: float
    maximum: float


def figures(samples: Iterable[list], name: str, start: float, end: float) -> Figures:
    """Return throughput and latency of one request name, over requests started in [start, end)."""
    inside = [s for s in samples if s[0] == name and start <= s[1] < end]
    times = sorted(s[2] for s in inside if s[3])
    errors = sum(1 for s in inside if not s[3])
    seconds = max(end - start, 1e-9)
    return Figures(
        name=name,
        count=len(inside),
        errors=errors,
        per_second=len(inside) / seconds,
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        p99=percentile(times, 0.99),
        mean=sum(times) / len(times) if times else 0.0,
        maximum=times[-1] if times else 0.0,
    )


def error_kinds(samples: Iterable[list], limit: int = 8) -> list[str]:
    """Return the most frequent error messages with their counts."""
    counts: dict[str, int] = {}
    for sample in samples:
        if not sample[3]:
            label = f"{sample[0]}: {sample[4]}"
            counts[label] = counts.get(label, 0) + 1
    return [f"{count} × {label}" for label, count in sorted(counts.items(), key=lambda i: -i[1])][
        :limit
    ]


def machine_description() -> dict[str, str]:
    """Return what the figures depend on: cores, memory, CPU, versions, load before the run."""
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    import django

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    changed = len(git("status", "--porcelain", "--", "studyapp", "deploy").splitlines())
    return {
        "app": f"git {git('rev-parse', '--short', 'HEAD') or '?'}"
        + (f" with {changed} uncommitted files in studyapp/ and deploy/" if changed else ""),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "python / django": f"{platform.python_version()} / {django.get_version()}",
        "load average before the run (1, 5, 15 min)": ", ".join(
            f"{value:.2f}" for value in os.getloadavg()
        ),
    }


# --- Profile ---------------------------------------------------------------------------------


def profile_answers(
    *, username: str, answer_key: dict[str, dict[str, Any]], count: int, out_dir: Path
) -> dict[str, Any]:
    """Profile POST /study/answer/ through the Django test client; return the top costs."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from studyapp.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    rng = random.Random(7)
    profiler = Profiler(interval=0.0005)
    durations: list[float] = []
    query_counts: list[int] = []
    query_times: dict[str, list[float]] = {}
    for index in range(count):
        page = parse_page(client.get("/study/").content.decode())
        form = page.question_form
        if form is None:
            break
        fields = answer_fields(form, answer_key.get(form.value("question")), rng.random() < 0.8)
        # Half the answers run under the profiler, half with their queries captured: each
        # instrument distorts the other.
        capture = CaptureQueriesContext(connection) if index % 2 else None
        started = time.perf_counter()
        post = partial(
            client.post,
            "/study/answer/",
            urlencode(fields),
            content_type=FORM_TYPE,
            headers={"HX-Request": "true"},
        )
        if capture is not None:
            with capture:
                response = post()
        else:
            profiler.start()
            response = post()
            profiler.stop()
        elapsed = (time.perf_counter() - started) * 1000
        if capture is not None and not durations:  # one answer's queries, in full
            (out_dir / "answer_queries.sql").write_text(
                "".join(
                    f"-- {float(q['time']) * 1000:.2f} ms\n{q['sql']};\n\n"
                    for q in capture.captured_queries
                )
            )
        if capture is not None:
            durations.append(elapsed)
            query_counts.append(len(capture.captured_queries))
            for query in capture.captured_queries:
                shape = re.sub(r"\b\d+\b", "N", query["sql"])
                query_times.setdefault(shape, []).append(float(query["time"]) * 1000)
        rating_form = parse_page(response.content.decode()).rating_form
        if response.status_code != 200 or rating_form is None:
            raise SystemExit(f"profile: the answer POST gave {response.status_code}")
        rating = rng.choice([int(value) for _, value in rating_form.buttons])
        client.post(
            rating_form.action,
            urlencode([*rating_form.hidden(), ("rating", str(rating))]),
            content_type=FORM_TYPE,
            headers={"HX-Request": "true"},
        )
        reset_queries()
    session = profiler.last_session
    (out_dir / "profile_answer.txt").write_text(
        profiler.output_text(unicode=True, color=False, show_all=False)
    )
    (out_dir / "profile_answer.html").write_text(profiler.output_html())
    durations.sort()
    top_queries = sorted(
        (
            (sum(times) / len(durations), len(times) / len(durations), sql)
            for sql, times in query_times.items()
        ),
        reverse=True,
    )[:8]
    return {
        "answers": len(durations) * 2,
        "median_ms": percentile(durations, 0.5),
        "p95_ms": percentile(durations, 0.95),
        "queries_per_answer": sorted(query_counts)[len(query_counts) // 2] if query_counts else 0,
        "query_ms_per_answer": sum(sum(t) for t in query_times.values()) / max(len(durations), 1),
        "top_queries": top_queries,
        "top_frames": _top_frames(session),
        "sampled_seconds": session.duration if session else 0.0,
    }


def _top_frames(session: Any, limit: int = 14) -> dict[str, list[tuple[float, str]]]:
    """Return where the profiled time goes: our functions (inclusive) and packages (self time)."""
    if session is None:
        return {"ours": [], "packages": []}
    root = session.root_frame()
    total = root.time or 1e-9
    ours: dict[str, float] = {}
    packages: dict[str, float] = {}

    def walk(frame: Any, seen: frozenset[str]) -> None:
        path = _short_path(frame.file_path or "")
        if frame.file_path and not frame.is_synthetic:
            label = f"{frame.function} ({path}:{frame.line_no})"
            if path.startswith("studyapp/") and label not in seen:
                ours[label] = ours.get(label, 0.0) + frame.time
                seen = seen | {label}
            package = _package_of(path)
            packages[package] = packages.get(package, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child, seen)

    walk(root, frozenset())
    return {
        "ours": sorted(((t / total, label) for label, t in ours.items()), reverse=True)[:limit],
        "packages": sorted(((t / total, p) for p, t in packages.items()), reverse=True)[:limit],
    }


def _package_of(path: str) -> str:
    """Return a frame's package: two levels for Django and our app, one for the rest."""
    parts = path.split("/")
    if parts[0] in ("django", "studyapp") and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] in ("django", "studyapp"):
        return parts[0] + " (top)"
    if path.startswith("/") or len(parts) == 1:
        return "python stdlib / other"
    return parts[0]


def _short_path(path: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


# --- The load benchmark -------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def _other_work(used: dict[str, float]) -> float:
    """Return the cores used by other work on the machine (not the server, database or client)."""
    return max(0.0, used["machine"] - used["workers"] - used["postgres"] - used["locust"])


def _cpu_line(used: dict[str, float], flag: bool = True) -> str:
    """Describe the CPU used; with `flag`, say when other work skewed the figures."""
    other = _other_work(used)
    return (
        f"CPU in cores (of {os.cpu_count()}): machine {used['machine']:.2f}, gunicorn workers "
        f"{used['workers']:.2f}, PostgreSQL backends of the bench database "
        f"{used['postgres']:.2f}, locust {used['locust']:.2f}, other work {other:.2f}"
        + (
            " (**a busy machine: these figures are not comparable with a quiet run**)."
            if flag and other > CONTENDED_CORES
            else "."
        )
    )


def _per_request(used: dict[str, float], per_second: float) -> str:
    """Return the CPU milliseconds per request of the workers, PostgreSQL and locust in a phase
    (cores used over requests a second)."""
    if not per_second:
        return "–"
    return (
        " / ".join(
            f"{used[name] / per_second * 1000:.2f}" for name in ("workers", "postgres", "locust")
        )
        + " ms"
    )


def _row(f: Figures) -> str:
    return (
        f"| {f.name} | {f.count:,} | {f.errors} | {f.per_second:,.1f} | {f.p50:.1f} | "
        f"{f.p95:.1f} | {f.p99:.1f} | {f.mean:.1f} | {f.maximum:.1f} |"
    )


def report(
    *,
    args: argparse.Namespace,
    machine: dict[str, str],
    data: dict[str, Any],
    cpu: CpuSampler,
    server: Gunicorn,
    profile: dict[str, Any] | None,
) -> tuple[str, str]:
    """Return the full markdown report and the summary appended to bench/LOAD.md."""
    phases = data["phases"]
    samples = data["samples"]
    learn_start, learn_end = phases["measure_start"], phases["learners_end"]
    health_start = phases["healthz_start"] + args.healthz_warmup
    health_end = phases["healthz_end"]
    # The answerers' first requests fetch their page: the same warm-up is left out.
    answers_start = phases["answers_start"] + args.healthz_warmup
    answers_end = phases["answers_end"]
    learner_figures = [
        figures(samples, name, learn_start, learn_end) for name in (ANSWER, RATE, STUDY)
    ]
    login = figures(samples, LOGIN, phases["start"], learn_end)
    healthz = figures(samples, HEALTHZ, health_start, health_end)
    answers_only = figures(samples, ANSWER_ONLY, answers_start, answers_end)
    answer = learner_figures[0]
    all_learner = [
        s for s in samples if s[0] in (ANSWER, RATE, STUDY) and learn_start <= s[1] < learn_end
    ]
    total_errors = sum(1 for s in samples if not s[3])
    ratio = answers_only.per_second / healthz.per_second if healthz.per_second else 0.0
    learn_cpu = cpu.average(learn_start, learn_end)
    answers_cpu = cpu.average(answers_start, answers_end)
    health_cpu = cpu.average(health_start, health_end)
    at_reading_pace = args.think_time >= 1
    p99_verdict = (
        ("met" if answer.p99 < P99_TARGET_MS else "missed")
        if at_reading_pace
        else "not measured here: the target is at reading pace (--think-time 2)"
    )
    busy = any(_other_work(used) > CONTENDED_CORES for used in (answers_cpu, health_cpu))
    ratio_verdict = ("met" if ratio >= RATIO_TARGET else "missed") + (
        " (a busy machine: other work above "
        f"{CONTENDED_CORES} cores in phase 2 or 3, see the CPU lines)"
        if busy
        else ""
    )
    answer_costs = _per_request(answers_cpu, answers_only.per_second)
    healthz_costs = _per_request(health_cpu, healthz.per_second)
    lines = [
        "# Load benchmark: results",
        "",
        f"Command: `.venv/bin/python bench/load.py --users {args.users} --duration "
        f"{args.duration:g} --answer-duration {args.answer_duration:g} --healthz-duration "
        f"{args.healthz_duration:g} --think-time {args.think_time:g}`",
        "",
        *[f"- {name}: {value}" for name, value in machine.items()],
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "- server: gunicorn, 2 sync workers, deploy/gunicorn.conf.py, DJANGO_ENV=production, "
        "PostgreSQL on 127.0.0.1; the load client (locust, one process) on the same machine",
        "",
        f"## Phase 1: {args.users} learners, {learn_end - learn_start:.1f} s measured "
        f"(after all logged in), "
        + (f"{args.think_time:g} s think time" if args.think_time else "no think time"),
        "",
        "| request | n | errors | req/s | p50 ms | p95 ms | p99 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[_row(f) for f in learner_figures],
        f"| all study requests | {len(all_learner):,} | "
        f"{sum(1 for s in all_learner if not s[3])} | "
        f"{len(all_learner) / (learn_end - learn_start):,.1f} | | | | | |",
        "",
        f"Logins (before the window): {login.count}, p50 {login.p50:.0f} ms, max "
        f"{login.maximum:.0f} ms. Queue found empty: {data.get('queue_empty', 0)} times. "
        f"Answers given right: {data.get('right_answers', 0)}, wrong: "
        f"{data.get('wrong_answers', 0)}.",
        _cpu_line(learn_cpu)
        + f" Gunicorn worker processes: {cpu.processes_seen('workers', learn_start, learn_end)}.",
        "",
        f"## Phase 2: {args.users} clients sending only answers, "
        f"{answers_end - answers_start:.1f} s measured",
        "",
        "Each answer is the first to a question its account has not seen (it creates the card), "
        "80% right; no page, no rating in between: the answer POST's own throughput.",
        "",
        "| request | n | errors | req/s | p50 ms | p95 ms | p99 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        _row(answers_only),
        "",
        _cpu_line(answers_cpu) + f" Gunicorn worker processes: "
        f"{cpu.processes_seen('workers', answers_start, answers_end)}.",
        "",
        f"## Phase 3: {args.users} clients on /healthz, {health_end - health_start:.1f} s measured",
        "",
        "| request | n | errors | req/s | p50 ms | p95 ms | p99 ms | mean ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        _row(healthz),
        "",
        _cpu_line(health_cpu, flag=False)
        + " (Other work here includes the loopback network and the workers that boot: a "
        "recycled worker's start is not counted in theirs.)"
        + f" Gunicorn worker processes: {cpu.processes_seen('workers', health_start, health_end)}"
        f" (max_requests recycles a worker after about 2,000 requests; {server.worker_boots()} "
        "booted in the whole run).",
        "",
        "## Against the targets",
        "",
        "| figure | measured | target | |",
        "|---|---:|---:|---|",
        f"| answer POST p99 | {answer.p99:.1f} ms | < {P99_TARGET_MS} ms | {p99_verdict} |",
        f"| answer POST p50 / p95 | {answer.p50:.1f} / {answer.p95:.1f} ms | | |",
        f"| answer POST throughput, learners | {answer.per_second:.1f} /s | | |",
        f"| answer POST throughput, answers only | {answers_only.per_second:.1f} /s | | |",
        f"| errors (all requests, all phases) | {total_errors} | 0 | "
        f"{'met' if total_errors == 0 else 'missed'} |",
        f"| healthz throughput | {healthz.per_second:,.1f} /s | | |",
        f"| answer POST/s (answers only) ÷ healthz/s | {ratio:.3f} | ≥ {RATIO_TARGET} | "
        f"{ratio_verdict} |",
        "| CPU per answer POST (answers only): workers / PostgreSQL / locust | "
        f"{answer_costs} | | |",
        f"| CPU per /healthz: workers / PostgreSQL / locust | {healthz_costs} | | |",
    ]
    if total_errors:
        lines += ["", "Errors:", "", *[f"- {kind}" for kind in error_kinds(samples)]]
    if profile:
        lines += [
            "",
            f"## Profile of POST /study/answer/ (test client, {profile['answers']} answers, "
            "same data, DEBUG off)",
            "",
            f"In-process time per answer POST (the captured half): median "
            f"{profile['median_ms']:.1f} ms, p95 {profile['p95_ms']:.1f} ms; "
            f"{profile['queries_per_answer']} queries, {profile['query_ms_per_answer']:.1f} ms "
            "in the database per answer.",
            "",
            "Our functions by inclusive time, as a share of the profiled answer POSTs "
            "(pyinstrument; the full tree is in bench/results/profile_answer.txt and .html):",
            "",
            "| share | function |",
            "|---:|---|",
            *[f"| {share:.0%} | `{label}` |" for share, label in profile["top_frames"]["ours"]],
            "",
            "Where the time is spent (self time by package):",
            "",
            "| share | package |",
            "|---:|---|",
            *[f"| {share:.0%} | {name} |" for share, name in profile["top_frames"]["packages"]],
            "",
            "Queries by total time per answer POST:",
            "",
            "| ms per answer | runs per answer | query |",
            "|---:|---:|---|",
            *[
                f"| {ms:.2f} | {runs:.1f} | `{sql[:160]}` |"
                for ms, runs, sql in profile["top_queries"]
            ],
        ]
    full = "\n".join(lines) + "\n"
    summary = "\n".join(
        [
            f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.users} learners, "
            f"{learn_end - learn_start:.0f} s, think time {args.think_time:g} s; answers only "
            f"{answers_end - answers_start:.0f} s; healthz {health_end - health_start:.0f} s",
            "",
            f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory']}, load "
            f"average before {machine['load average before the run (1, 5, 15 min)']}. App: "
            f"{machine['app']}.",
            "",
            "| figure | measured | target |",
            "|---|---:|---:|",
            f"| answer POST req/s (learners) | {answer.per_second:.1f} | |",
            f"| answer POST p50 / p95 / p99 | {answer.p50:.1f} / {answer.p95:.1f} / "
            f"{answer.p99:.1f} ms | p99 < 100 ms |",
            f"| rate POST p50 / p95 / p99 | {learner_figures[1].p50:.1f} / "
            f"{learner_figures[1].p95:.1f} / {learner_figures[1].p99:.1f} ms | |",
            f"| GET /study/ p50 / p95 / p99 | {learner_figures[2].p50:.1f} / "
            f"{learner_figures[2].p95:.1f} / {learner_figures[2].p99:.1f} ms | |",
            f"| all study requests req/s | {len(all_learner) / (learn_end - learn_start):.1f} | |",
            f"| errors | {total_errors} | 0 |",
            f"| answer POST req/s (answers only) p50 / p99 | {answers_only.per_second:.1f} "
            f"({answers_only.p50:.1f} / {answers_only.p99:.1f} ms) | |",
            f"| healthz req/s | {healthz.per_second:,.1f} | |",
            f"| answer POST/s (answers only) ÷ healthz/s | {ratio:.3f} | ≥ {RATIO_TARGET} |",
            f"| CPU per answer POST (answers only): workers / PostgreSQL / locust | "
            f"{answer_costs} | |",
            f"| CPU per /healthz: workers / PostgreSQL / locust | {healthz_costs} | |",
            "",
            "- learner phase: " + _cpu_line(learn_cpu),
            "- answers-only phase: " + _cpu_line(answers_cpu),
            "- healthz phase: " + _cpu_line(health_cpu, flag=False),
            *(
                [
                    f"- profile (test client): answer POST median {profile['median_ms']:.1f} ms "
                    f"in-process, {profile['queries_per_answer']} queries; "
                    + ", ".join(
                        f"`{label.split(' ')[0]}` {share:.0%}"
                        for share, label in profile["top_frames"]["ours"][1:5]
                    )
                ]
                if profile
                else []
            ),
            "",
        ]
    )
    return full, summary


LOAD_MD_HEADER = "# Load benchmark\n\nMethod: see the docstring of bench/load.py.\n\n## Results\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="simulated learners (20)")
    parser.add_argument(
        "--duration", type=float, default=60, help="seconds of learner load, measured (60)"
    )
    parser.add_argument(
        "--answer-duration",
        type=float,
        default=30,
        help="seconds of the answers-only phase (30; 0 skips it)",
    )
    parser.add_argument(
        "--healthz-duration", type=float, default=15, help="seconds of healthz load (15)"
    )
    parser.add_argument(
        "--think-time",
        type=float,
        default=0,
        help="mean seconds a learner reads before each answer and each rating (0)",
    )
    parser.add_argument("--healthz-warmup", type=float, default=2.0, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/15",
        help="REDIS_URL of the app (cache and sessions) if a Redis answers there; '' for none",
    )
    parser.add_argument("--profile-answers", type=int, default=300, help="answers profiled (300)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--no-summary", action="store_true", help="do not append the figures to bench/LOAD.md"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on a kill

    RESULTS.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="kubeprep-load-", dir=RESULTS))
    parts = database_parts(args.database_url)
    prepared: Prepared | None = None
    server: Gunicorn | None = None
    try:
        redis_url = args.redis_url if args.redis_url and redis_answers(args.redis_url) else ""
        if args.redis_url and not redis_url:
            log(f"no Redis at {args.redis_url}: sessions in PostgreSQL")
        prepared = prepare(
            database_url=args.database_url,
            learners=args.users,
            extra_learners=1,
            redis_url=redis_url,
            log=log,
        )
        from django.conf import settings

        answerers = create_learners(args.users * 3, prefix=ANSWERER_PREFIX)
        answerer_sessions = log_in_directly(answerers)
        answer_forms = build_answer_forms(prepared.answer_key)
        machine = machine_description()
        machine["sessions"] = (
            f"cached_db (Redis at {redis_url}, then PostgreSQL)" if redis_url else "PostgreSQL"
        )
        others = other_sessions(parts)
        if others:
            log(f"other sessions on this PostgreSQL (they share the machine): {', '.join(others)}")
            machine["other PostgreSQL sessions at start"] = ", ".join(others)
        server = Gunicorn(prepared.env, prepared.port, run_dir / "gunicorn.log")
        server.start()
        log(f"gunicorn on {server.url}, workers {server.worker_pids()}")
        cpu_holder: dict[str, CpuSampler] = {}

        def started(process: subprocess.Popen) -> None:
            cpu_holder["cpu"] = CpuSampler(
                {
                    "workers": server.worker_pids,
                    "postgres": partial(postgres_backends, parts["NAME"]),
                    "locust": lambda: [process.pid],
                }
            )
            cpu_holder["cpu"].start()

        config = {
            "learners": prepared.learners[: args.users],
            "password": PASSWORD,
            "answer_key": prepared.answer_key,
            "learner_seconds": args.duration,
            "answer_seconds": args.answer_duration,
            "answerer_sessions": answerer_sessions,
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "answer_forms": answer_forms,
            "healthz_seconds": args.healthz_duration,
            "healthz_users": args.users,
            "cards_per_visit": 5,
            "right_share": 0.8,
            "think_seconds": args.think_time,
        }
        log(
            f"locust: {args.users} learners for {args.duration:.0f} s, then {args.users} "
            f"answerers for {args.answer_duration:.0f} s, then healthz for "
            f"{args.healthz_duration:.0f} s"
        )
        data = run_locust(
            host=server.url,
            config=config,
            run_dir=run_dir,
            timeout=args.duration + args.answer_duration + args.healthz_duration + 180,
            on_start=started,
        )
        cpu = cpu_holder["cpu"]
        cpu.stop()
        server.stop()
        log("profiling the answer POST")
        profile = profile_answers(
            username=prepared.learners[-1],
            answer_key=prepared.answer_key,
            count=args.profile_answers,
            out_dir=RESULTS,
        )
        full, summary = report(
            args=args,
            machine=machine,
            data=data,
            cpu=cpu,
            server=server,
            profile=profile,
        )
        (RESULTS / "load.md").write_text(full)
        print(full)
        if not args.no_summary:
            load_md = BENCH / "LOAD.md"
            if not load_md.exists():
                load_md.write_text(LOAD_MD_HEADER)
            with load_md.open("a") as out:
                out.write("\n" + summary)
        log(f"written: {RESULTS / 'load.md'}, run files in {run_dir}")
    finally:
        if server is not None:
            server.stop()
        if prepared is not None:
            from django.db import connections

            connections.close_all()
        if prepared is not None:
            shutil.rmtree(prepared.static_root, ignore_errors=True)
        if not args.keep:
            drop_database(parts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

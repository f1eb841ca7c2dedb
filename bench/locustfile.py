"""Simulated learners and health-check clients, run by bench/load.py and bench/faults.py.

Not meant to be run by hand: the scripts write a JSON config (learner accounts, password, answer
key, phase lengths) and pass its path in KUBEPREP_LOCUST_CONFIG. The load has three phases,
driven by `Phases`: learners for `learner_seconds` once all have logged in, then `healthz_users`
clients that only answer (`Answerer`) for `answer_seconds`, then as many on /healthz for
`healthz_seconds` (a phase of 0 s is skipped). At exit every request is written, raw, to
`results_path` for the scripts to compute their figures.

With `acks_path` set (bench/faults.py), a learner retries every failed request the way a browser
user would, by submitting the same form again, and appends each acknowledged answer and rating
(a 200 response) to that file as a JSON line.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, LoadTestShape, constant, events, task
from locust.contrib.fasthttp import FastResponse
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # noqa: E402 - the bench folder must be on the path first
    ANSWER,
    ANSWER_ONLY,
    HEALTHZ,
    LOGIN,
    LOGIN_PAGE,
    RATE,
    STUDY,
    Form,
    Page,
    answer_fields,
    answer_id_of,
    parse_page,
)

CONFIG: dict[str, Any] = json.loads(Path(os.environ["KUBEPREP_LOCUST_CONFIG"]).read_text())
ACKS_PATH = CONFIG.get("acks_path")
RETRY_FOR = float(CONFIG.get("retry_seconds", 90))  # a patient user, then they give up
LOGIN_TIMEOUT = 120.0  # past it, a learner that could not log in stops and the phase starts
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
HTMX = {**FORM, "HX-Request": "true"}

_learner_names = iter(CONFIG["learners"])
_answerer_sessions = iter(CONFIG.get("answerer_sessions", []))
_logged_in: list[str] = []
_samples: list[list] = []
_phases: dict[str, float] = {"start": time.time()}
_counters = {
    "queue_empty": 0,
    "right_answers": 0,
    "wrong_answers": 0,
    "retries": 0,
    "gave_up": 0,
    "login_failures": 0,
}
_acks = open(ACKS_PATH, "a", buffering=1) if ACKS_PATH else None  # noqa: SIM115 - open all run


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, start_time=None, **kw):  # noqa: ANN001, ANN202
    """Keep every request raw: name, start time, milliseconds, success, error."""
    error = "" if exception is None else str(exception).splitlines()[0][:160]
    _samples.append([name, start_time or time.time(), response_time, exception is None, error])


@events.quitting.add_listener
def _write_results(environment, **kwargs) -> None:  # noqa: ANN001
    _phases.setdefault("learners_end", time.time())
    _phases.setdefault("answers_start", _phases["learners_end"])
    _phases.setdefault("answers_end", _phases["answers_start"])
    _phases.setdefault("healthz_start", _phases["answers_end"])
    _phases.setdefault("healthz_end", time.time())
    _phases.setdefault("measure_start", _phases["start"])
    Path(CONFIG["results_path"]).write_text(
        json.dumps({"phases": _phases, "samples": _samples, **_counters})
    )
    if _acks is not None:
        _acks.close()


def _acknowledge(**record: Any) -> None:
    if _acks is not None:
        _acks.write(json.dumps({**record, "t": time.time()}) + "\n")


def _problem(response: FastResponse) -> str:
    """Return what went wrong with a response, in a line."""
    if response.status_code == 0:
        return f"no response: {getattr(response, 'error', None)!r}"[:160]
    if response.status_code in (301, 302, 303):
        return f"HTTP {response.status_code} to {response.headers.get('Location')}"
    return f"HTTP {response.status_code}"


class _SecureCookiesOverLoopback(http.cookiejar.DefaultCookiePolicy):
    """Send the Secure session and CSRF cookies over plain HTTP, as TLS ends before the app."""

    def return_ok_secure(self, cookie, request) -> bool:  # noqa: ANN001
        return True


class Learner(FastHttpUser):
    """A learner: logs in, opens /study/, answers and rates five cards (htmx), and again.

    Before each answer and each rating the learner thinks for `think_seconds` on average (0 by
    default: the next request leaves as soon as the last response is in), drawn uniformly from
    half to one and a half times that so learners who started together do not stay in step.
    """

    wait_time = constant(0)
    think_seconds = float(CONFIG.get("think_seconds", 0))
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.username = next(_learner_names, None)
        if self.username is None:
            raise StopUser()
        self.rng = random.Random(self.username)
        self.page: Page | None = None
        self.cards_left = 0
        self.client.cookiejar.set_policy(_SecureCookiesOverLoopback())
        session = CONFIG.get("learner_sessions", {}).get(self.username)
        if session:  # signed in beforehand (bench/hostile.py): no password hashing at the start
            self.client.cookiejar.set_cookie(_cookie(CONFIG["session_cookie"], session))
        else:
            self._log_in()
        _logged_in.append(self.username)

    # Requests ---------------------------------------------------------------------------------

    def _send(
        self, method: str, path: str, name: str, fields: list | None, headers: dict, ok
    ) -> FastResponse | None:  # noqa: ANN001 - ok: a check of the response
        """Send a request (the same form again after a failure, in faults mode)."""
        body = urlencode(fields) if fields is not None else None
        deadline = time.monotonic() + RETRY_FOR
        delay = 0.25
        self.attempts = 0
        while True:
            self.attempts += 1
            self.last_attempt_at = time.time()
            with self.client.request(
                method,
                path,
                name=name,
                data=body,
                headers=headers,
                allow_redirects=False,
                catch_response=True,
            ) as response:
                problem = ok(response)
                if problem is None:
                    response.success()
                    return response
                response.failure(problem)
            # A browser user resubmits after an error page or a dropped connection; a redirect
            # or a refusal (4xx) would only come back the same.
            retryable = response.status_code == 0 or response.status_code >= 500
            if ACKS_PATH is None or not retryable or time.monotonic() > deadline:
                if ACKS_PATH is not None and retryable:
                    _counters["gave_up"] += 1
                return None
            _counters["retries"] += 1
            gevent.sleep(delay)
            delay = min(delay * 2, 2.0)

    @staticmethod
    def _status(expected: int):  # noqa: ANN205
        def check(response: FastResponse) -> str | None:
            return None if response.status_code == expected else _problem(response)

        return check

    def _log_in(self) -> None:
        deadline = time.monotonic() + LOGIN_TIMEOUT
        while time.monotonic() < deadline:
            page = self._send("GET", "/accounts/login/", LOGIN_PAGE, None, {}, self._status(200))
            forms = parse_page(page.text).forms if page is not None else []
            login = next((form for form in forms if "/accounts/login/" in form.action), None)
            if login is not None:
                fields = [
                    *login.hidden(),
                    ("username", self.username),
                    ("password", CONFIG["password"]),
                ]
                fields = [(k, v) for k, v in fields if k != "next"]

                def logged_in(response: FastResponse) -> str | None:
                    if response.status_code == 302 and "/accounts/login" not in (
                        response.headers.get("Location") or ""
                    ):
                        return None
                    return f"login refused (HTTP {response.status_code})"

                if (
                    self._send("POST", "/accounts/login/", LOGIN, fields, FORM, logged_in)
                    is not None
                ):
                    return
            gevent.sleep(1)
        _counters["login_failures"] += 1
        raise StopUser()

    def _open_study(self) -> None:
        response = self._send("GET", "/study/", STUDY, None, {}, self._status(200))
        self.page = parse_page(response.text) if response is not None else None
        self.cards_left = int(CONFIG.get("cards_per_visit", 5))

    # The task ---------------------------------------------------------------------------------

    @task
    def study_a_card(self) -> None:
        if self.page is None or self.cards_left <= 0:
            self._open_study()
        question_form = self.page.question_form if self.page else None
        if question_form is None:
            if self.page is not None:
                _counters["queue_empty"] += 1
            self.page = None
            gevent.sleep(1)
            return
        self._think()
        rating_form = self._answer(question_form)
        if rating_form is not None:
            self._think()
        self.page = self._rate(rating_form) if rating_form is not None else None
        self.cards_left -= 1

    def _think(self) -> None:
        if self.think_seconds:
            gevent.sleep(self.think_seconds * self.rng.uniform(0.5, 1.5))

    def _answer(self, form: Form) -> Form | None:
        right = self.rng.random() < float(CONFIG.get("right_share", 0.8))
        _counters["right_answers" if right else "wrong_answers"] += 1
        key = CONFIG["answer_key"].get(form.value("question"))
        fields = answer_fields(form, key, right)

        def shows_rating_buttons(response: FastResponse) -> str | None:
            if response.status_code != 200:
                return _problem(response)
            if parse_page(response.text).rating_form is None:
                return "no rating form in the answer's result"
            return None

        response = self._send("POST", form.action, ANSWER, fields, HTMX, shows_rating_buttons)
        if response is None:
            return None
        rating_form = parse_page(response.text).rating_form
        _acknowledge(
            kind="answer",
            user=self.username,
            answer_id=answer_id_of(rating_form),
            question=int(form.value("question")),
            version=int(form.value("version")),
            attempts=self.attempts,
            last_attempt_at=self.last_attempt_at,
        )
        return rating_form

    def _rate(self, form: Form) -> Page | None:
        allowed = [int(value) for name, value in form.buttons if name == "rating"]
        weights = {1: 1, 2: 2, 3: 6, 4: 1}
        rating = self.rng.choices(allowed, weights=[weights[r] for r in allowed])[0]
        response = self._send(
            "POST",
            form.action,
            RATE,
            [*form.hidden(), ("rating", str(rating))],
            HTMX,
            self._status(200),
        )
        if response is None:
            return None
        _acknowledge(
            kind="rate",
            user=self.username,
            answer_id=answer_id_of(form),
            rating=rating,
            attempts=self.attempts,
            last_attempt_at=self.last_attempt_at,
        )
        return parse_page(response.text)


class Answerer(FastHttpUser):
    """A client sending answers, nothing else, as fast as they are answered: what the server can
    do of its heaviest study request. Each answer is the first to a question the account has
    never seen (a new card), 80% of them right; an account that has answered every question
    hands over to the next one."""

    wait_time = constant(0)
    network_timeout = 30.0

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.cookiejar.set_policy(_SecureCookiesOverLoopback())
        self.questions: list[str] = []
        if not self._next_account():
            raise StopUser()

    def _next_account(self) -> bool:
        session_key = next(_answerer_sessions, None)
        if session_key is None:
            return False
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(_cookie(CONFIG["session_cookie"], session_key))
        # The page gives the CSRF token and a signed "shown at" stamp, as a browser has them.
        response = self.client.get("/study/", name=f"{STUDY} (answers only)")
        page = parse_page(response.text)
        form = page.question_form
        self.csrf = page.any_csrf
        self.shown = form.value("shown") if form else ""
        self.questions = list(CONFIG["answer_forms"])
        self.rng.shuffle(self.questions)
        return True

    @task
    def answer(self) -> None:
        if not self.questions and not self._next_account():
            raise StopUser()
        fields = CONFIG["answer_forms"][self.questions.pop()]
        right = self.rng.random() < float(CONFIG.get("right_share", 0.8))
        body = [("csrfmiddlewaretoken", self.csrf), ("shown", self.shown)]
        body += fields["right" if right else "wrong"]
        with self.client.request(
            "POST",
            "/study/answer/",
            name=ANSWER_ONLY,
            data=urlencode(body),
            headers=HTMX,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(_problem(response))
            elif 'id="rating-form"' not in (response.text or ""):
                response.failure("no rating form in the answer's result")
            else:
                response.success()


def _cookie(name: str, value: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        version=0, name=name, value=value, port=None, port_specified=False,
        domain="127.0.0.1", domain_specified=False, domain_initial_dot=False, path="/",
        path_specified=True, secure=False, expires=None, discard=True, comment=None,
        comment_url=None, rest={},
    )  # fmt: skip


class Healthz(FastHttpUser):
    """A client asking /healthz as fast as it is answered."""

    wait_time = constant(0)
    network_timeout = 30.0

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name=HEALTHZ)


# After the learners: (phase name, its length in the config, the users it runs).
LATER_PHASES = (("answers", "answer_seconds", Answerer), ("healthz", "healthz_seconds", Healthz))


class Phases(LoadTestShape):
    """Learners until `learner_seconds` after the last one logged in, then answerers for
    `answer_seconds`, then healthz clients for `healthz_seconds` (a phase of 0 s is skipped)."""

    def tick(self) -> tuple[int, float, list] | None:
        learners = len(CONFIG["learners"])
        now = time.time()
        if "learners_end" not in _phases:
            all_in = len(_logged_in) + _counters["login_failures"] >= learners
            if "measure_start" not in _phases and (
                all_in or now > _phases["start"] + LOGIN_TIMEOUT + 10
            ):
                _phases["measure_start"] = now
            start = _phases.get("measure_start")
            if start is None or now < start + float(CONFIG["learner_seconds"]):
                # All at once by default; `spawn_rate` learners a second spreads the logins.
                return learners, float(CONFIG.get("spawn_rate", learners)), [Learner]
            _phases["learners_end"] = now
        users = int(CONFIG.get("healthz_users", learners))
        for name, length, user_class in LATER_PHASES:
            if f"{name}_end" in _phases:
                continue
            seconds = float(CONFIG.get(length, 0))
            if f"{name}_start" not in _phases and self.get_current_user_count() > 0:
                # Stop the users of the phase before: locust keeps the users it has when only
                # the class changes.
                return 0, max(users, 1), [user_class]
            _phases.setdefault(f"{name}_start", now)
            if now < _phases[f"{name}_start"] + seconds:
                return users, users, [user_class]
            _phases[f"{name}_end"] = now
        return None

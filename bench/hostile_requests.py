"""The hostile requests of bench/hostile.py, sent over HTTP as a browser would send them.

- a YAML alias bomb (448 bytes, 9 levels of 9 aliases: 387 million values once expanded)
  answered to a YAML exercise by a learner, two at once;
- a lead saving an assessment's instructions at their length cap, filled with the costliest
  markdown of bench/markdown_cases.py (a different case each time), then opening its preview;
- the issue's 30,000 `[` saved as the same instructions, which the form must refuse.

The pages holding the forms are read once; the forms are then posted again and again, as an
attacker would. Each request returns an `Outcome`: what was sent, the status, the time, and
whether the app answered as it should. Never imported by the app.
"""

from __future__ import annotations

import http.cookiejar
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from load import FORM_TYPE, PASSWORD, create_learners, parse_page

# 9 levels of 9 aliases each, a list of strings at the bottom: 9**9 values once expanded.
ALIAS_BOMB = "\n".join(
    [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: {name: lol}",
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)
BRACKETS = "[" * 30_000  # the input
# The User-Agent of every hostile request: gunicorn's access log tells them apart by it.
AGENT = "kubeprep-hostile-bench"


@dataclass
class Outcome:
    kind: str
    started: float  # time.time()
    ms: float
    status: int
    ok: bool
    detail: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        return None  # a redirect comes back as its own response (HTTPError 302)


class _SecureCookiesOverLoopback(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request) -> bool:  # noqa: ANN001
        return True


class Browser:
    """One signed-in person: cookies, no redirects followed, every request timed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        jar = http.cookiejar.CookieJar(policy=_SecureCookiesOverLoopback())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirects
        )

    def request(
        self, path: str, fields: list | None = None, *, htmx: bool = False, timeout: float = 60
    ) -> tuple[int, str, float]:
        """Return the status, the body and the milliseconds of a GET (or a POST of `fields`)."""
        data = urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.base_url + path, data=data)
        request.add_header("User-Agent", AGENT)
        if data is not None:
            request.add_header("Content-Type", FORM_TYPE)
        if htmx:
            request.add_header("HX-Request", "true")
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, body = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        except OSError as error:
            status, body = 0, str(error)
        return status, body, (time.perf_counter() - started) * 1000

    def log_in(self, username: str) -> None:
        status, html, _ = self.request("/accounts/login/")
        login = next((f for f in parse_page(html).forms if "/accounts/login/" in f.action), None)
        if status != 200 or login is None:
            raise SystemExit(f"{username}: GET /accounts/login/ gave HTTP {status}")
        fields = [(k, v) for k, v in login.hidden() if k != "next"]
        fields += [("username", username), ("password", PASSWORD)]
        status, _, _ = self.request("/accounts/login/", fields)
        if status != 302:
            raise SystemExit(f"{username}: login gave HTTP {status}")


class _SettingsForm(HTMLParser):
    """The fields a browser submits from one form: inputs, checked boxes, textareas, selects."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = values.get("action") == self.action and values.get("method") == "post"
        if not self.inside:
            return
        name = values.get("name")
        if tag == "input" and name:
            if values.get("type") in ("checkbox", "radio") and "checked" not in values:
                return
            if values.get("type") not in ("submit", "button"):
                self.fields.append((name, values.get("value", "on")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in values:
            self.fields.append((self._select, values.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """Return what a browser would post from the page's form posting to `action`."""
    parser = _SettingsForm(action)
    parser.feed(html)
    parser.close()
    return parser.fields


# --- The people and what they use (made with the ORM, before the server starts) ----------------


@dataclass
class Setup:
    lead: str
    bombers: list[str]
    assessment_id: int
    instructions_cap: int
    yaml_question_id: int


def create_setup(bombers: int = 2) -> Setup:
    """A lead with a team and a draft assessment of a few questions; learners who send bombs."""
    from studyapp.accounts.models import Membership, Team, User
    from studyapp.assessments import services
    from studyapp.assessments.models import Assessment
    from studyapp.banks.models import Question

    lead_name = create_learners(1, prefix="hostile-lead-")[0]
    bomber_names = create_learners(bombers, prefix="hostile-learner-")
    lead = User.objects.get(username=lead_name)
    team = Team.objects.create(name="Hostile bench team")
    Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
    from django.utils import timezone

    now = timezone.now()
    assessment = Assessment.objects.create(
        team=team,
        title="Hostile bench assessment",
        instructions="Read each question.",
        opens_at=now,
        closes_at=now + timezone.timedelta(days=7),
        created_by=lead,
    )
    for question in Question.objects.public().order_by("pk")[:5]:
        services.add_question_item(assessment=assessment, question=question)
    yaml_question = Question.objects.public().filter(type="yaml").order_by("pk").first()
    if yaml_question is None:
        raise SystemExit("The content holds no yaml exercise to answer with a bomb.")
    return Setup(
        lead=lead_name,
        bombers=bomber_names,
        assessment_id=assessment.pk,
        instructions_cap=Assessment._meta.get_field("instructions").max_length,
        yaml_question_id=yaml_question.pk,
    )


# --- The requests ------------------------------------------------------------------------------


def study_form(browser: Browser) -> list[tuple[str, str]]:
    """Return the CSRF token and the "shown at" stamp of the study page (fetched once: the
    hostile client then posts again and again without reading a page)."""
    page = parse_page(browser.request("/study/")[1])
    form = page.question_form
    return [("csrfmiddlewaretoken", page.any_csrf), ("shown", form.value("shown") if form else "")]


def yaml_bomb(browser: Browser, form: list[tuple[str, str]], question_id: int) -> Outcome:
    """Answer a YAML exercise with the alias bomb (htmx, as the study page sends it)."""
    started = time.time()
    fields = [*form, ("question", str(question_id)), ("version", "0"), ("manifest", ALIAS_BOMB)]
    status, html, ms = browser.request("/study/answer/", fields, htmx=True)
    message = _message(html, "aliases")
    refused = "not allowed" in message
    return Outcome(
        "YAML alias bomb answered",
        started,
        ms,
        status,
        status == 200 and refused,
        f"refused: {message}" if refused else f"not refused: {html[:120]!r}",
    )


def _message(html: str, word: str) -> str:
    """Return the text of the page's element that holds `word` (for the report)."""
    import re

    found = re.search(rf">([^<>]*{re.escape(word)}[^<>]*)<", html, flags=re.IGNORECASE)
    return " ".join(found.group(1).split())[:160] if found else ""


def settings_form(browser: Browser, assessment_id: int) -> list[tuple[str, str]]:
    """Return the fields of the assessment's settings form as shown, but its instructions
    (fetched once, then posted again and again)."""
    path = f"/assessments/{assessment_id}/manage/"
    status, html, _ = browser.request(path)
    fields = [(k, v) for k, v in form_fields(html, path) if k != "instructions"]
    if status != 200 or not fields:
        raise SystemExit(f"GET {path}: HTTP {status}, no settings form")
    return fields


def maximal_markdown(
    browser: Browser, form: list[tuple[str, str]], assessment_id: int, text: str, case: str
) -> list[Outcome]:
    """Save instructions at the cap, then open the preview that renders them."""
    started = time.time()
    path = f"/assessments/{assessment_id}/manage/"
    status, _, ms = browser.request(path, [*form, ("instructions", text)])
    saved = Outcome(
        "instructions at the cap saved",
        started,
        ms,
        status,
        status == 302,
        f"{case}, {len(text):,} characters",
    )
    started = time.time()
    marker = text.rsplit("\n", 1)[-1]
    status, html, ms = browser.request(f"/assessments/{assessment_id}/preview/")
    shown = marker in html
    preview = Outcome(
        "preview opened",
        started,
        ms,
        status,
        status == 200 and shown,
        f"{case}: {'shows' if shown else 'does not show'} the saved text",
    )
    return [saved, preview]


def brackets_refused(browser: Browser, form: list[tuple[str, str]], assessment_id: int) -> Outcome:
    """Save the issue's 30,000 `[` as instructions: the form must refuse them."""
    started = time.time()
    path = f"/assessments/{assessment_id}/manage/"
    status, html, ms = browser.request(path, [*form, ("instructions", BRACKETS)])
    refused = status == 400 and "at most" in html
    return Outcome(
        "30,000 `[` saved",
        started,
        ms,
        status,
        refused,
        "refused: " + _message(html, "at most") if refused else f"HTTP {status}",
    )

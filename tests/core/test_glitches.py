"""The rough edges a newcomer hit (issue 16), one test each: Markdown shown raw, messages shown
twice, slugs where people read titles, a 404 favicon and snippet list, HEAD refused, a traceback
on `| head`, an admin form too wide, a GIFT file that drops questions silently, and jargon."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from studyapp.assessments import services as assessment_services
from studyapp.assessments.models import AssessmentItem
from studyapp.banks.models import Question
from studyapp.core.markdown import render_excerpt, render_inline
from studyapp.study.models import CardState
from tests.factories import AssessmentFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def example(example_content):
    """The README's example bank, its order question's items given some Markdown."""
    text = (example_content.root / "banks" / "example.yaml").read_text()
    text = text.replace("items: [the node's IP and nodePort,",
                        "items: [\"the node's IP and `nodePort`\",")  # fmt: skip
    (example_content.root / "banks" / "example.yaml").write_text(text)
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


# Markdown ---------------------------------------------------------------------------------------


def test_plain_markdown_for_attributes_is_text_escaped_like_any_other():
    from django.template import Context, Template

    template = Template('{% load core_tags %}<b title="{{ item|html_text }}"></b>')
    stored = render_inline('a `b` & "c" <i>d</i>" onmouseover="x')  # as saved beside the text
    html = template.render(Context({"item": stored}))
    assert html == '<b title="a b &amp; &quot;c&quot; d&quot; onmouseover=&quot;x"></b>'


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("the node's IP and `nodePort`", "the node's IP and <code>nodePort</code>"),
        ("**bold** and *em*", "<strong>bold</strong> and <em>em</em>"),
        ("<script>alert(1)</script>`x`", "<code>x</code>"),
        ("[a link](javascript:alert(1))", "a link"),
        ("two\n\nparagraphs", "two\nparagraphs"),
    ],
)
def test_inline_markdown_keeps_code_and_emphasis_only(text, html):
    assert render_inline(text) == html


def markdown_excerpt(text: str, chars: int) -> str:
    """An excerpt as pages show it: rendered when saved, cut to length when shown."""
    from django.template import Context, Template

    template = Template("{{ excerpt|truncatechars_html:chars }}")
    return template.render(Context({"excerpt": render_excerpt(text), "chars": chars}))


def test_an_excerpt_is_one_line_cut_before_code_blocks():
    text = "Apply `web.yaml`:\n\n```yaml\nkind: Service\n```\n\nWhat happens?"
    assert markdown_excerpt(text, 140) == "Apply <code>web.yaml</code>: …"
    long = markdown_excerpt("A `very` long " + "word " * 60, 40)
    assert (
        long.endswith("…")
        and "<code>very</code>" in long
        and len(re.sub("<[^>]+>", "", long)) <= 40
    )


def test_order_items_render_their_markdown_when_studying(client, example):
    learner = UserFactory(username="learner")
    client.force_login(learner)
    layers = Question.objects.get(slug="example-layers")
    for question in Question.objects.exclude(pk=layers.pk):  # only the order question is new
        CardState.objects.create(user=learner, question=question,
                                 due=timezone.now() + timedelta(days=9),
                                 state=CardState.State.REVIEW, stability=20, difficulty=5,
                                 last_review=timezone.now())  # fmt: skip
    html = client.get("/study/").content.decode()
    assert "Order the hops" in html
    assert "the node's IP and <code>nodePort</code>" in html and "`nodePort`" not in html
    assert 'aria-label="Position of: the node&#x27;s IP and nodePort"' in html  # plain text


def test_order_items_and_report_excerpts_render_their_markdown(client, example, team, lead,
                                                               member):  # fmt: skip
    assessment = AssessmentFactory(team=team, shuffle_questions=False)
    AssessmentItem.objects.create(assessment=assessment,
                                  question=Question.objects.get(slug="example-layers"))  # fmt: skip
    AssessmentItem.objects.create(assessment=assessment,
                                  question=Question.objects.get(slug="example-headless"))  # fmt: skip
    attempt = assessment_services.start_attempt(assessment=assessment, user=member,
                                                now=timezone.now())  # fmt: skip
    client.force_login(member)
    taking = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "<code>nodePort</code>" in taking and "`nodePort`" not in taking
    assessment_services.submit_attempt(attempt_id=attempt.pk, user=member, now=timezone.now())
    result = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert "<code>nodePort</code>" in result and "`nodePort`" not in result
    client.force_login(lead)
    report = client.get(f"/assessments/{assessment.pk}/report/").content.decode()
    # The true/false prompt holds no code; its excerpt is there, without stray backticks.
    assert "A headless Service has a cluster IP." in report and "`" not in report


def test_the_snippet_page_lists_its_questions_without_raw_markdown(client, example):
    question = Question.objects.get(slug="example-nodeport-range")
    question.prompt = "Which range does `spec.ports[].nodePort` come from?"
    question.save()
    html = client.get("/snippets/example-nodeport/").content.decode()
    section = html.split('id="questions-heading"')[1]
    assert "<code>spec.ports[].nodePort</code>" in section and "`" not in section


# Messages shown once ----------------------------------------------------------------------------


def shown_once(html: str, text: str) -> bool:
    return html.count(text) == 1


def test_flash_messages_are_shown_once(client, example, team, lead, member):
    client.force_login(member)
    question = Question.objects.get(slug="example-headless")
    for action, text in [("bury", "Card buried until tomorrow."),
                         ("suspend", "Card suspended: it will not come back")]:  # fmt: skip
        page = client.post(f"/study/cards/{question.slug}/{action}/", follow=True)
        assert shown_once(page.content.decode(), text), action
    client.force_login(lead)
    page = client.post("/teams/new/", {"name": "Second team"}, follow=True)
    assert shown_once(page.content.decode(), "Team “Second team” created.")
    page = client.post("/assessments/new/", {
        "team": team.pk, "title": "Once", "opens_at": "2026-01-01T09:00",
        "closes_at": "2036-01-01T09:00", "answers_shown": "after_submit", "assigned_to_all": "on",
    }, follow=True)  # fmt: skip
    assert shown_once(page.content.decode(), "Assessment created.")
    assessment = AssessmentFactory(team=team, time_limit_minutes=1)
    AssessmentItem.objects.create(assessment=assessment, question=question)
    attempt = assessment_services.start_attempt(assessment=assessment, user=member,
                                                now=timezone.now() - timedelta(minutes=5))  # fmt: skip
    client.force_login(member)
    page = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert shown_once(page, "Time is up: your attempt was submitted")


def test_study_card_action_path_is_what_the_test_posts(client, example):
    """The URL the message test posts to is the one the study page's forms use."""
    client.force_login(UserFactory(username="learner"))
    html = client.get("/study/").content.decode()
    assert re.search(r'action="/study/cards/[a-z-]+/bury/"', html)


# Titles, not slugs ------------------------------------------------------------------------------


def test_the_drill_summary_names_topics_by_title(client, example):
    client.force_login(UserFactory(username="candidate"))
    client.post("/study/drill/start/", {"topic": ["service-types"], "count": "1"})
    page = client.get("/study/drill/").content.decode()
    shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
    client.post("/study/drill/reveal/", {"shown": shown, "text": "x"})
    answer = re.search(r'name="answer" value="(\d+)"', client.get("/study/drill/").content.decode())
    client.post("/study/drill/rate/", {"answer": answer.group(1), "point": ["0"]})
    summary = client.get("/study/drill/").content.decode()
    table = summary.split("<tbody>")[1].split("</tbody>")[0]
    assert "<td>Service types</td>" in table and "service-types" not in table


def test_the_suspended_list_shows_prompts_not_ids(client, example):
    client.force_login(UserFactory(username="learner"))
    client.post("/study/cards/example-headless/suspend/")
    html = client.get("/study/settings/").content.decode()
    section = html.split('id="suspended-heading"')[1]
    assert "A headless Service has a cluster IP." in section and "(Service types)" in section
    assert ">example-headless<" not in section


# Pages that were missing or refused -------------------------------------------------------------


def test_the_favicon_is_served(client):
    for method in ("get", "head"):
        response = getattr(client, method)("/favicon.ico")
        assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    body = client.get("/favicon.ico").content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert 'rel="icon"' in client.get("/accounts/login/").content.decode()


def test_head_on_a_raw_snippet_and_the_snippet_pages(client, example):
    get = client.get("/snippets/example-nodeport.yaml")
    head = client.head("/snippets/example-nodeport.yaml")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == get["Content-Type"] == "text/yaml; charset=utf-8"
    assert client.head("/snippets/example-nodeport/").status_code == 200
    assert client.head("/snippets/").status_code == 200


def test_the_snippet_list_exists_and_the_breadcrumb_points_to_it(client, example):
    html = client.get("/snippets/").content.decode()
    assert "A NodePort Service in front of nginx" in html and "/snippets/example-nodeport/" in html
    assert "Service types" in html  # grouped by topic
    detail = client.get("/snippets/example-nodeport/").content.decode()
    assert '<a href="/snippets/">Snippets</a>' in detail


@pytest.mark.parametrize("size", [2, 40])
def test_the_snippet_list_runs_one_query(client, size, django_assert_num_queries):
    from tests.factories import SnippetFactory

    for _ in range(size):
        SnippetFactory()
    with django_assert_num_queries(1):
        client.get("/snippets/")


# export_revlog | head ---------------------------------------------------------------------------


def test_export_revlog_stops_quietly_when_the_reader_goes_away(example):
    learner = UserFactory(username="learner")
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as after `| head -1`
    stream = io.TextIOWrapper(io.FileIO(write, "w"), encoding="utf-8", write_through=False)
    call_command("export_revlog", "--user", learner.username, stdout=stream)  # no exception
    stream.write("x" * 100_000)
    stream.flush()  # the descriptor now points at /dev/null: the last flush cannot fail
    stream.close()


@pytest.mark.slow
def test_export_revlog_piped_into_head_prints_no_traceback(tmp_path):
    """A real pipe closed early, through `manage.py`, with its own (throwaway) database."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from studyapp.accounts.models import User; User.objects.create(username='l')"],
                   cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
    process = subprocess.Popen([sys.executable, "manage.py", "export_revlog", "--user", "l"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    process.stdout.close()  # like `head -1` exiting before the first line arrives
    _, errors = process.communicate(timeout=120)
    assert b"Traceback" not in errors and b"BrokenPipeError" not in errors, errors.decode()


# The admin question form ------------------------------------------------------------------------


def test_the_admin_question_form_groups_fields_by_type(client, example):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    question = Question.objects.get(slug="example-nodeport-range")
    html = client.get(f"/admin/banks/question/{question.pk}/change/").content.decode()
    for kind in ("truefalse", "short", "order", "flashcard", "yaml"):
        assert re.search(rf'<fieldset class="[^"]*for-type[^"]*for-{kind}', html), kind
    assert "banks/question_admin.js" in html
    # The choices' two text boxes are small: side by side, they no longer widen the page.
    for field in ("text", "why"):
        assert re.search(rf'<textarea name="choices-0-{field}" cols="34" rows="3"', html), field


# GIFT -------------------------------------------------------------------------------------------


def test_the_gift_download_says_what_it_left_out(client, example):
    client.force_login(UserFactory(username="downloader"))
    text = client.get("/interop/topics/service-types.gift").content.decode()
    first = text.split("\n\n")[0]
    assert first.startswith("// Kubeprep: 4 questions in this file; 4 left out because GIFT")
    for slug in ("example-layers", "example-cloze", "example-explain-service",
                 "example-write-nodeport"):  # fmt: skip
        assert f"//   {slug}: GIFT has no" in first
    page = client.get("/topics/service-types/").content.decode()
    assert 'Moodle GIFT <span class="muted">(choice, true/false and short answers only)' in page


# Jargon -----------------------------------------------------------------------------------------


JARGON = re.compile(r"\bthe notes\b|\bsources?\s+\d{3}\b|\(source \d", re.IGNORECASE)


def test_the_apps_own_text_carries_no_authoring_jargon():
    """Learner-facing text speaks of the app's content, never of the material it came from."""
    found = []
    for path in (ROOT / "studyapp").rglob("*"):
        if path.suffix in (".html", ".txt", ".py", ".js") and "migrations" not in path.parts:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if JARGON.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, found

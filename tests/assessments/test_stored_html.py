"""Assessments render no markdown while serving: instructions are rendered once when saved, and
an attempt shows the HTML its snapshot took from the questions when it started."""

from __future__ import annotations

import importlib

import pytest
import time_machine
from django.apps import apps

from studyapp.assessments import services
from studyapp.assessments.models import Assessment, Attempt, AttemptQuestion
from studyapp.assessments.snapshots import html_from_data
from studyapp.banks.models import Question
from studyapp.core import markdown

from .conftest import GRADED_SLUGS, NOW, answers_for

pytestmark = pytest.mark.django_db
LINE = "Read **every** question; `kubectl explain` helps, as does the API reference.\n\n"
# At the cap, with as many links as markdown allows before it falls back to plain text.
LINKS = "See [the docs](https://kubernetes.io/).\n\n" * markdown.MAX_LINKS
INSTRUCTIONS = (LINKS + LINE * (4000 // len(LINE) + 1))[:4000]


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_instructions_at_the_cap_are_rendered_once_when_saved(
    client, lead, member, assessment, monkeypatch
):
    assert len(INSTRUCTIONS) == Assessment._meta.get_field("instructions").max_length
    assert not markdown.is_hostile(INSTRUCTIONS)
    rendered: list[str] = []
    real = markdown.is_hostile

    def counting(text: str) -> bool:
        rendered.append(text)
        return real(text)

    monkeypatch.setattr("studyapp.core.markdown.is_hostile", counting)
    client.force_login(lead)
    response = client.post(f"/assessments/{assessment.pk}/manage/", {
        "team": assessment.team_id, "title": assessment.title, "instructions": INSTRUCTIONS,
        "time_limit_minutes": "30", "pass_mark": "50", "attempts_allowed": "1",
        "opens_at": "2026-05-03T10:00", "closes_at": "2026-05-10T10:00",
        "answers_shown": "after_submit", "assigned_to_all": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert rendered == [INSTRUCTIONS]  # once, at the save
    assessment.refresh_from_db()
    assert assessment.instructions_html.count("<strong>every</strong>") == INSTRUCTIONS.count(
        "**every**"
    )
    services.set_published(assessment=assessment, published=True)

    assert client.get(f"/assessments/{assessment.pk}/preview/").status_code == 200
    assert client.get(f"/assessments/{assessment.pk}/manage/").status_code == 200
    client.force_login(member)
    detail = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert assessment.instructions_html in detail
    client.post(f"/assessments/{assessment.pk}/start/")
    attempt = Attempt.objects.get(user=member)
    taking = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert assessment.instructions_html in taking
    assert rendered == [INSTRUCTIONS]  # and never while serving a page


def test_an_attempt_shows_the_html_of_its_snapshot(
    client, lead, member, assessment, no_markdown_rendering
):
    client.force_login(member)
    client.post(f"/assessments/{assessment.pk}/start/")
    attempt = Attempt.objects.get(user=member)
    rows = list(attempt.questions.order_by("position"))
    assert [row.question_slug for row in rows] and all(row.html["prompt"] for row in rows)
    questions = {q.slug: q for q in Question.objects.filter(slug__in=GRADED_SLUGS)}
    taking = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    for slug, question in questions.items():
        if question.type != "cloze":
            assert question.prompt_html in taking, slug
        for choice in question.choices.all():
            assert choice.text_html in taking and (not choice.why or choice.why_html not in taking)
    assert 'placeholder="an internal address"' in taking and "KPCLOZE" not in taking

    # Edited after the start: the attempt keeps showing the question as it was.
    edited = questions["example-headless"]
    before = edited.prompt_html
    Question.objects.filter(pk=edited.pk).update(  # as a save would store it (none may render)
        prompt="Edited **later**.", prompt_html="<p>Edited <strong>later</strong>.</p>"
    )
    taking = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    assert before in taking and "<strong>later</strong>" not in taking

    data = answers_for(attempt, right=set(GRADED_SLUGS) - {"example-cloze"})
    services.save_answers(attempt_id=attempt.pk, user=member, now=NOW, data=data)
    client.post(f"/assessments/attempts/{attempt.pk}/submit/")
    result = client.get(f"/assessments/attempts/{attempt.pk}/").content.decode()
    for slug, question in questions.items():
        if slug != "example-headless":
            assert question.explanation_html in result, slug
    assert '<mark class="cloze-answer">NodePort</mark>' in result  # left blank: the answer shown
    layers = questions["example-layers"]
    assert all(f"<li>{item}</li>" in result for item in layers.items_html)

    client.force_login(lead)
    for url in (f"/assessments/attempts/{attempt.pk}/", f"/assessments/{assessment.pk}/report/",
                f"/assessments/{assessment.pk}/preview/",
                f"/assessments/{assessment.pk}/manage/?q=service"):  # fmt: skip
        page = client.get(url)
        assert page.status_code == 200, url
    report = client.get(f"/assessments/{assessment.pk}/report/").content.decode()
    assert "Which port range does a NodePort Service use by default?" in report
    builder = client.get(f"/assessments/{assessment.pk}/manage/?q=NodePort").content.decode()
    assert questions["example-nodeport-range"].prompt_html in builder


def test_the_migration_renders_instructions_and_snapshots_already_there(assessment, member, client):
    migration = importlib.import_module("studyapp.assessments.migrations.0005_stored_html")
    attempt = services.start_attempt(assessment=assessment, user=member, now=NOW)
    snapshots = dict(attempt.questions.values_list("pk", "html"))
    instructions_html = Assessment.objects.get(pk=assessment.pk).instructions_html
    assert instructions_html == "<p>Answer <strong>every</strong> question.</p>"
    Assessment.objects.update(instructions_html="")
    AttemptQuestion.objects.update(html={})
    migration.render_stored_html(apps, None)
    assert Assessment.objects.get(pk=assessment.pk).instructions_html == instructions_html
    backfilled = dict(attempt.questions.values_list("pk", "html"))
    assert backfilled == snapshots
    assert html_from_data(backfilled[min(backfilled)]).prompt

"""Studying renders no markdown: the queue, answers, practice, the drill and settings print the
HTML stored when the questions were loaded."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from studyapp.banks.models import Question
from studyapp.study.models import CardState
from tests.factories import UserFactory
from tests.study.test_views import form_fields

pytestmark = pytest.mark.django_db
SOME_ANSWER = {"choice": "0", "truth": "true", "text": "x", "manifest": "a: b", "cloze-0": "x"}


@pytest.fixture
def example(example_content):
    text = (example_content.root / "banks" / "example.yaml").read_text()
    text = text.replace("items: [the node's IP and nodePort,",
                        "items: [\"the node's IP and `nodePort`\",")  # fmt: skip
    (example_content.root / "banks" / "example.yaml").write_text(text)
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


@pytest.fixture
def learner(client):
    user = UserFactory(username="learner")
    client.force_login(user)
    return user


def test_the_queue_and_every_result_print_the_stored_html(
    client, learner, example, no_markdown_rendering
):
    seen = set()
    for _ in range(8):
        page = client.get("/study/").content.decode()
        question = Question.objects.get(pk=form_fields(page)["question"])
        seen.add(question.type)
        if question.type == "cloze":
            assert 'name="cloze-0"' in page and 'placeholder="an internal address"' in page
            assert "A LoadBalancer Service also gets a" in page and "KPCLOZE" not in page
        else:
            assert question.prompt_html in page
        for choice in question.choices.all():
            assert choice.text_html in page
        for item in question.items_html:
            assert item in page
        if question.type == "order":
            assert "<code>nodePort</code>" in page and "Position of: the node&#x27;s IP" in page
        answered = client.post("/study/answer/", {**form_fields(page), **SOME_ANSWER}, follow=True)
        result = answered.content.decode()
        assert answered.status_code == 200 and question.explanation_html in result
        if question.type == "flashcard":
            assert question.answer_html in result
        if question.type == "cloze":
            assert '<mark class="cloze-answer' in result and "NodePort" in result
        for choice in question.choices.all():
            assert choice.text_html in result
        fragment = client.get(answered.redirect_chain[-1][0], HTTP_HX_REQUEST="true")
        assert question.explanation_html in fragment.content.decode()
        # The first rating the page offers (a right answer cannot be rated Again).
        rating = re.search(r'name="rating" value="(\d)"', result).group(1)
        rated = client.post(answered.redirect_chain[-1][0] + "rate/", {"rating": rating})
        assert rated.status_code == 302 and rated["Location"] == "/study/"
    assert seen == {"single", "multi", "truefalse", "short", "order", "cloze", "flashcard",
                    "yaml"}  # fmt: skip


def test_practice_and_the_drill_print_the_stored_html(
    client, learner, example, no_markdown_rendering
):
    page = client.get("/study/practice/?topic=service-types").content.decode()
    fields = form_fields(page)
    question = Question.objects.get(pk=fields["question"])
    result = client.post("/study/practice/", {**fields, "topic": "service-types", **SOME_ANSWER})
    assert result.status_code == 200 and question.explanation_html in result.content.decode()

    client.post("/study/drill/start/", {"topic": ["service-types"], "count": "10"})
    for _ in range(2):
        page = client.get("/study/drill/").content.decode()
        shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
        client.post("/study/drill/reveal/", {"shown": shown, "text": "nodePort"})
        reveal = client.get("/study/drill/").content.decode()
        slug = "example-explain-service" if "Explain why" in reveal else "example-nodeport-field"
        question = Question.objects.get(slug=slug)
        assert question.prompt_html in reveal and question.explanation_html in reveal
        if question.type == "flashcard":
            assert question.answer_html in reveal
        answer = re.search(r'name="answer" value="(\d+)"', reveal).group(1)
        client.post("/study/drill/rate/", {"answer": answer, "point": ["0"]})


def test_the_settings_page_cuts_the_stored_excerpt(client, learner, example, no_markdown_rendering):
    question = Question.objects.get(slug="example-write-nodeport")
    CardState.objects.create(user=learner, question=question, due=timezone.now(), is_leech=True,
                             is_suspended=True)  # fmt: skip
    page = client.get("/study/settings/").content.decode()
    assert "Write a NodePort Service for Pods labelled <code>app: web</code>" in page

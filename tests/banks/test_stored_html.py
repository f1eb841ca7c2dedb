"""A question's HTML is rendered when it is written (loader, admin, any save) and stored; the
content pages print it and render no markdown; a migration rendered the rows already there."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from studyapp.banks.models import Choice, Question
from studyapp.banks.rendering import CLOZE_SLOT, render_choice, render_question
from tests.banks.test_admin import NEW_QUESTION, question_form
from tests.factories import BankFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


def rendered(question: Question) -> dict:
    """What the renderer makes of the question's texts now."""
    html = render_question(type=question.type, prompt=question.prompt,
                           explanation=question.explanation, answer=question.answer,
                           items=question.items)  # fmt: skip
    return {"prompt_html": html.prompt, "cloze_html": html.cloze,
            "prompt_excerpt_html": html.excerpt, "explanation_html": html.explanation,
            "answer_html": html.answer, "items_html": list(html.items)}  # fmt: skip


def stored(question: Question) -> dict:
    return {name: getattr(question, name) for name in Question.html_fields}


def test_every_loaded_question_and_choice_stores_its_html(example):
    questions = list(Question.objects.all())
    assert len(questions) == 8
    for question in questions:
        assert question.prompt_html and stored(question) == rendered(question), question.slug
    for choice in Choice.objects.all():
        html = render_choice(choice.text, choice.why)
        assert (choice.text_html, choice.why_html) == (html.text, html.why)
    nodeport = Question.objects.get(slug="example-nodeport-range")
    assert nodeport.prompt_html.startswith("<p>") and "NodePort" in nodeport.prompt_html
    assert any(choice.why_html for choice in nodeport.choices.all())
    layers = Question.objects.get(slug="example-layers")
    assert len(layers.items_html) == len(layers.items) == 3
    flashcard = Question.objects.get(slug="example-explain-service")
    assert flashcard.answer_html.startswith("<p>")


def test_a_cloze_stores_its_blanks_for_reading_and_its_slots_for_answering(example):
    cloze = Question.objects.get(slug="example-cloze")
    assert "{{c1::" in cloze.prompt
    for html in (cloze.prompt_html, cloze.cloze_html, cloze.prompt_excerpt_html):
        assert "{{c" not in html and "NodePort" not in html and "ClusterIP" not in html
    assert "[…]" in cloze.prompt_html and "[an internal address]" in cloze.prompt_html
    assert CLOZE_SLOT.format(0) in cloze.cloze_html and CLOZE_SLOT.format(1) in cloze.cloze_html
    assert Question.objects.exclude(type="cloze").filter(cloze_html="").count() == 7


def test_stored_html_comes_back_safe_and_is_printed_as_it_is(example):
    from django.template import Context, Template

    question = Question.objects.get(slug="example-write-nodeport")
    page = Template("{{ question.prompt_html }}").render(Context({"question": question}))
    assert page == question.prompt_html and "<code>app: web</code>" in page


def test_a_reload_renders_the_questions_and_choices_it_changes(example):
    bank = example.root / "banks" / "example.yaml"
    text = bank.read_text()
    bank.write_text(
        text.replace("prompt: A headless Service has a cluster IP.",
                     "prompt: A **headless** Service has a cluster IP.")
        .replace("- text: 30000-32767", "- text: \"`30000-32767`\"")
    )  # fmt: skip
    call_command("loadbanks", str(example.root), stdout=StringIO())
    headless = Question.objects.get(slug="example-headless")
    assert "<strong>headless</strong>" in headless.prompt_html
    assert "<strong>headless</strong>" in headless.prompt_excerpt_html
    choice = Choice.objects.get(question__slug="example-nodeport-range", position=0)
    assert choice.text_html == "<p><code>30000-32767</code></p>"


def test_a_save_renders_again_and_update_fields_carry_the_html(example):
    question = Question.objects.get(slug="example-headless")
    question.prompt = "Edited: `clusterIP: None`"
    question.save(update_fields=["prompt"])
    question.refresh_from_db()
    assert question.prompt_html == "<p>Edited: <code>clusterIP: None</code></p>"
    question.study_order = 99
    question.prompt = "Not saved"
    question.save(update_fields=["study_order"])  # no text among them: nothing rendered
    question.refresh_from_db()
    assert question.prompt == "Edited: `clusterIP: None`" and "Edited" in question.prompt_html


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_editing_a_prompt_and_a_choice_in_the_admin_updates_their_html(admin_client):
    bank = BankFactory()
    form = question_form(bank, [("ClusterIP", True), ("NodePort", False)])
    assert admin_client.post(NEW_QUESTION, form).status_code == 302
    question = Question.objects.get(slug="admin-q")
    assert question.prompt_html == "<p>Which Service type is the default?</p>"
    choices = list(question.choices.all())
    edit = {**form, "prompt": "Which `type` is the **default**?",
            "choices-INITIAL_FORMS": 2, "choices-0-text": "`ClusterIP`"}  # fmt: skip
    for i, choice in enumerate(choices):
        edit[f"choices-{i}-id"] = choice.pk
        edit[f"choices-{i}-question"] = question.pk
    response = admin_client.post(f"/admin/banks/question/{question.pk}/change/", edit)
    assert response.status_code == 302, response.content.decode()[:3000]
    question.refresh_from_db()
    assert question.prompt_html == (
        "<p>Which <code>type</code> is the <strong>default</strong>?</p>"
    )
    assert question.choices.get(position=0).text_html == "<p><code>ClusterIP</code></p>"
    # The change page previews what was stored.
    page = admin_client.get(f"/admin/banks/question/{question.pk}/change/").content.decode()
    assert "<strong>default</strong>" in page and "<code>ClusterIP</code>" in page


def test_topic_and_snippet_pages_print_the_stored_html(client, example, no_markdown_rendering):
    topic = client.get("/topics/service-types/")
    assert topic.status_code == 200
    page = topic.content.decode()
    for question in Question.objects.filter(topic__slug="service-types"):
        assert question.prompt_html in page, question.slug
    snippet = client.get("/snippets/example-nodeport/")
    assert snippet.status_code == 200
    assert "NodePort" in snippet.content.decode()


def test_pages_fail_when_they_render_markdown(client, example, no_markdown_rendering):
    """The fixture the page tests rely on: rendering while serving does fail."""
    from studyapp.core.markdown import render_markdown

    with pytest.raises(AssertionError, match="markdown rendered"):
        render_markdown("`x`")
    question = QuestionFactory.build(prompt="`x`")
    with pytest.raises(AssertionError, match="markdown rendered"):
        question.render_html()


def test_the_migration_renders_the_rows_already_there(example):
    migration = importlib.import_module("studyapp.banks.migrations.0010_stored_html")
    before = {question.slug: stored(question) for question in Question.objects.all()}
    choices_before = list(Choice.objects.order_by("pk").values_list("text_html", "why_html"))
    Question.objects.update(prompt_html="", cloze_html="", prompt_excerpt_html="",
                            explanation_html="", answer_html="", items_html=[])  # fmt: skip
    Choice.objects.update(text_html="", why_html="")
    migration.render_stored_html(apps, None)
    assert {question.slug: stored(question) for question in Question.objects.all()} == before
    assert list(Choice.objects.order_by("pk").values_list("text_html", "why_html")) == (
        choices_before
    )

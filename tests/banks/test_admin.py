"""Admin authoring runs the loader's validation: invalid questions and snippets cannot be saved."""

from __future__ import annotations

import pytest
from django.utils import timezone

from studyapp.banks.kubernetes import rules_id
from studyapp.banks.models import Question, Snippet
from studyapp.study import selectors
from tests.bounds import ends_within
from tests.factories import (
    BankFactory,
    QuestionFactory,
    SnippetFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_QUESTION = "/admin/banks/question/add/"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def question_form(bank, choices, **fields):
    data = {
        "slug": "admin-q",
        "bank": bank.pk,
        "topic": bank.topic.pk,
        "type": "single",
        "difficulty": 2,
        "prompt": "Which Service type is the default?",
        "explanation": "ClusterIP is the default type.",
        "truth": "unknown",
        "answers": "[]",
        "items": "[]",
        "key_points": "[]",
        "checks": "[]",
        "tags": "[]",
        "sources": "[]",
        "position": 0,
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for i, (text, correct) in enumerate(choices):
        data[f"choices-{i}-position"] = i
        data[f"choices-{i}-text"] = text
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(fields)
    return data


def test_single_with_two_correct_choices_cannot_be_saved(admin_client):
    bank = BankFactory()
    data = question_form(bank, [("ClusterIP", True), ("NodePort", True)])
    response = admin_client.post(NEW_QUESTION, data)
    assert response.status_code == 200
    assert "needs exactly one correct choice, found 2" in response.content.decode()
    assert not Question.objects.exists()


def test_valid_single_is_saved(admin_client):
    bank = BankFactory()
    response = admin_client.post(
        NEW_QUESTION, question_form(bank, [("ClusterIP", True), ("NodePort", False)])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(slug="admin-q")
    assert [c.text for c in question.choices.all()] == ["ClusterIP", "NodePort"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"type": "short", "pattern": "([a-z"}, "invalid regular expression"),
        ({"type": "order", "items": '["only one"]'}, "needs at least 2 items"),
        ({"type": "cloze", "prompt": "No deletion here"}, "needs at least one deletion"),
        (
            {"type": "yaml", "checks": '[{"expr": "spec.ports[0", "message": "m"}]'},
            "invalid JMESPath",
        ),
        ({"type": "truefalse"}, "missing required field &#x27;answer&#x27;"),
        ({"slug": "Bad_Id"}, "must be lowercase letters"),
        ({"items": '{"not": "a list"}', "type": "order"}, "Give a JSON list of texts"),
    ],
)
def test_invalid_questions_cannot_be_saved(admin_client, fields, message):
    bank = BankFactory()
    response = admin_client.post(NEW_QUESTION, question_form(bank, [], **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.exists()


def test_invalid_snippet_cannot_be_saved(admin_client):
    bank = BankFactory()
    data = {
        "slug": "bad-snippet",
        "bank": bank.pk,
        "file": "snippets/bad-snippet.yaml",
        "title": "Bad",
        "try_steps": "[]",
        "content": "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n    - port: eighty\n",
    }
    response = admin_client.post("/admin/banks/snippet/add/", data)
    assert response.status_code == 200
    assert (
        "snippets/bad-snippet.yaml:7: spec.ports[0].port: &#x27;eighty&#x27; is not of type"
        in response.content.decode()
    )
    assert not Snippet.objects.exists()
    data["content"] = data["content"].replace("eighty", "80")
    assert admin_client.post("/admin/banks/snippet/add/", data).status_code == 302
    snippet = Snippet.objects.get()
    assert snippet.kinds == ["Service"] and snippet.validated_versions
    assert snippet.validation_rules == rules_id()


def test_admin_rejects_what_the_api_server_rejects_with_the_line(admin_client):
    bank = BankFactory()
    data = {
        "slug": "pod", "bank": bank.pk, "file": "snippets/pod.yaml", "title": "A Pod",
        "try_steps": "[]",
        "content": (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
            "    - name: app\n      name: web\n      image: nginx\n"
            "      imagePullPolicy: Sometimes\n      resources:\n        requests:\n"
            "          cpu: lots\n"
        ),
    }  # fmt: skip
    page = admin_client.post("/admin/banks/snippet/add/", data).content.decode()
    assert "snippets/pod.yaml:8: spec.containers[0]: duplicate key &#x27;name&#x27;" in page
    assert "snippets/pod.yaml:10: spec.containers[0].imagePullPolicy: unsupported value" in page
    assert (
        "snippets/pod.yaml:13: spec.containers[0].resources.requests.cpu: &#x27;lots&#x27;" in page
    )
    assert not Snippet.objects.exists()


def test_a_snippet_saved_with_crlf_is_stored_and_served_as_lf(admin_client, client):
    bank = BankFactory()
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b"
    data = {
        "slug": "crlf", "bank": bank.pk, "file": "snippets/crlf.yaml", "title": "CRLF",
        "try_steps": "[]", "content": manifest.replace("\n", "\r\n"),
    }  # fmt: skip
    assert admin_client.post("/admin/banks/snippet/add/", data).status_code == 302
    snippet = Snippet.objects.get()
    assert snippet.content == manifest + "\n"
    raw = client.get("/snippets/crlf.yaml")
    assert raw.content == (manifest + "\n").encode()
    head = client.head("/snippets/crlf.yaml")
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(manifest) + 1)


def test_changelist_filters_search_and_preview(admin_client):
    question = QuestionFactory(prompt="What does **kube-proxy** do?")
    SnippetFactory()
    response = admin_client.get("/admin/banks/question/?type__exact=truefalse&q=kube-proxy")
    assert response.status_code == 200
    assert question.slug in response.content.decode()
    page = admin_client.get(f"/admin/banks/question/{question.pk}/change/").content.decode()
    assert "<strong>kube-proxy</strong>" in page
    assert admin_client.get("/admin/banks/snippet/").status_code == 200


def test_admin_needs_staff(client):
    client.force_login(UserFactory(username="learner"))
    assert client.get("/admin/banks/question/").status_code == 302


def test_moving_a_topic_in_the_admin_changes_which_new_question_comes_first(admin_client):
    early, late = TopicFactory(position=1), TopicFactory(position=2)
    QuestionFactory(slug="early-q", bank__topic=early)
    QuestionFactory(slug="late-q", bank__topic=late)
    learner = UserFactory()
    settings = selectors.study_settings(learner)
    response = admin_client.post(
        f"/admin/banks/topic/{late.pk}/change/",
        {"slug": late.slug, "title": late.title, "description": "", "position": 0},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question, _ = selectors.next_card(learner, settings, timezone.now())
    assert question.slug == "late-q"


def test_an_alias_bomb_snippet_cannot_be_saved(admin_client):
    """9 levels of 9 aliases: 387 million values once expanded, refused before anything walks
    them (issue 15, finding 1: the snippet form took seconds and gigabytes)."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
    ]
    data = {
        "slug": "lol", "bank": BankFactory().pk, "file": "snippets/lol.yaml", "title": "Lol",
        "try_steps": "[]",
        "content": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n"
        + "".join(f"  {line}\n" for line in levels),
    }  # fmt: skip
    with ends_within(60):  # unguarded, the form walked the expanded tree for minutes
        page = admin_client.post("/admin/banks/snippet/add/", data).content.decode()
    assert (
        "snippets/lol.yaml:11: YAML refused: the text expands to more than 200,000 values" in page
    )
    assert not Snippet.objects.exists()

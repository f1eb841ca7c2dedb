"""The content pages: home, topic, snippet page and the raw manifest endpoint."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from studyapp.banks.models import Question
from tests.factories import QuestionFactory, SnippetFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded_example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


def test_home_lists_topics_with_question_counts(client, loaded_example):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Services</a>") < html.index("Service types</a>")  # topics.yaml order
    assert "Service types" in html and "8 questions" in html
    assert "Services" in html and "0 questions" in html


def test_home_runs_constant_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        QuestionFactory(topic=TopicFactory())
    with django_assert_max_num_queries(3):
        client.get("/")
    for _ in range(30):
        QuestionFactory(topic=TopicFactory())
    with django_assert_max_num_queries(3):
        client.get("/")


def test_topic_page_shows_prompts_and_snippets_never_answers(client, loaded_example):
    html = client.get("/topics/service-types/").content.decode()
    assert "Which port range does a NodePort Service use by default?" in html
    assert "A NodePort Service in front of nginx" in html
    assert "/snippets/example-nodeport/" in html
    # the cloze deletion is blanked, the hint shown
    assert "a [an internal address]" in html and "{{c2::" not in html
    assert "ClusterIP::an internal address" not in html


def test_topic_page_hides_retired_questions(client, loaded_example):
    Question.objects.filter(slug="example-headless").update(is_retired=True)
    html = client.get("/topics/service-types/").content.decode()
    assert "A headless Service has a cluster IP." not in html


def test_topic_page_runs_constant_queries(client, django_assert_max_num_queries):
    topic = TopicFactory(slug="t")
    for size in (3, 40):
        for _ in range(size):
            question = QuestionFactory(topic=topic)
            question.snippets.add(SnippetFactory())
        with django_assert_max_num_queries(4):
            assert client.get("/topics/t/").status_code == 200


def test_unknown_topic_is_404(client):
    assert client.get("/topics/nope/").status_code == 404


def test_snippet_page(client, loaded_example):
    response = client.get("/snippets/example-nodeport/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "kubectl apply -f http://testserver/snippets/example-nodeport.yaml" in html
    assert 'class="highlight"' in html  # Pygments
    assert "kubectl get svc example-nodeport" in html
    # the relative path of the README's try step becomes the raw URL
    assert "kubectl apply -f http://testserver/snippets/example-nodeport.yaml</code>" in html
    assert "TYPE NodePort and PORT(S) 80:30080/TCP" in html
    for version in ("1.35", "1.36", "1.37"):
        assert f"{version} ✓" in html
    assert "Which port range does a NodePort Service use by default?" in html
    assert 'data-copy-target="apply-command"' in html
    assert "?download=1" in html


def test_raw_snippet_is_the_exact_file_bytes(client, loaded_example):
    response = client.get("/snippets/example-nodeport.yaml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/yaml; charset=utf-8"
    path = loaded_example.root / "snippets/example-nodeport.yaml"
    assert response.content == path.read_bytes()
    download = client.get("/snippets/example-nodeport.yaml?download=1")
    assert download["Content-Disposition"] == 'attachment; filename="example-nodeport.yaml"'


def test_retired_or_unknown_snippet_is_404(client, loaded_example):
    assert client.get("/snippets/nope/").status_code == 404
    assert client.get("/snippets/nope.yaml").status_code == 404
    SnippetFactory(slug="old", is_retired=True)
    assert client.get("/snippets/old.yaml").status_code == 404


def test_bank_markdown_cannot_inject_script(client):
    QuestionFactory(topic=TopicFactory(slug="x"), prompt="Hi <script>alert(1)</script>")
    html = client.get("/topics/x/").content.decode()
    assert "<script>alert(1)</script>" not in html


def test_login_and_logout(client, django_user_model):
    django_user_model.objects.create_user("ann", password="s3cret-pass")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "ann", "password": "s3cret-pass"})
    assert response.status_code == 302
    assert "ann" in client.get("/").content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert "Log in" in client.get("/").content.decode()

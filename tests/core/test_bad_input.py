"""Malformed, missing and oversized form fields get a clear 4xx (or a redirect), never a 500."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from studyapp.banks.grading import MAX_ANSWER_CHARS
from studyapp.banks.models import Question
from studyapp.study.models import Answer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JUNK = [
    {},
    {"question": "", "version": ""},
    {"question": "1e9", "version": "-1", "rating": "NaN"},
    {"question": "99999999999999999999", "version": "0"},
    {"question": "1", "version": "0", "choice": ["x"] * 500, "text": "\x00\x01"},
    {"question": "1", "version": "0", "manifest": "a: [" * 2000, "rating": "0"},
    {"question": "1", "version": "0", "text": "y" * 100_000, "cloze-0": "z" * 50_000},
    {"topic": ["a", "b"], "count": "1" * 40, "point": ["²", "-1", "9" * 30], "answer": "x"},
    {"desired_retention": "nan", "new_per_day": "-5", "time_zone": "\x00", "topics": "abc"},
    {"shown": "forged:token", "question": "1", "version": "0", "truth": "maybe"},
]
POSTS = [
    "/study/answer/", "/study/answers/1/rate/", "/study/answers/999999/rate/", "/study/undo/",
    "/study/cards/example-headless/suspend/", "/study/cards/example-headless/explode/",
    "/study/cards/nope/bury/", "/study/settings/", "/study/settings/optimize/",
    "/study/practice/?topic=service-types", "/study/practice/?topic=", "/study/drill/start/",
    "/study/drill/reveal/", "/study/drill/rate/", "/study/drill/stop/", "/accounts/login/",
]  # fmt: skip


@pytest.fixture
def client_with_data(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="fuzzer"))
    return client


@pytest.mark.parametrize("url", POSTS)
def test_junk_never_gives_a_server_error(client_with_data, url):
    for payload in JUNK:
        response = client_with_data.post(url, payload)
        assert response.status_code < 500, (url, payload, response.status_code)
        htmx = client_with_data.post(url, payload, HTTP_HX_REQUEST="true")
        assert htmx.status_code < 500, (url, payload, htmx.status_code)


def test_bad_request_says_what_is_wrong(client_with_data):
    response = client_with_data.post("/study/answer/", {"question": "abc"})
    assert response.status_code == 400 and b"missing the question" in response.content


def test_oversized_body_is_refused_not_crashed(client_with_data):
    response = client_with_data.post("/study/answer/", {"text": "x" * 3_000_000})
    assert response.status_code == 400


def test_junk_answers_store_nothing_beyond_what_the_forms_allow(client_with_data):
    """An answer of 100,000 characters is kept, and graded, as its first 20,000."""
    question = Question.objects.get(slug="example-nodeport-field")  # a short answer
    response = client_with_data.post(
        "/study/answer/", {"question": str(question.pk), "version": "0", "text": "y" * 100_000}
    )
    answer = Answer.objects.get(card__question=question)
    assert response.status_code == 302 and response["Location"] == f"/study/answers/{answer.pk}/"
    assert [len(text) for text in answer.response] == [MAX_ANSWER_CHARS]
    assert set(answer.response[0]) == {"y"}

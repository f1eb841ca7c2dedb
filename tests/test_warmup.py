"""What a server reads before forking its workers: the questions in study, the templates, the
URLs; and the gunicorn hook that calls it."""

from __future__ import annotations

import gc
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django.template import engines

from studyapp import warmup
from studyapp.banks import catalog
from tests.factories import ChoiceFactory, QuestionFactory, SnippetFactory

pytestmark = pytest.mark.django_db

GUNICORN_CONF = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


@pytest.fixture(autouse=True)
def cold(monkeypatch):
    """A process that has read nothing yet; warm() leaves the test's connection open."""
    catalog.clear()
    closed = []
    monkeypatch.setattr(warmup.connections, "close_all", lambda: closed.append(True))
    yield closed
    catalog.clear()


def _template_cache() -> dict:
    (partials_loader,) = engines["django"].engine.template_loaders
    (cached_loader,) = partials_loader.loaders
    return cached_loader.get_template_cache


def test_warm_reads_every_question_in_study_once(django_assert_num_queries):
    question = ChoiceFactory().question
    question.snippets.add(SnippetFactory(bank=question.bank))
    other = QuestionFactory(bank=question.bank, topic=question.topic)
    retired = QuestionFactory(bank=question.bank, topic=question.topic, is_retired=True)
    # The version, the questions (topic, bank), their choices, their snippets.
    with django_assert_num_queries(4):
        assert catalog.warm() == 2
    version = catalog.content_version()
    choices = [choice.text for choice in question.choices.all()]
    snippets = [snippet.slug for snippet in question.snippets.all()]
    spec = question.to_spec()
    with django_assert_num_queries(0):
        cached = catalog.study_question(question.pk, version)
        catalog.study_question(other.pk, version)
        assert [choice.text for choice in cached.choices.all()] == choices
        assert [snippet.slug for snippet in cached.snippets.all()] == snippets
        assert cached.topic.title == question.topic.title
        assert catalog.grading_spec(cached) == spec
    with django_assert_num_queries(3):  # a retired question is read when asked for
        catalog.study_question(retired.pk, version)


def test_a_later_content_write_is_not_served_from_the_warmed_cache():
    question = ChoiceFactory(text="Before").question
    catalog.warm()
    ChoiceFactory(question=question, text="Added after the warm-up")
    fresh = catalog.study_question(question.pk, catalog.content_version())
    assert "Added after the warm-up" in [choice.text for choice in fresh.choices.all()]


def test_warm_compiles_our_templates_and_closes_its_connections(cold):
    _template_cache().clear()
    done = warmup.warm()
    assert done["templates"] >= 50
    assert {"study/study.html", "study/_result.html", "base.html"} <= set(_template_cache())
    assert not any(name.startswith("admin/") for name in _template_cache())
    assert cold == [True]


def test_warm_starts_the_server_when_the_database_is_down(monkeypatch, cold):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(catalog, "warm", down)
    done = warmup.warm()
    assert done["questions"] == "not loaded (connection refused)"
    assert done["templates"] >= 50
    assert cold == [True]


@pytest.mark.parametrize("preload", [True, False])
def test_gunicorn_warms_in_the_master_only_when_it_preloads_the_app(preload, caplog):
    QuestionFactory()
    config = runpy.run_path(str(GUNICORN_CONF))
    assert config["preload_app"] is True
    logger = logging.getLogger("test.gunicorn")
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=preload), log=logger)
    frozen = gc.get_freeze_count()
    try:
        with caplog.at_level(logging.INFO, logger="test.gunicorn"):
            config["when_ready"](server)
        assert ("warmed before forking" in caplog.text) is preload
        assert len(catalog._cache.questions) == (1 if preload else 0)
        assert (gc.get_freeze_count() > frozen) is preload
    finally:
        gc.unfreeze()  # this test process goes on collecting as before

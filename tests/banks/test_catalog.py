"""The content version and the per-process question cache keyed by it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from studyapp.banks import catalog
from studyapp.banks.models import Bank, Choice, Question, Snippet, Topic
from tests.factories import (
    BankFactory,
    ChoiceFactory,
    QuestionFactory,
    SnippetFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def _create_topic(q):
    TopicFactory()


def _update_topics(q):
    Topic.objects.update(title="Renamed")


def _create_bank(q):
    BankFactory(topic=q.topic)


def _restrict_banks(q):
    Bank.objects.update(is_restricted=True)


def _create_question(q):
    QuestionFactory(bank=q.bank)


def _bulk_create_questions(q):
    Question.objects.bulk_create(
        [
            Question(
                slug="bulk-q",
                bank=q.bank,
                topic=q.topic,
                type="truefalse",
                prompt="p",
                explanation="e",
                truth=False,
            )
        ]  # fmt: skip
    )


def _save_question(q):
    q.prompt = "Edited in the admin."
    q.save()


def _retire_questions(q):
    Question.objects.filter(pk=q.pk).update(is_retired=True)


def _delete_question(q):
    Question.objects.filter(pk=q.pk).delete()


def _create_choice(q):
    ChoiceFactory(question=q)


def _mark_choices_right(q):
    Choice.objects.filter(question=q).update(is_correct=True)


def _delete_choices(q):
    Choice.objects.filter(question=q).delete()


def _create_snippet(q):
    SnippetFactory(bank=q.bank)


def _retire_snippets(q):
    Snippet.objects.update(is_retired=True)


def _link_snippet(q):
    q.snippets.add(SnippetFactory(bank=q.bank))


def _unlink_snippets(q):
    q.snippets.clear()


WRITES = [
    _create_topic,
    _update_topics,
    _create_bank,
    _restrict_banks,
    _create_question,
    _bulk_create_questions,
    _save_question,
    _retire_questions,
    _delete_question,
    _create_choice,
    _mark_choices_right,
    _delete_choices,
    _create_snippet,
    _retire_snippets,
    _link_snippet,
    _unlink_snippets,
]


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_every_write_to_the_content_changes_its_version(write):
    question = ChoiceFactory().question
    question.snippets.add(SnippetFactory(bank=question.bank))
    before = catalog.content_version()
    assert before
    write(question)
    assert catalog.content_version() not in (None, before)


def test_reads_and_learners_rows_leave_the_version_alone():
    question = QuestionFactory()
    before = catalog.content_version()
    list(Question.objects.all())
    catalog.study_question(question.pk, before)
    from studyapp.study import selectors
    from tests.factories import UserFactory

    selectors.study_settings(UserFactory())
    assert catalog.content_version() == before


def test_a_cached_question_is_read_once_per_content_version(django_assert_num_queries):
    question = ChoiceFactory().question
    version = catalog.content_version()
    with django_assert_num_queries(3):  # the question (topic, bank), its choices, its snippets
        first = catalog.study_question(question.pk, version)
    with django_assert_num_queries(0):
        again = catalog.study_question(question.pk, version)
        assert catalog.grading_spec(again) is catalog.grading_spec(first)
    assert again is first
    assert [choice.text for choice in again.choices.all()] == [
        choice.text for choice in question.choices.all()
    ]
    ChoiceFactory(question=question, text="Added later")
    version = catalog.content_version()
    with django_assert_num_queries(3):
        fresh = catalog.study_question(question.pk, version)
    assert "Added later" in [choice.text for choice in fresh.choices.all()]


def test_without_a_version_nothing_is_cached(django_assert_num_queries):
    question = QuestionFactory()
    with django_assert_num_queries(3):
        catalog.study_question(question.pk, None)
    with django_assert_num_queries(3):
        catalog.study_question(question.pk, None)


def test_a_missing_question_raises():
    with pytest.raises(Question.DoesNotExist):
        catalog.study_question(987654, catalog.content_version())


def test_the_cache_starts_again_when_it_is_full(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(catalog, "MAX_QUESTIONS", 2)
    first, second, third = QuestionFactory(), QuestionFactory(), QuestionFactory()
    version = catalog.content_version()
    for question in (first, second, third):
        catalog.study_question(question.pk, version)
    with django_assert_num_queries(0):
        catalog.study_question(third.pk, version)
    with django_assert_num_queries(3):  # forgotten when the third came in
        catalog.study_question(first.pk, version)


def test_loading_changed_content_changes_the_version_and_unchanged_content_does_not(
    example_content,
):
    call_command("loadbanks", str(example_content.root), verbosity=0)
    loaded = catalog.content_version()
    call_command("loadbanks", str(example_content.root), verbosity=0)
    assert catalog.content_version() == loaded  # nothing written: the cache stays warm
    path = example_content.root / "banks" / "example.yaml"
    path.write_text(path.read_text().replace("NodePort", "NodePort (edited)", 1))
    call_command("loadbanks", str(example_content.root), verbosity=0)
    assert catalog.content_version() != loaded


def test_topic_question_counts_are_counted_once_per_content_version(
    monkeypatch, django_assert_num_queries
):
    topic = TopicFactory()
    QuestionFactory(topic=topic, bank__topic=topic)
    QuestionFactory(topic=topic, bank__topic=topic, is_retired=True)
    version = catalog.content_version()
    with django_assert_num_queries(1):
        [counted] = catalog.topics_with_question_counts(version)
    assert (counted, counted.question_count) == (topic, 1)
    with django_assert_num_queries(0):
        assert catalog.topics_with_question_counts(version)[0] is counted
    # A full question cache starts again, and keeps the topics counted at the same version.
    monkeypatch.setattr(catalog, "MAX_QUESTIONS", 1)
    question = QuestionFactory(topic=topic, bank__topic=topic)
    version = catalog.content_version()
    assert catalog.topics_with_question_counts(version)[0].question_count == 2
    catalog.study_question(question.pk, version)
    catalog.study_question(question.pk, version)
    with django_assert_num_queries(0):
        assert catalog.topics_with_question_counts(version)[0].question_count == 2
    Question.objects.filter(pk=question.pk).update(is_retired=True)  # as loadbanks retires
    version = catalog.content_version()
    with django_assert_num_queries(1):
        assert catalog.topics_with_question_counts(version)[0].question_count == 1
    with django_assert_num_queries(1):  # without a version, counted every time
        catalog.topics_with_question_counts(None)

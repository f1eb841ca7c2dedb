"""Questions as study shows and grades them, cached per process and keyed by the content version.

Between two loads the content does not change, so a study request should not read it again: the
question with its topic, bank, choices and snippets is read once per process and kept, with its
grading spec, for as long as the content version (`ContentVersion`, changed by database triggers
in the transaction of every content write) stays the same. A request reads the version with the
learner's own rows (the study selectors fold it into the settings query) and asks for the
question at that version: a write, committed, gives a new version, so no request after it can
see the old question.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, QuerySet

from .format import QuestionSpec
from .models import ContentVersion, Question, Snippet, Topic

# Questions kept per process at most (the real content holds about 500): past it the cache
# starts again, so a catalog of a million questions costs reads, never memory.
MAX_QUESTIONS = 5000


@dataclass
class _Cache:
    version: str | None = None
    questions: dict[int, Question] = field(default_factory=dict)
    topics: list[Topic] | None = None


_cache = _Cache()
_lock = threading.Lock()


def version_sql() -> str:
    """Return a scalar subquery giving the content version (NULL when there is none), for a
    query that reads it beside other rows."""
    table = ContentVersion._meta.db_table
    return f'(SELECT "token" FROM "{table}" WHERE "id" = 1)'  # noqa: S608 - no input


def content_version() -> str | None:
    """Return the content version now (one query), or None when the database keeps none."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {version_sql()}")
        return cursor.fetchone()[0]


def _questions() -> QuerySet[Question]:
    return Question.objects.select_related("topic", "bank").prefetch_related(
        "choices", Prefetch("snippets", Snippet.objects.only("slug", "title"))
    )


def _load(pk: int) -> Question:
    return _questions().get(pk=pk)


def _current(version: str) -> _Cache:
    """Return the cache of `version`, started afresh when the version moved on (or its questions
    are too many: then it keeps the topics, counted at the same version)."""
    global _cache
    cache = _cache
    if cache.version != version or len(cache.questions) >= MAX_QUESTIONS:
        with _lock:
            if _cache.version != version:
                _cache = _Cache(version=version)
            elif len(_cache.questions) >= MAX_QUESTIONS:
                _cache = _Cache(version=version, topics=_cache.topics)
            cache = _cache
    return cache


def study_question(pk: int, version: str | None) -> Question:
    """Return the question with its topic, bank, choices and snippets (slug and title), from
    this process's cache when `version` is the content version it was read at.

    `version` must have been read in the same request (see `content_version`); None reads the
    question from the database every time. Raises Question.DoesNotExist. The question returned
    may be shared by other requests: read it, never change it.
    """
    if version is None:
        return _load(pk)
    cache = _current(version)
    question = cache.questions.get(pk)
    if question is None:
        question = _load(pk)
        question._grading_spec = question.to_spec()  # no query: all it reads came with it
        cache.questions[pk] = question
    return question


def warm() -> int:
    """Read every question in study (not retired, up to MAX_QUESTIONS) into this process's
    cache at the current content version; return how many (0 when the database keeps no
    version).

    A server calls it once before it forks its workers (deploy/gunicorn.conf.py), so that no
    worker, the first ones or one replacing a recycled worker, reads a question on its own
    requests. Three queries whatever the number of questions.
    """
    global _cache
    # The version first, the questions after, as a request reads them: questions read after
    # the version are at least as new as it, never older (a content write committed in between
    # makes them newer and changes the version again, so no later request uses them).
    version = content_version()
    if version is None:
        return 0
    questions = list(_questions().filter(is_retired=False).order_by("pk")[:MAX_QUESTIONS])
    warmed = _Cache(version=version)
    for question in questions:
        question._grading_spec = question.to_spec()
        warmed.questions[question.pk] = question
    with _lock:
        _cache = warmed
    return len(questions)


def grading_spec(question: Question) -> QuestionSpec:
    """Return the question's spec (what the graders read): worked out once for a cached
    question, every time for any other."""
    spec = getattr(question, "_grading_spec", None)
    return spec if spec is not None else question.to_spec()


def topics_with_question_counts(version: str | None) -> list[Topic]:
    """Return every topic, in order, with `question_count` (`Topic.objects.with_question_counts`),
    from this process's cache when `version` is the content version they were counted at (a
    million questions are counted once per content change, not once per page). None counts them
    every time. The topics may be shared by other requests: read them, never change them."""
    if version is None:
        return list(Topic.objects.with_question_counts())
    cache = _current(version)
    topics = cache.topics
    if topics is None:
        topics = cache.topics = list(Topic.objects.with_question_counts())
    return topics


def clear() -> None:
    """Forget every cached question (the next request reads them again)."""
    global _cache
    with _lock:
        _cache = _Cache()

"""Reads of the content for pages: each function runs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .models import Question, Snippet, Topic


def topics_with_counts() -> QuerySet[Topic]:
    """Return every topic with `question_count` (questions in study), in display order."""
    return Topic.objects.with_question_counts()


def topic_detail(slug: str) -> tuple[Topic, list[Question], list[Snippet]]:
    """Return a topic, its public questions (with their snippets) and the snippets they link.

    Questions of restricted banks (for assessments only) are left out.
    """
    topic = get_object_or_404(Topic, slug=slug)
    questions = list(
        Question.objects.public()
        .filter(topic=topic)
        .select_related("bank")
        .prefetch_related(Prefetch("snippets", queryset=Snippet.objects.active()))
        .order_by("bank__slug", "position")
    )
    seen: dict[int, Snippet] = {}
    for question in questions:
        for snippet in question.snippets.all():
            seen.setdefault(snippet.pk, snippet)
    return topic, questions, sorted(seen.values(), key=lambda s: s.slug)


def snippets_by_topic() -> list[Snippet]:
    """Return the snippets in use with their bank's topic, by topic then title (those of
    restricted banks left out). One query."""
    return list(
        Snippet.objects.active()
        .filter(bank__is_restricted=False)
        .select_related("bank__topic")
        .order_by("bank__topic__position", "bank__topic__slug", "title", "slug")
    )


def snippet_detail(slug: str) -> tuple[Snippet, list[Question]]:
    """Return a snippet in use and the public questions that link to it."""
    snippet = get_object_or_404(Snippet.objects.active().select_related("bank"), slug=slug)
    questions = list(snippet.questions.public().select_related("topic").order_by("slug"))
    return snippet, questions

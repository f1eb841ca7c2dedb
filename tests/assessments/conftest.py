"""A team with a lead and members, the README's example bank, and an assessment over it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from studyapp.accounts.models import Membership
from studyapp.assessments.models import AssessmentItem
from studyapp.banks.models import Question
from tests.factories import AssessmentFactory, MembershipFactory, UserFactory

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
GRADED_SLUGS = [
    "example-nodeport-range",
    "example-headless",
    "example-nodeport-field",
    "example-layers",
    "example-cloze",
    "example-types",
    "example-write-nodeport",
]


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


@pytest.fixture
def other_member(team):
    return MembershipFactory(team=team, user=UserFactory(username="other-member")).user


@pytest.fixture
def assessment(team, lead, example):
    """Every graded question type of the example, fixed, in file order; open at NOW."""
    assessment = AssessmentFactory(
        team=team,
        title="Service types",
        instructions="Answer **every** question.",
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=6),
        time_limit_minutes=30,
        pass_mark=50,
        created_by=lead,
    )
    questions = {q.slug: q for q in Question.objects.filter(slug__in=GRADED_SLUGS)}
    AssessmentItem.objects.bulk_create(
        AssessmentItem(assessment=assessment, question=questions[slug], position=i)
        for i, slug in enumerate(GRADED_SLUGS)
    )
    return assessment


RIGHT_ANSWERS = {
    "example-nodeport-range": lambda row, p: {f"q{p}-choice": "0"},
    "example-headless": lambda row, p: {f"q{p}-truth": "false"},
    "example-nodeport-field": lambda row, p: {f"q{p}-text": "nodePort"},
    "example-layers": lambda row, p: {
        f"q{p}-position-{display}": str(original + 1)
        for display, original in enumerate(row.item_order)
    },
    "example-cloze": lambda row, p: {f"q{p}-cloze-0": "NodePort", f"q{p}-cloze-1": "ClusterIP"},
    "example-types": lambda row, p: {f"q{p}-choice": ["0", "1"]},
    "example-write-nodeport": lambda row, p: {
        f"q{p}-manifest": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
        "  type: NodePort\n  selector:\n    app: web\n  ports:\n    - port: 80\n"
        "      nodePort: 30080\n"
    },
}


def answers_for(attempt, *, right: set[str] | None = None, wrong: set[str] | None = None):
    """Return form data answering the attempt: right for `right` slugs, wrong for `wrong`."""
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for row in attempt.questions.order_by("position"):
        slug, position = row.question_slug, row.position
        if right is not None and slug in right:
            fields = RIGHT_ANSWERS[slug](row, position)
        elif wrong is not None and slug in wrong:
            fields = {f"q{position}-text": "wrong", f"q{position}-truth": "true",
                      f"q{position}-choice": "2", f"q{position}-manifest": "kind: Pod"}  # fmt: skip
        else:
            continue
        data[f"q{position}-present"] = "1"
        for name, value in fields.items():
            data.setlist(name, value if isinstance(value, list) else [value])
    return data


def posted(data) -> dict:
    """Return form data as the test client posts it (a list sends every value)."""
    return dict(data.lists())


def member_of(team, username, role=Membership.Role.MEMBER):
    return MembershipFactory(team=team, user=UserFactory(username=username), role=role).user

"""Shared fixtures: a content folder written from strings, and the loaded example content."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TOPICS = """\
- slug: services
  title: Services
  description: Why Services exist.
- slug: service-types
  title: Service types
"""

NODEPORT = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - port: 80
      nodePort: 30080
"""


class ContentDir:
    """A content folder under tmp_path that tests write banks and snippets into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "banks").mkdir(parents=True)
        (root / "snippets").mkdir()
        self.write("topics.yaml", TOPICS)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def bank(self, name: str, text: str) -> Path:
        return self.write(f"banks/{name}.yaml", text)


@pytest.fixture
def content_dir(tmp_path: Path) -> ContentDir:
    return ContentDir(tmp_path / "content")


@pytest.fixture
def example_bank_text() -> str:
    """The complete example of content/README.md: every question type and a snippet."""
    import re

    readme = (Path(__file__).resolve().parent.parent / "content" / "README.md").read_text()
    match = re.search(r"`content/banks/example.yaml`:\n\n```yaml\n(.*?)\n```", readme, re.S)
    assert match, "content/README.md lost its complete example"
    return match.group(1) + "\n"


@pytest.fixture
def example_content(content_dir: ContentDir, example_bank_text: str) -> ContentDir:
    """A content folder holding the README's example bank and its snippet."""
    content_dir.write("topics.yaml", TOPICS)
    content_dir.bank("example", example_bank_text)
    content_dir.write("snippets/example-nodeport.yaml", NODEPORT)
    return content_dir


# Teams: one team with a lead and a member, and the lead of another team -----------------------
# (factories are imported inside the fixtures: this root conftest loads before Django is set up)


@pytest.fixture
def team():
    from tests.factories import TeamFactory

    return TeamFactory(name="Platform onboarding")


@pytest.fixture
def lead(team):
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(team=team, user=UserFactory(username="lead"), role="lead").user


@pytest.fixture
def member(team):
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(team=team, user=UserFactory(username="member")).user


@pytest.fixture
def other_lead():
    """The lead of another team."""
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(user=UserFactory(username="other-lead"), role="lead").user


# Stored HTML: pages never render markdown --------------------------------------------------------


@pytest.fixture
def no_markdown_rendering(monkeypatch):
    """Make rendering markdown fail: render_markdown and render_inline call `is_hostile`, then
    Python-Markdown (`_convert`) or `_plain`, for every non-blank text within the caps. A page
    that renders markdown while serving a request errors."""

    def refuse(*args, **kwargs):
        raise AssertionError("markdown rendered while serving a request")

    monkeypatch.setattr("studyapp.core.markdown.is_hostile", refuse)
    monkeypatch.setattr("studyapp.core.markdown._plain", refuse)
    monkeypatch.setattr("studyapp.core.markdown._convert", refuse)

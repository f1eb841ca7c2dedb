"""Shared fixtures: a content folder written from strings, and the loaded example content."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

# Migrations that install database triggers (a RunPython `create_triggers(apps, schema_editor)`):
# a test database built from the models (`--no-migrations`, as `make mutate` runs the tests) gets
# them too, so the code under test sees the same database as in production.
TRIGGER_MIGRATIONS = (
    "studyapp.banks.migrations.0011_content_version",
    "studyapp.study.migrations.0009_card_counts",
)

# Under `make mutate` (mutmut sets MUTANT_UNDER_TEST) many test runs share two busy cores: a
# Hypothesis test must fail because a mutant broke the code, not because the machine was slow
# (mutmut stops a runaway mutant by its CPU time), and fail the same way every run.
settings.register_profile("mutation", deadline=None, derandomize=True, database=None)
if "MUTANT_UNDER_TEST" in os.environ:
    settings.load_profile("mutation")


# Under `make mutate`, the mutants of these modules run only the tests under these folders: every
# test that loads a bank goes through the bank format (about 240 tests per function, 12 s of
# test time for each mutant that survives), while its own tests are the loader's and the
# importers'. The score is then the one those tests earn (a lower bound of the whole suite's).
MUTATION_TESTS = {"studyapp.banks.format.": ("tests/banks/", "tests/interop/")}


def pytest_collection_modifyitems(config, items):
    """Under `make mutate`, run a mutant's tests fastest first (by the times mutmut recorded), as
    mutmut's fork runner does and its fork server does not: a mutant is usually caught by a quick
    unit test, and the run stops at the first failure. Mutants of the modules in MUTATION_TESTS
    run only those folders' tests."""
    stats = Path("mutmut-stats.json")  # mutmut runs the tests from inside mutants/
    if "MUTANT_UNDER_TEST" not in os.environ or not stats.exists():
        return
    mutant = os.environ["MUTANT_UNDER_TEST"]
    for module, folders in MUTATION_TESTS.items():
        if mutant.startswith(module):
            config.hook.pytest_deselected(
                items=[item for item in items if not item.nodeid.startswith(folders)]
            )
            items[:] = [item for item in items if item.nodeid.startswith(folders)]
    durations = json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Hash test passwords with MD5: Django's PBKDF2 takes a quarter of a second per password by
    design, which every user a test makes would pay. PBKDF2 stays available for the code that
    names it (the demo fixture's users)."""
    from django.test import override_settings

    hashers = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """The test database; built without migrations, it gets their triggers all the same."""
    if not request.config.getvalue("nomigrations"):
        return
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        for name in TRIGGER_MIGRATIONS:
            import_module(name).create_triggers(apps, editor)


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


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Start every test with an empty content cache (`banks.catalog`). Each test's content is
    rolled back at its end, which gives the content version back its value from before: a
    process never sees that in use (a version, once committed, never comes back), but the next
    test would find the last one's questions and topics cached under it. Likewise the learners'
    time zones the study selectors remember by user id: ids come back after a rollback too."""
    from studyapp.banks import catalog
    from studyapp.study import selectors

    catalog.clear()
    selectors._time_zones.clear()

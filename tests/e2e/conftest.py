"""End-to-end tests in Debian's Chromium through Playwright (never a downloaded browser).

Without /usr/bin/chromium these tests are skipped with a visible reason, unless E2E_REQUIRED is
set (as .ci/run does): then a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

# Playwright's sync API keeps an event loop running in the main thread from the first browser
# test to the end of the session, and Django then refuses ORM calls (the tests' own and the
# database flushes between tests) as if they came from async code. They are ordinary synchronous
# calls: allow them for this test process only (subprocesses that check deployment drop it).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):  # noqa: ANN001, ANN201
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return
    if os.environ.get("E2E_REQUIRED"):
        raise pytest.UsageError(f"E2E_REQUIRED is set but there is no Chromium at {CHROMIUM}")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}: apt-get install chromium to run")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # noqa: ANN001, ANN201
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS,
            "headless": True}  # fmt: skip


@pytest.fixture
def e2e_content(example_content):
    """The README example bank plus a second bank, so a study session has a dozen cards."""
    example_content.bank(
        "extra",
        """\
        bank: extra
        title: Extra
        topic: service-types
        questions:
          - id: extra-selector
            type: truefalse
            prompt: A Service finds its Pods through a label selector.
            answer: true
            explanation: The selector picks the Pods whose labels match.
          - id: extra-kube-proxy
            type: short
            prompt: Which node component programs the rules that implement Services?
            answers: [kube-proxy]
            explanation: kube-proxy watches Services and EndpointSlices and programs the node.
          - id: extra-default-type
            type: single
            prompt: Which Service type is the default?
            choices:
              - text: ClusterIP
                correct: true
              - NodePort
              - LoadBalancer
            explanation: Without a type, a Service is a ClusterIP Service.
          - id: extra-endpoints
            type: multi
            prompt: Which objects list the addresses behind a Service?
            choices:
              - text: EndpointSlice
                correct: true
              - text: Endpoints
                correct: true
              - ConfigMap
            explanation: EndpointSlices (and the legacy Endpoints) hold the ready Pod addresses.
        """,
    )
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("learner", password="learner-pass-1")


def log_in(page, live_server, username: str, password: str) -> None:  # noqa: ANN001
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

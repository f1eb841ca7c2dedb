"""A learner studies by keyboard and by mouse, undoes a review, and sees progress change."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from studyapp.study.models import ReviewLog
from tests.conftest import NODEPORT
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SOLUTION = NODEPORT  # the README example's yaml exercise: a NodePort Service on 30080


def answer_current_card(page) -> str:  # noqa: ANN001
    """Answer whatever card is shown, half by keyboard and half by mouse; return its type."""
    kind = page.locator("#question-form .badge").first.inner_text()
    if kind == "Single choice":
        page.locator("#question-form input[name=choice]").first.click()  # mouse
        page.keyboard.press("Enter")
    elif kind == "Multiple choice":
        boxes = page.locator("#question-form input[name=choice]")
        boxes.nth(0).focus()
        page.keyboard.press("Space")  # keyboard
        boxes.nth(1).check()  # mouse
        page.locator("#submit-button").click()
    elif kind == "True or false":
        page.locator("#question-form input[value=true]").focus()
        page.keyboard.press("Space")
        page.keyboard.press("Enter")
    elif kind == "Short answer":
        field = page.locator("#answer-text")
        field.fill("kube-proxy" if "node component" in page.content() else "nodePort")
        field.press("Enter")
    elif kind == "Put in order":
        texts = page.locator(".order-text").all_inner_texts()
        wanted = [
            "the node's IP and nodePort",
            "the Service's cluster IP and port",
            "a Pod's IP and targetPort",
        ]
        for position, text in enumerate(wanted):  # bubble each item up with the ↑ buttons
            index = texts.index(text)
            for _ in range(index - position):
                page.locator(".order-item").nth(index).locator("[data-move=up]").click()
                index -= 1
                texts = page.locator(".order-text").all_inner_texts()
        page.locator("#submit-button").click()
    elif kind == "Cloze":
        inputs = page.locator(".cloze-input")
        inputs.nth(0).fill("NodePort")
        inputs.nth(1).fill("ClusterIP")
        inputs.nth(1).press("Enter")
    elif kind == "Flashcard":
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("Space")
    elif kind == "YAML exercise":
        page.locator("#manifest").fill(SOLUTION)
        page.locator("#manifest").press("Control+Enter")
    else:
        raise AssertionError(f"unknown card type {kind}")
    page.wait_for_selector("#rating-form")
    return kind


def test_study_ten_cards_undo_and_progress(page, live_server, e2e_content, learner):
    log_in(page, live_server, "learner", "learner-pass-1")
    page.goto(f"{live_server.url}/progress/")
    assert page.locator(".stat-value").nth(2).inner_text() == "0"  # reviewed today
    page.goto(f"{live_server.url}/study/")
    kinds = []
    for number in range(10):
        kinds.append(answer_current_card(page))
        right = page.locator('#rating-form button[data-rating="3"]')
        if number % 2 == 0 and right.count():
            page.keyboard.press("3")  # keyboard
        elif right.count():
            right.click()  # mouse
        else:
            page.keyboard.press("1")
        page.wait_for_selector("#rating-form", state="detached")
        assert ReviewLog.objects.count() == number + 1
    assert len(set(kinds)) == 8, kinds  # every question type, by keyboard or by mouse
    page.keyboard.press("u")
    page.wait_for_selector("text=Undone: the last review was removed.")
    assert ReviewLog.objects.count() == 9
    page.goto(f"{live_server.url}/progress/")
    assert page.locator(".stat-value").nth(2).inner_text() == "9"
    assert page.locator(".heatmap rect.heat-2").count() == 1  # today: 5-9 reviews


def test_main_pages_have_no_serious_accessibility_violations(
    page, live_server, e2e_content, learner
):
    log_in(page, live_server, "learner", "learner-pass-1")
    axe = Axe()
    for path in ["/", "/topics/service-types/", "/snippets/example-nodeport/", "/study/",
                 "/study/settings/", "/study/drill/", "/progress/"]:  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        results = axe.run(page)
        serious = [
            v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        found = [(v["id"], [n["target"] for n in v["nodes"]][:3], v["nodes"][0]["failureSummary"][:200])
                 for v in serious]  # fmt: skip
        assert not found, (path, found)


def test_pages_fit_a_phone(browser, live_server, e2e_content, learner):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, "learner", "learner-pass-1")
    for path in ["/", "/study/", "/progress/", "/snippets/example-nodeport/"]:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    context.close()


def test_console_has_no_csp_violations(page, live_server, e2e_content, learner):
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    log_in(page, live_server, "learner", "learner-pass-1")
    for path in ["/", "/study/", "/progress/", "/snippets/example-nodeport/"]:
        page.goto(f"{live_server.url}{path}")
    assert not [e for e in errors if re.search("Content Security Policy|Refused", e)], errors

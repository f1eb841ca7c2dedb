"""In the browser: "I was right", a manifest with a YAML typo handed back ungraded, adding a topic
to the reviews, and the keys that pick choices (never while typing)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from studyapp.banks.models import Question, Topic
from studyapp.study.models import Answer, CardState, ReviewLog, StudySettings
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SERVICES_BANK = """\
bank: services-extra
title: Services
topic: services
questions:
  - id: services-why
    type: truefalse
    prompt: Pods are replaced, and their IPs change with them.
    answer: true
    explanation: A Service gives them one stable address.
  - id: services-selector
    type: short
    prompt: Which field of a Service picks its Pods?
    answers: [selector, spec.selector]
    explanation: The selector matches the Pods' labels.
"""


def only(*slugs: str) -> None:
    Question.objects.exclude(slug__in=slugs).update(is_retired=True)


def test_i_was_right_after_a_typed_answer_graded_wrong(page, live_server, e2e_content, learner):
    only("example-nodeport-field")
    log_in(page, live_server, "learner", "learner-pass-1")
    page.goto(f"{live_server.url}/study/")
    page.fill("#answer-text", "the nodePort of each port entry")
    page.press("#answer-text", "Enter")
    page.wait_for_selector("text=✗ Not quite")
    buttons = page.locator("#rating-form button[data-rating]")
    assert buttons.all_inner_texts()[0].startswith("1 Again") and buttons.count() == 1
    page.click("#override-button")
    page.wait_for_selector("text=Right, by your word")
    assert page.locator("#rating-form button[data-rating]").evaluate_all(
        "buttons => buttons.map(b => b.dataset.rating)"
    ) == ["2", "3", "4"]
    assert page.locator("#override-button").count() == 0
    page.keyboard.press("3")
    page.wait_for_selector("text=All done for now")
    review = ReviewLog.objects.get()
    assert review.is_overridden and review.is_correct and review.rating == 3


def test_a_yaml_typo_comes_back_ungraded_with_the_manifest_kept(
    page, live_server, e2e_content, learner
):
    only("example-write-nodeport")
    log_in(page, live_server, "learner", "learner-pass-1")
    page.goto(f"{live_server.url}/study/")
    typo = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n"
        "  selector: {app: web\n  ports:\n    - port: 80\n      nodePort: 30080\n"
    )
    page.fill("#manifest", typo)
    page.press("#manifest", "Control+Enter")
    message = page.wait_for_selector("#form-message")
    assert "This is not valid YAML yet (line" in message.inner_text()
    assert "nothing was recorded" in message.inner_text()
    assert page.input_value("#manifest") == typo
    assert not Answer.objects.exists() and not CardState.objects.exists()
    page.fill("#manifest", typo.replace("{app: web\n", "{app: web}\n"))
    page.press("#manifest", "Control+Enter")
    page.wait_for_selector("text=✓ Right")
    assert Answer.objects.get().is_correct


def test_adding_a_topic_puts_its_questions_first_in_the_reviews(
    page, live_server, e2e_content, learner
):
    e2e_content.bank("services-extra", SERVICES_BANK)
    call_command("loadbanks", str(e2e_content.root), stdout=StringIO())
    settings = StudySettings.objects.create(user=learner)
    settings.topics.set(Topic.objects.filter(slug="service-types"))  # studies that topic only
    log_in(page, live_server, "learner", "learner-pass-1")
    page.goto(f"{live_server.url}/study/")
    assert "Service types" in page.locator("#question-form .question-meta").inner_text()
    page.goto(f"{live_server.url}/topics/services/")
    page.click("text=Add to my reviews")
    page.wait_for_selector("text=Services is in your reviews: its 2 new cards come first")
    page.goto(f"{live_server.url}/study/")
    for _ in range(2):
        assert "Services" in page.locator("#question-form .question-meta").inner_text()
        if page.locator("#answer-text").count():
            page.fill("#answer-text", "selector")
            page.press("#answer-text", "Enter")
        else:
            page.locator("body").click(position={"x": 5, "y": 5})
            page.keyboard.press("1")  # True, by its key
            page.keyboard.press("Enter")
        page.wait_for_selector("#rating-form")
        page.locator('#rating-form button[data-rating="3"]').click()
        page.wait_for_selector("#rating-form", state="detached")
    # Then the chosen topic's new cards.
    assert "Service types" in page.locator("#question-form .question-meta").inner_text()
    page.goto(f"{live_server.url}/progress/")
    row = page.locator(".mastery-table tr", has_text="Services")
    assert "In your reviews" in row.inner_text()
    assert "2 learning" in row.inner_text() and "0 mature" in row.inner_text()


def test_keys_pick_choices_and_never_fire_in_a_text_box(page, live_server, e2e_content, learner):
    # New cards in this order: a short answer, a multi choice, another short answer.
    only("example-nodeport-field", "example-types", "extra-kube-proxy")
    log_in(page, live_server, "learner", "learner-pass-1")
    page.goto(f"{live_server.url}/study/")
    page.fill("#answer-text", "nodePort")
    page.press("#answer-text", "Enter")
    page.locator('#rating-form button[data-rating="4"]').click()
    page.wait_for_selector("#question-form input[name=choice]")
    boxes = page.locator("#question-form input[name=choice]")
    labels = page.locator("#question-form label.choice").all_inner_texts()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("1")
    page.keyboard.press("c")
    assert [boxes.nth(i).is_checked() for i in range(3)] == [True, False, True]
    page.keyboard.press("1")  # a checkbox: a second press unticks it
    assert [boxes.nth(i).is_checked() for i in range(3)] == [False, False, True]
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_selector("#rating-form")
    answer = Answer.objects.latest("pk")
    texts = [c.text for c in Question.objects.get(slug="example-types").choices.all()]
    picked = sorted(texts[int(index)] for index in answer.response)
    assert picked == sorted(t for t in texts if any(t in label for label in labels[1:]))
    page.locator("#rating-form button[data-rating]").first.click()
    page.wait_for_selector("#answer-text")
    # In a text box U is a "u"; Esc leaves the box, then U undoes.
    assert ReviewLog.objects.count() == 2
    page.focus("#answer-text")
    page.keyboard.press("u")
    assert page.input_value("#answer-text") == "u" and ReviewLog.objects.count() == 2
    page.keyboard.press("Escape")
    page.keyboard.press("u")
    page.wait_for_selector("text=Undone: the last review was removed.")
    assert ReviewLog.objects.count() == 1
    assert "in a text box: Esc then U" in page.locator(".subnav .keys").inner_text()

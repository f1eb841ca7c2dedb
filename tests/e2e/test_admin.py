"""An admin edits a question in the admin and the learner sees the change."""

from __future__ import annotations

import pytest

from studyapp.banks.models import Question
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_edit_reaches_the_learner(
    browser, live_server, e2e_content, learner, django_user_model
):
    django_user_model.objects.create_superuser("boss", password="boss-pass-1")
    admin = browser.new_context().new_page()
    log_in(admin, live_server, "boss", "boss-pass-1")
    question = Question.objects.get(slug="extra-default-type")
    admin.goto(f"{live_server.url}/admin/banks/question/{question.pk}/change/")
    admin.fill("#id_prompt", "If you leave out spec.type, which Service type do you get?")
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist .success")
    # an invalid edit is refused with the loader's message
    admin.goto(f"{live_server.url}/admin/banks/question/{question.pk}/change/")
    admin.check("#id_choices-1-is_correct")
    admin.click("input[name=_save]")
    admin.wait_for_selector("text=needs exactly one correct choice, found 2")

    learner_page = browser.new_context().new_page()
    log_in(learner_page, live_server, "learner", "learner-pass-1")
    learner_page.goto(f"{live_server.url}/topics/service-types/")
    assert (
        learner_page.get_by_text(
            "If you leave out spec.type, which Service type do you get?"
        ).count()
        == 1
    )

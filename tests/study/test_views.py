"""Study pages through the Django client: plain HTML forms first, htmx fragments second."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from studyapp.banks.models import Question
from studyapp.study.models import Answer, CardState, ReviewLog
from tests.factories import BankFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def learner(client):
    user = UserFactory(username="learner")
    client.force_login(user)
    return user


@pytest.fixture
def example(example_content):
    call_command("loadbanks", str(example_content.root), stdout=StringIO())
    return example_content


def form_fields(html: str) -> dict:
    fields = {
        "question": re.search(r'name="question" value="(\d+)"', html).group(1),
        "version": re.search(r'name="version" value="(\d+)"', html).group(1),
        "shown": re.search(r'name="shown" value="([^"]+)"', html).group(1),
    }
    order = re.search(r'name="order" value="([^"]+)"', html)
    if order:
        fields["order"] = order.group(1)
    return fields


def choice_value(html: str, text: str) -> str:
    """Return the value the form sends for the choice labelled `text` (its displayed position)."""
    for value, label in re.findall(r'name="choice" value="(\d+)"[^>]*>(.*?)</label>', html, re.S):
        if text in label:
            return value
    raise AssertionError(f"no choice {text!r} in the form")


def test_anonymous_is_sent_to_login(client):
    response = client.get("/study/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/study/answer/").status_code == 302


def test_full_page_and_fragment(client, learner, example):
    page = client.get("/study/")
    assert page.status_code == 200
    assert "<html" in page.content.decode() and 'id="study-panel"' in page.content.decode()
    assert "HX-Request" in page["Vary"]
    fragment = client.get("/study/", **HTMX).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="study-panel"')


def test_no_answer_leaks_into_the_page_before_submitting(client, learner, example):
    """Walk every question of the example: the page never holds the answer, nor the why."""
    leaks = {
        "example-nodeport-range": [
            "Those are the privileged ports",
            "allocates node ports",
            "correct",
        ],
        "example-headless": ["DNS returns the Pod IPs", "false"],
        "example-nodeport-field": ["spec.ports.nodePort", "picked from the range"],
        "example-layers": ["builds on a ClusterIP Service"],
        "example-cloze": ["NodePort", "ClusterIP", "Each Service type builds"],
        "example-types": ["reachable only from inside", "opens a port on every node"],
        "example-explain-service": ["Pods come and go", "load balancing"],
        "example-write-nodeport": ["type: NodePort", "nodePort: 30080", "Set nodePort to 30080"],
    }
    seen = set()
    for _ in range(8):
        html = client.get("/study/").content.decode()
        fields = form_fields(html)
        question = Question.objects.get(pk=fields["question"])
        seen.add(question.slug)
        form = html[html.index('<form method="post" id="question-form"') : html.index("</form>")]
        for leak in leaks[question.slug]:
            if question.slug == "example-cloze" and leak in ("NodePort", "ClusterIP"):
                assert f"::{leak}" not in form and f">{leak}<" not in form
                continue
            if leak in ("correct", "false"):
                assert f'value="{leak}"' not in form or leak == "false"
                assert "is_correct" not in form
                continue
            assert leak not in form, (question.slug, leak)
        some_answer = {"choice": "0", "truth": "true", "text": "x", "manifest": "a: b",
                       "cloze-0": "x"}  # fmt: skip
        answer = client.post("/study/answer/", {**fields, **some_answer})
        # Choice 0 is shown at a place that depends on the learner's id: it may be right.
        rating = Answer.objects.latest("pk").ratings[0]
        client.post(answer["Location"] + "rate/", {"rating": str(rating)})
    assert seen == set(leaks)


def test_order_items_are_never_shown_in_the_right_order(client, learner, example):
    Question.objects.exclude(slug="example-layers").update(is_retired=True)
    html = client.get("/study/").content.decode()
    shown = [unescape(t) for t in re.findall(r'<span class="order-text">([^<]+)</span>', html)]
    items = Question.objects.get(slug="example-layers").items
    assert sorted(shown) == sorted(items) and shown != items


def answer_current(client, *, choose: str = "", **answer):
    """Answer the card shown; `choose` picks the choice with that text wherever it is shown."""
    html = client.get("/study/").content.decode()
    if choose:
        answer["choice"] = choice_value(html, choose)
    return client.post("/study/answer/", {**form_fields(html), **answer})


def test_answer_then_rate_with_plain_forms(client, learner, example):
    Question.objects.exclude(slug="example-nodeport-range").update(is_retired=True)
    response = answer_current(client, choose="30000-32767")
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert "✓ Right" in result and "allocates node ports" in result
    assert re.findall(r'data-rating="(\d)"', result) == ["2", "3", "4"]
    assert "/snippets/example-nodeport/" in result
    assert client.post(response["Location"] + "rate/", {"rating": "3"}).status_code == 302
    review = ReviewLog.objects.get()
    assert review.rating == 3 and review.is_correct and review.duration_ms >= 0
    assert "All done for now" in client.get("/study/").content.decode()


def test_wrong_choice_shows_its_why_and_only_again(client, learner, example):
    Question.objects.exclude(slug="example-nodeport-range").update(is_retired=True)
    response = answer_current(client, choose="1-1024")
    result = client.get(response["Location"]).content.decode()
    assert "✗ Not quite" in result
    assert "Those are the privileged ports of a host" in result
    assert re.findall(r'data-rating="(\d)"', result) == ["1"]
    assert client.post(response["Location"] + "rate/", {"rating": "3"}).status_code == 302
    assert not ReviewLog.objects.exists()


def test_htmx_answer_and_rate_swap_fragments(client, learner, example):
    Question.objects.exclude(slug="example-headless").update(is_retired=True)
    html = client.get("/study/").content.decode()
    result = client.post("/study/answer/", {**form_fields(html), "truth": "false"}, **HTMX)
    body = result.content.decode()
    assert result.status_code == 200 and "<html" not in body and "✓ Right" in body
    answer = Answer.objects.get()
    after = client.post(f"/study/answers/{answer.pk}/rate/", {"rating": "4"}, **HTMX)
    assert "All done for now" in after.content.decode()


def test_resent_answer_and_rating_posts_record_one_review(client, learner, example):
    Question.objects.exclude(slug="example-headless").update(is_retired=True)
    fields = form_fields(client.get("/study/").content.decode())
    first = client.post("/study/answer/", {**fields, "truth": "false"})
    second = client.post("/study/answer/", {**fields, "truth": "true"})
    assert first["Location"] == second["Location"]
    for _ in range(3):
        client.post(first["Location"] + "rate/", {"rating": "3"})
    assert ReviewLog.objects.count() == 1 and Answer.objects.count() == 1


def test_yaml_answer_shows_every_schema_error_and_failed_check(client, learner, example):
    Question.objects.exclude(slug="example-write-nodeport").update(is_retired=True)
    manifest = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: ClusterIP\n"
        "  selector: {app: api}\n  ports:\n    - port: eighty\n"
    )
    response = answer_current(client, manifest=manifest)
    result = client.get(response["Location"]).content.decode()
    assert "spec.ports[0].port: &#x27;eighty&#x27; is not of type &#x27;integer&#x27;" in result
    fixed = manifest.replace("eighty", "80")
    Answer.objects.all().delete()
    CardState.objects.all().delete()
    response = answer_current(client, manifest=fixed)
    result = client.get(response["Location"]).content.decode()
    assert "The object must be a Service of type NodePort." in result
    assert "The selector must match the Pods&#x27; label app=web." in result


def test_echoed_answers_are_escaped(client, learner, example):
    Question.objects.exclude(slug="example-nodeport-field").update(is_retired=True)
    response = answer_current(client, text="<script>alert(1)</script>")
    result = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in result
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result


def test_malformed_posts_get_400_not_500(client, learner, example):
    assert client.post("/study/answer/", {"question": "x", "version": "0"}).status_code == 400
    assert client.post("/study/answer/", {}).status_code == 400
    answer = answer_current(client, choice="0")
    assert client.post(answer["Location"] + "rate/", {"rating": "nine"}).status_code == 400


def test_other_users_answers_are_404(client, learner, example):
    response = answer_current(client, choice="0")
    client.force_login(UserFactory(username="intruder"))
    assert client.get(response["Location"]).status_code == 404
    client.post(response["Location"] + "rate/", {"rating": "3"})
    assert not ReviewLog.objects.exists()


def test_undo_by_post(client, learner, example):
    Question.objects.exclude(slug="example-headless").update(is_retired=True)
    response = answer_current(client, truth="false")
    client.post(response["Location"] + "rate/", {"rating": "3"})
    assert ReviewLog.objects.count() == 1
    assert client.post("/study/undo/").status_code == 302
    assert not ReviewLog.objects.exists()
    assert "A headless Service has a cluster IP." in client.get("/study/").content.decode()


def test_suspend_from_the_card_and_unsuspend_from_settings(client, learner, example):
    html = client.get("/study/").content.decode()
    slug = Question.objects.get(pk=form_fields(html)["question"]).slug
    client.post(f"/study/cards/{slug}/suspend/")
    assert CardState.objects.get(question__slug=slug).is_suspended
    assert slug in client.get("/study/settings/").content.decode()
    response = client.post(f"/study/cards/{slug}/unsuspend/", {"next": "/study/settings/"})
    assert response.status_code == 302 and response["Location"] == "/study/settings/"
    assert not CardState.objects.get(question__slug=slug).is_suspended


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/", "https:evil.example", "\\\\evil.example"]
)
@pytest.mark.parametrize("action", ["suspend", "unsuspend", "bury"])
def test_card_actions_never_redirect_to_another_site(client, learner, example, action, evil):
    html = client.get("/study/").content.decode()
    slug = Question.objects.get(pk=form_fields(html)["question"]).slug
    response = client.post(f"/study/cards/{slug}/{action}/", {"next": evil})
    assert response.status_code == 302 and response["Location"] == "/study/"


def test_settings_validate_and_save(client, learner, example):
    bad = client.post("/study/settings/", {"desired_retention": "0.99", "new_per_day": "5",
                                           "reviews_per_day": "50", "leech_threshold": "8",
                                           "time_zone": "Mars/Olympus"})  # fmt: skip
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "less than or equal to 0.97" in html and "Select a valid choice" in html
    good = client.post("/study/settings/", {"desired_retention": "0.85", "new_per_day": "5",
                                            "reviews_per_day": "50", "leech_threshold": "8",
                                            "time_zone": "Europe/Berlin"})  # fmt: skip
    assert good.status_code == 302
    assert learner.study_settings.desired_retention == 0.85


def test_practice_grades_without_touching_the_schedule(client, learner, example):
    page = client.get("/study/practice/?topic=service-types")
    html = page.content.decode()
    assert page.status_code == 200 and "never change your schedule" in html
    fields = form_fields(html)
    result = client.post("/study/practice/", {**fields, "topic": "service-types", "choice": "0",
                                              "truth": "true", "text": "x", "manifest": "x",
                                              "cloze-0": "x"})  # fmt: skip
    assert result.status_code == 200 and "Next question" in result.content.decode()
    assert not CardState.objects.exists() and not ReviewLog.objects.exists()
    assert client.get("/study/practice/?topic=nope").status_code == 404


def test_practice_without_a_topic_sends_the_learner_to_the_topics(client, learner):
    response = client.get("/study/practice/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Pick a topic to practise" in response.content.decode()


def test_revlog_export_in_the_fsrs_optimizer_layout(client, learner, example):
    Question.objects.exclude(slug="example-headless").update(is_retired=True)
    response = answer_current(client, truth="false")
    client.post(response["Location"] + "rate/", {"rating": "3"})
    export = client.get("/study/export/revlog.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0] == ["card_id", "review_time", "review_rating", "review_state", "review_duration"]
    review = ReviewLog.objects.get()
    assert rows[1] == [str(review.card_id), str(int(review.reviewed_at.timestamp() * 1000)), "3",
                       "0", str(review.duration_ms)]  # fmt: skip
    out = StringIO()
    call_command("export_revlog", "--user", "learner", stdout=out)
    assert out.getvalue().splitlines()[1] == ",".join(rows[1])


def make_cards(user, count):
    topic = TopicFactory()
    questions = Question.objects.bulk_create(
        QuestionFactory.build(
            topic=topic, bank=QuestionFactory(topic=topic).bank, slug=f"bulk-{user.pk}-{i}"
        )
        for i in range(count)
    )
    now = timezone.now()
    CardState.objects.bulk_create(
        CardState(
            user=user,
            question=q,
            state=2,
            stability=10,
            difficulty=5,
            due=now - timedelta(days=i % 7),
            last_review=now - timedelta(days=12),
        )  # fmt: skip
        for i, q in enumerate(questions)
    )


@pytest.mark.slow
@pytest.mark.parametrize("size", [10, 5000])
def test_study_page_and_answer_post_run_constant_queries(
    client, learner, size, django_assert_max_num_queries
):
    make_cards(learner, size)
    client.get("/study/settings/")  # the first visit creates the settings row
    # Session and user first. The page: settings with today's counts, the next card, its
    # question (three reads, then cached for the content's version), the queue's counts.
    with django_assert_max_num_queries(8):
        html = client.get("/study/").content.decode()
    # Settings (with the content version: the question is cached), the card, the answer.
    with django_assert_max_num_queries(7):
        response = client.post("/study/answer/", {**form_fields(html), "truth": "true"})
    with django_assert_max_num_queries(5):
        client.get(response["Location"])
    # Settings; answer and card locked in one read, the card's update, the review, the day's
    # summary of reviews.
    with django_assert_max_num_queries(9):
        client.post(response["Location"] + "rate/", {"rating": "3"})
    assert ReviewLog.objects.count() == 1
    # As the browser sends them (htmx): the result fragment, then the rating renders the next card.
    htmx = {"HX-Request": "true"}
    html = client.get("/study/", headers=htmx).content.decode()
    with django_assert_max_num_queries(7):
        response = client.post(
            "/study/answer/", {**form_fields(html), "truth": "true"}, headers=htmx
        )
    answer = Answer.objects.latest("pk")
    # The rating (with the day's summary of reviews), then the next card's page (its question
    # not cached yet).
    with django_assert_max_num_queries(15):
        client.post(f"/study/answers/{answer.pk}/rate/", {"rating": "3"}, headers=htmx)
    assert ReviewLog.objects.count() == 2


def test_order_with_a_listed_swap_is_right_and_the_result_says_which_steps_may_swap(
    client, learner
):
    question = QuestionFactory(
        type="order", truth=None, items=["first", "second", "third"], may_swap=[[2, 3]]
    )
    html = client.get(f"/study/practice/?topic={question.topic.slug}").content.decode()
    shown = [unescape(t) for t in re.findall(r'<span class="order-text">([^<]+)</span>', html)]
    names = re.findall(r'name="(position-\d+)"', html)
    wanted = {"first": "1", "third": "2", "second": "3"}  # second and third swapped
    answer = {name: wanted[text] for name, text in zip(names, shown, strict=True)}
    order = re.search(r'name="order" value="([^"]*)"', html).group(1)
    result = client.post(
        "/study/practice/",
        {"question": question.pk, "topic": question.topic.slug, "order": order, **answer},
    ).content.decode()
    assert "✓ Right" in result
    assert "Either order is right for steps 2 and 3." in result


SETTINGS_FORM = {"desired_retention": "0.9", "new_per_day": "20", "reviews_per_day": "200",
                 "leech_threshold": "8", "time_zone": "UTC"}  # fmt: skip


def study_until_done(client, answer: dict, rating: str = "4") -> list[str]:
    """Answer and rate every card the queue shows until it is done; return their slugs."""
    seen = []
    for _ in range(20):
        html = client.get("/study/").content.decode()
        if "All done for now" in html:
            return seen
        fields = form_fields(html)
        seen.append(Question.objects.get(pk=fields["question"]).slug)
        response = client.post("/study/answer/", {**fields, **answer})
        client.post(response["Location"] + "rate/", {"rating": rating})
    raise AssertionError(f"the queue never ended: {seen}")


def test_study_keeps_to_the_banks_the_learner_chose(client, learner):
    topic = TopicFactory()
    chosen, other = BankFactory(topic=topic), BankFactory(topic=topic)
    for position in range(2):
        QuestionFactory(bank=chosen, position=position, slug=f"mine-{position}")
        QuestionFactory(bank=other, position=position, slug=f"other-{position}")
    CardState.objects.create(user=learner, question=QuestionFactory(bank=other, slug="other-due"),
                             state=2, stability=10, difficulty=5,
                             due=timezone.now() - timedelta(days=1),
                             last_review=timezone.now() - timedelta(days=11))  # fmt: skip
    saved = client.post("/study/settings/", {**SETTINGS_FORM, "banks": [str(chosen.pk)]})
    assert saved.status_code == 302
    page = client.get("/study/").content.decode()
    assert "0 to review" in page and "2 new" in page
    assert study_until_done(client, {"truth": "true"}) == ["mine-0", "mine-1"]


def due_review(user, slug: str, overdue: timedelta) -> CardState:
    """A review card of a new true/false question, due `overdue` ago."""
    due = timezone.now() - overdue
    return CardState.objects.create(user=user, question=QuestionFactory(slug=slug), state=2,
                                    stability=10, difficulty=5, due=due,
                                    last_review=due - timedelta(days=10), reps=3)  # fmt: skip


def test_due_reviews_come_oldest_due_first(client, learner):
    due_review(learner, "due-yesterday", timedelta(days=1))
    due_review(learner, "due-last-week", timedelta(days=7))
    due_review(learner, "due-just-now", timedelta(minutes=1))
    assert study_until_done(client, {"truth": "true"}) == [
        "due-last-week",
        "due-yesterday",
        "due-just-now",
    ]


def test_due_reviews_shown_and_served_stop_at_the_daily_limit(client, learner):
    for day in range(3):
        due_review(learner, f"due-{day}", timedelta(days=day + 1))
    client.post("/study/settings/", {**SETTINGS_FORM, "reviews_per_day": "2"})
    page = client.get("/study/").content.decode()
    assert "2 to review" in page
    fields = form_fields(page)
    response = client.post("/study/answer/", {**fields, "truth": "true"})
    client.post(response["Location"] + "rate/", {"rating": "4"})
    assert "1 to review" in client.get("/study/").content.decode()
    assert len(study_until_done(client, {"truth": "true"})) == 1
    assert "0 to review" in client.get("/study/").content.decode()
    assert ReviewLog.objects.count() == 2


def test_a_rating_from_a_tab_the_card_moved_on_from_is_refused(client, learner, example):
    """Tab A shows an answer's rating buttons; tab B buries the card: tab A's rating is stale."""
    Question.objects.exclude(slug="example-headless").update(is_retired=True)
    tab_a = answer_current(client, truth="false")  # right: Hard, Good, Easy
    client.post("/study/cards/example-headless/bury/")  # tab B
    buried = CardState.objects.get().snapshot()
    response = client.post(tab_a["Location"] + "rate/", {"rating": "3"}, follow=True)
    assert response.redirect_chain == [("/study/", 302)]
    assert "This card changed in another tab or window" in response.content.decode()
    assert not ReviewLog.objects.exists()
    assert CardState.objects.get().snapshot() == buried
    assert client.get(tab_a["Location"])["Location"] == "/study/"  # not offered again


def test_a_rating_given_before_an_undo_in_another_tab_is_refused(client, learner, example):
    """Tab A answers a card again after its Again; tab B undoes that Again: the card is new
    again, and tab A's answer, graded from the undone state, can no longer be rated."""
    Question.objects.exclude(slug="example-headless").update(is_retired=True)
    first = answer_current(client, truth="true")  # wrong: Again only
    client.post(first["Location"] + "rate/", {"rating": "1"})
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):  # the learning step is over
        tab_a = answer_current(client, truth="false")
        assert client.post("/study/undo/").status_code == 302  # tab B
        response = client.post(tab_a["Location"] + "rate/", {"rating": "3"}, follow=True)
    assert "This card changed in another tab or window" in response.content.decode()
    assert not ReviewLog.objects.exists()
    card = CardState.objects.get()
    assert (card.state, card.reps, card.last_review) == (CardState.State.NEW, 0, None)

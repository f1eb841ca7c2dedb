"""The reads and writes of every review: how many queries, and that what they return is right.

Speed is measured by bench/review_loop.py; here, the queries each step runs (constant, whatever
the deck) and that the content cache never grades with old answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from studyapp.banks import catalog
from studyapp.banks.models import Choice, Question
from studyapp.study import scheduling, selectors, services
from studyapp.study.models import CardState, ReviewLog, StudySettings
from tests.banks.test_admin import question_form
from tests.factories import BankFactory, ChoiceFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def review_logs(user, card, *, states, at):
    """Rated reviews of `card` at these times, one per state before it."""
    answer_ids = []
    for number, (state, when) in enumerate(zip(states, at, strict=True)):
        answer = services.Answer.objects.create(user=user, card=card, card_version=100 + number,
                                                outcomes={}, created_at=when)  # fmt: skip
        answer_ids.append(answer.pk)
        ReviewLog.objects.create(user=user, card=card, answer=answer, rating=3, state_before=state,
                                 reviewed_at=when, card_before={})  # fmt: skip
    return answer_ids


def test_settings_and_todays_counts_come_in_one_query(django_assert_num_queries):
    user = UserFactory()
    StudySettings.objects.create(user=user)
    card = CardState.objects.create(user=user, question=QuestionFactory(), due=NOW)
    yesterday, today = NOW - timedelta(days=1), NOW - timedelta(hours=1)
    review_logs(user, card, states=[0, 2, 2, 1, 2], at=[yesterday, today, today, today, yesterday])
    selectors.study_settings(user)  # the learner's time zone is known from now on
    with django_assert_num_queries(1):
        settings = selectors.study_settings(user, NOW)
        counts = selectors.today_counts(user, settings, NOW)
    assert counts == selectors.TodayCounts(reviews=2, new=0, answers=3)
    assert settings.content_version == catalog.content_version()
    later = NOW + timedelta(minutes=1)  # another moment: counted again
    with django_assert_num_queries(1):
        assert selectors.today_counts(user, settings, later) == counts


def test_todays_counts_follow_a_change_of_time_zone(django_assert_num_queries):
    user = UserFactory()
    StudySettings.objects.create(user=user)
    card = CardState.objects.create(user=user, question=QuestionFactory(), due=NOW)
    # At 10:00 UTC, UTC's day began at 04:00 and Tokyo's at 19:00 UTC the day before: a review
    # at 02:00 UTC (11:00 in Tokyo) was yesterday in UTC, today in Tokyo.
    review_logs(user, card, states=[2], at=[datetime(2026, 5, 4, 2, 0, tzinfo=UTC)])
    assert selectors.today_counts(user, selectors.study_settings(user, NOW), NOW).reviews == 0
    StudySettings.objects.filter(user=user).update(time_zone="Asia/Tokyo")
    with django_assert_num_queries(2):  # the day counted was UTC's: counted again in Tokyo's
        settings = selectors.study_settings(user, NOW)
        assert selectors.today_counts(user, settings, NOW).reviews == 1
    with django_assert_num_queries(1):  # Tokyo from now on
        settings = selectors.study_settings(user, NOW)
        assert selectors.today_counts(user, settings, NOW).reviews == 1


def test_settings_read_for_the_first_time_are_created():
    user = UserFactory()
    settings = selectors.study_settings(user, NOW)
    assert settings.pk and settings.new_per_day == 20
    assert not (settings.limits_topics or settings.limits_banks or settings.has_added_topics)
    assert settings.content_version == catalog.content_version()
    assert selectors.today_counts(user, settings, NOW) == (0, 0, 0)


def test_settings_come_as_the_orm_reads_them():
    user = UserFactory()
    StudySettings.objects.create(user=user, parameters=[0.5] * 21, desired_retention=0.85,
                                 optimized_at=NOW, interview_date=NOW.date())  # fmt: skip
    read = selectors.study_settings(user, NOW)
    stored = StudySettings.objects.get(user=user)
    assert [getattr(read, f.attname) for f in StudySettings._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in StudySettings._meta.concrete_fields
    ]
    assert read.optimized_at.tzinfo is not None


@pytest.mark.parametrize("size", [5, 300])
def test_next_card_is_one_query_whatever_the_deck(size, django_assert_num_queries):
    user = UserFactory()
    questions = [QuestionFactory(position=i) for i in range(size)]
    CardState.objects.bulk_create(
        CardState(
            user=user,
            question=q,
            state=2,
            stability=5,
            difficulty=5,
            due=NOW + timedelta(days=1 + i),
            last_review=NOW - timedelta(days=3),
        )  # fmt: skip
        for i, q in enumerate(questions[:-1])
    )
    StudySettings.objects.create(user=user)
    settings = selectors.study_settings(user, NOW)
    catalog.study_question(questions[-1].pk, settings.content_version)  # the cache is warm
    with django_assert_num_queries(1):
        question, card = selectors.next_card(user, settings, NOW)
    assert question == questions[-1] and card is None  # the only question not started
    CardState.objects.filter(question=questions[0]).update(due=NOW - timedelta(hours=1))
    catalog.study_question(questions[0].pk, settings.content_version)
    with django_assert_num_queries(1):
        question, card = selectors.next_card(user, settings, NOW)
    assert question == questions[0] and card.state == 2 and card.due < NOW


def test_answering_and_rating_write_without_extra_reads(django_assert_num_queries):
    user = UserFactory()
    settings = selectors.study_settings(user, NOW)
    question = catalog.study_question(QuestionFactory().pk, settings.content_version)
    # The learner's card (none yet), then card and answer together (a savepoint: the test
    # runs in a transaction).
    with django_assert_num_queries(5):
        answer = services.submit_answer(user=user, settings=settings, question=question,
                                        card_version=0, response=["true"], duration_ms=9, now=NOW)  # fmt: skip
    # Answer and card locked in one read; the card; the review; the day's summary of reviews.
    with django_assert_num_queries(6):
        result = services.rate_answer(user=user, settings=settings, answer_id=answer.pk,
                                      rating=scheduling.GOOD, now=NOW)  # fmt: skip
    card = CardState.objects.get()
    assert card.version == 1 and card.reps == 1 and card.state == 1
    assert result.review == ReviewLog.objects.get() and result.review.card_before["state"] == 0
    with django_assert_num_queries(4):  # the card exists: its card, then the answer alone
        answer = services.submit_answer(user=user, settings=settings, question=question,
                                        card_version=1, response=["true"], duration_ms=9,
                                        now=NOW + timedelta(minutes=10))  # fmt: skip
    assert answer.card_id == card.pk and answer.is_correct


@pytest.mark.slow
def test_an_admin_edit_of_the_right_answer_is_graded_at_once(client):
    """The question is cached as it was graded; the admin moves the right answer; the very next
    answer is graded by the new one."""
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    bank = BankFactory()
    data = question_form(bank, [("ClusterIP", True), ("NodePort", False)])
    assert client.post("/admin/banks/question/add/", data).status_code == 302
    question = Question.objects.get(slug="admin-q")
    cluster_ip, node_port = question.choices.all()

    def graded(learner, choice):
        settings = selectors.study_settings(learner, NOW)  # as the answer view reads them
        shown = selectors.question_for_study(question.pk, content_version=settings.content_version)
        answer = services.submit_answer(user=learner, settings=settings, question=shown,
                                        card_version=0, response=[str(choice.position)],
                                        duration_ms=1, now=NOW)  # fmt: skip
        return answer.is_correct

    assert graded(UserFactory(), cluster_ip) is True  # the question is in the cache now
    edit = question_form(
        bank,
        [("ClusterIP", False), ("NodePort", True)],
        prompt="Which Service type opens a port on every node?",
        explanation="NodePort opens the same port on every node.",
        **{
            "choices-INITIAL_FORMS": 2,
            "choices-0-id": cluster_ip.pk,
            "choices-0-question": question.pk,
            "choices-1-id": node_port.pk,
            "choices-1-question": question.pk,
        },  # fmt: skip
    )
    response = client.post(f"/admin/banks/question/{question.pk}/change/", edit)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Choice.objects.get(pk=node_port.pk).is_correct
    assert graded(UserFactory(), cluster_ip) is False
    assert graded(UserFactory(), node_port) is True


def test_an_answer_posted_after_a_change_of_the_right_choice_in_sql_is_graded_by_it():
    """Any write counts, even one that bypasses the models (a data fix in SQL, a bulk update)."""
    question = ChoiceFactory(is_correct=True, position=0).question
    ChoiceFactory(question=question, position=1)
    learner = UserFactory()
    settings = selectors.study_settings(learner, NOW)
    shown = selectors.question_for_study(question.pk, content_version=settings.content_version)
    assert catalog.grading_spec(shown).choices[0].is_correct
    Choice.objects.filter(question=question).update(is_correct=False)
    Choice.objects.filter(question=question, position=1).update(is_correct=True)
    settings = selectors.study_settings(learner, NOW)
    shown = selectors.question_for_study(question.pk, content_version=settings.content_version)
    answer = services.submit_answer(user=learner, settings=settings, question=shown,
                                    card_version=0, response=["0"], duration_ms=1, now=NOW)  # fmt: skip
    assert answer.is_correct is False


def test_the_study_page_reads_no_content_once_its_question_is_cached(django_assert_num_queries):
    learner = UserFactory()
    client = Client()
    client.force_login(learner)
    QuestionFactory()
    client.get("/study/")  # settings created, question cached
    # session, user, settings with today's counts, next card, the queue's counts
    with django_assert_num_queries(5):
        page = client.get("/study/").content.decode()
    assert "A Service has a stable virtual IP." in page


def test_queue_counts_are_one_query_and_stop_at_todays_limits(django_assert_num_queries):
    user = UserFactory()
    StudySettings.objects.create(user=user, reviews_per_day=3, new_per_day=2)
    kept, other = QuestionFactory(), QuestionFactory()
    in_topic = [QuestionFactory(topic=kept.topic, bank=kept.bank) for _ in range(12)]
    due = NOW - timedelta(hours=1)
    for number, question in enumerate(in_topic[:8]):
        state = 1 if number < 2 else 2  # two learning cards, six reviews due
        CardState.objects.create(user=user, question=question, state=state, due=due,
                                 stability=2, difficulty=5, last_review=due)  # fmt: skip
    CardState.objects.create(user=user, question=in_topic[8], state=2, due=due,
                             is_suspended=True)  # fmt: skip
    CardState.objects.create(user=user, question=other, state=2, due=due)  # out of scope
    settings = selectors.study_settings(user, NOW)
    settings.topics.set([kept.topic])
    settings = selectors.study_settings(user, NOW)
    today = selectors.today_counts(user, settings, NOW)
    with django_assert_num_queries(1):
        counts = selectors.queue_counts(user, settings, NOW, today)
    # Reviews stop at the daily 3 of 6; new: kept and in_topic[9:] not started, 2 a day.
    assert (counts.learning, counts.review, counts.new) == (2, 3, 2)
    StudySettings.objects.filter(user=user).update(new_per_day=0, reviews_per_day=0)
    settings = selectors.study_settings(user, NOW)
    assert selectors.queue_counts(user, settings, NOW).total == 2  # learning only


def test_the_tables_every_review_writes_keep_no_index_another_one_starts():
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (CardState, services.Answer, ReviewLog):
            table = model._meta.db_table
            found = connection.introspection.get_constraints(cursor, table)
            indexed = [tuple(c["columns"]) for c in found.values() if c["index"] or c["unique"]]
            for columns in indexed:
                longer = [other for other in indexed if len(other) > len(columns)]
                covered = [other for other in longer if other[: len(columns)] == columns]
                assert not covered, f"{table}: {columns} starts {covered}"

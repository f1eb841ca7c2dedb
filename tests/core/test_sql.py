"""Plain SQL helpers: rows become the instances the ORM would give, writes are the ORM's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from studyapp.core import sql
from studyapp.study.models import Answer, CardState, StudySettings
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, 0, 123456, tzinfo=UTC)


def values(obj):
    return [getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields]


def row_of(model, pk):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {sql.columns(model, "t")} FROM "{table}" AS t WHERE t."id" = %s', [pk]
        )
        return cursor.fetchone()


def test_a_row_becomes_the_instance_the_orm_reads():
    user = UserFactory()
    card = CardState.objects.create(user=user, question=QuestionFactory(), state=2, step=None,
                                    stability=3.5, difficulty=6.25, due=NOW, last_review=NOW,
                                    buried_until=None, is_suspended=True)  # fmt: skip
    answer = Answer.objects.create(user=user, card=card, card_version=3, response=["0", "2"],
                                   is_correct=None, outcomes={"3": {"due": "x"}}, created_at=NOW)  # fmt: skip
    settings = StudySettings.objects.create(user=user, parameters=[0.25] * 21,
                                            interview_date=NOW.date(), optimized_at=NOW)  # fmt: skip
    for model, pk in ((CardState, card.pk), (Answer, answer.pk), (StudySettings, settings.pk)):
        made = sql.instance(model, row_of(model, pk))
        assert values(made) == values(model.objects.get(pk=pk))
        assert not made._state.adding and made._state.db == "default"
    made = sql.instance(CardState, row_of(CardState, card.pk))
    assert made.due == NOW and made.due.tzinfo is not None and made.is_suspended is True


def test_insert_writes_every_field_and_sets_the_primary_key():
    user, question = UserFactory(), QuestionFactory()
    card = sql.insert(CardState(user=user, question=question, due=NOW, state=1, step=0))
    assert card.pk and not card._state.adding
    assert values(CardState.objects.get(pk=card.pk)) == values(card)
    answer = sql.insert(Answer(user=user, card=card, card_version=0, response=["yes"],
                               is_correct=True, outcomes={"3": {"a": 1}}, created_at=NOW))  # fmt: skip
    stored = Answer.objects.get(pk=answer.pk)
    assert stored.outcomes == {"3": {"a": 1}} and stored.response == ["yes"]
    assert stored.is_near_miss is False and stored.created_at == NOW


def test_insert_raises_on_a_conflict_and_leaves_the_row():
    user, question = UserFactory(), QuestionFactory()
    first = sql.insert(CardState(user=user, question=question, due=NOW))
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert(CardState(user=user, question=question, due=NOW))
    assert list(CardState.objects.values_list("pk", flat=True)) == [first.pk]


def test_update_writes_only_the_fields_named():
    card = CardState.objects.create(user=UserFactory(), question=QuestionFactory(), due=NOW)
    CardState.objects.filter(pk=card.pk).update(lapses=7)  # changed elsewhere meanwhile
    card.state, card.version, card.reps = 2, 4, 9
    sql.update(card, ["state", "version"])
    stored = CardState.objects.get(pk=card.pk)
    assert (stored.state, stored.version, stored.reps, stored.lapses) == (2, 4, 0, 7)


def test_param_turns_a_datetime_into_what_the_orm_stores():
    card = CardState.objects.create(user=UserFactory(), question=QuestionFactory(), due=NOW)
    with connection.cursor() as cursor:
        cursor.execute('SELECT "id" FROM "study_cardstate" WHERE "due" = %s', [sql.param(NOW)])
        assert cursor.fetchone() == (card.pk,)
    assert sql.param(7) == 7


def prepared_statements(db_connection) -> list[str]:
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


CARD_DUE_SQL = 'SELECT "id" FROM "study_cardstate" WHERE "user_id" = %s AND "due" <= %s'


def test_the_hot_path_statements_are_prepared_once_on_postgresql(django_assert_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    card = CardState.objects.create(user=UserFactory(), question=QuestionFactory(), due=NOW)
    with django_assert_num_queries(2) as captured:
        for user_id in (card.user_id, card.user_id + 1):
            with sql.cursor() as cursor:
                cursor.execute(CARD_DUE_SQL, [user_id, sql.param(NOW)])
                found = cursor.fetchall()
    assert found == []  # the last learner has none
    # One statement on the server, with placeholders; the log shows the values, as Django's.
    prepared = [text for text in prepared_statements(connection) if "study_cardstate" in text]
    assert prepared == [CARD_DUE_SQL.replace("%s", "$1", 1).replace("%s", "$2")]
    assert f'"user_id" = {card.user_id}' in captured.captured_queries[0]["sql"]
    with sql.cursor() as cursor:
        cursor.execute(CARD_DUE_SQL, [card.user_id, sql.param(NOW)])
        assert cursor.fetchall() == [(card.pk,)]


def test_prepared_statements_are_off_with_no_prepare_threshold():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from studyapp.core.postgresql.base import DatabaseWrapper

    options = {**connection.settings_dict["OPTIONS"], "prepare_threshold": None}
    unprepared = DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, alias="other")
    try:
        with unprepared.prepared_cursor() as cursor:
            cursor.execute('SELECT "id" FROM "study_cardstate" WHERE "id" = %s', [1])
            assert cursor.fetchall() == []
        assert prepared_statements(unprepared) == []
    finally:
        unprepared.close()


def test_fetchone_and_execute_run_plain_sql_with_parameters():
    card = CardState.objects.create(user=UserFactory(), question=QuestionFactory(), due=NOW)
    sql.execute('UPDATE "study_cardstate" SET "reps" = %s WHERE "id" = %s', [5, card.pk])
    text = 'SELECT "reps", \'100%%\' FROM "study_cardstate" WHERE "id" = %s AND "due" = %s'
    assert sql.fetchone(text, [card.pk, sql.param(NOW)]) == (5, "100%")
    assert sql.fetchone(text, [card.pk + 1, sql.param(NOW)]) is None


def test_plain_sql_is_counted_and_logged_as_django_queries(django_assert_num_queries):
    card = CardState.objects.create(user=UserFactory(), question=QuestionFactory(), due=NOW)
    with django_assert_num_queries(3) as captured:
        sql.fetchone('SELECT "id" FROM "study_cardstate" WHERE "id" = %s', [card.pk])
        sql.execute('UPDATE "study_cardstate" SET "reps" = %s WHERE "id" = %s', [2, card.pk])
        sql.update(card, ["state"])
    assert str(card.pk) in captured.captured_queries[0]["sql"]


def test_plain_sql_errors_are_djangos_and_a_broken_transaction_refuses_more():
    from django.db.transaction import TransactionManagementError

    user, question = UserFactory(), QuestionFactory()
    sql.insert(CardState(user=user, question=question, due=NOW))
    text = 'INSERT INTO "study_cardstate" ("user_id", "question_id", "state", "due", "reps", '
    text += '"lapses", "is_suspended", "is_leech", "version") VALUES (%s, %s, 0, %s, 0, 0, '
    text += "FALSE, FALSE, 0)"
    # Not on the query log: on the driver's own cursor (in a savepoint: the test's transaction
    # goes on).
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.execute(text, [user.pk, question.pk, sql.param(NOW)])
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(savepoint=False):
            sql.execute(text, [user.pk, question.pk, sql.param(NOW)])
        with pytest.raises(TransactionManagementError):  # as Django's cursor refuses it
            sql.fetchone("SELECT 1", [])

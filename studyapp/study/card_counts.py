"""Each learner's cards counted per topic and per due slot: what the progress page reads.

A learner with a million cards must not have them read on every page: their cards are counted
per topic by state (`TopicCardCount`) and, once started, per 15-minute slot of their due moment
(`DueCardCount`). Database triggers on the cards and on the questions keep both in step, in the
transaction of every write, whatever makes it (rating, undo, reset, suspend, bury, queue now,
assessments, imports, bulk updates, loadbanks or the admin retiring a question or moving it to
another topic, a learner deleted): study migration 0009 made them, for SQLite and PostgreSQL.
`rebuild` counts again from the cards (the migration's backfill; `manage.py rebuild_card_counts`).

What a card adds, the rules the triggers follow (its question in study: not retired):
- per topic: `learning` (in learning or relearning steps), `review` (in review),
  `stable_review` (in review with a stability of MATURE_DAYS days or more);
- per slot (started, not suspended): one card in the slot of its due moment, `slot_of(due)`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from django.db import connection

from studyapp.banks.models import Question
from studyapp.core import sql

from . import scheduling
from .models import CardState, DueCardCount, ReviewLog, TopicCardCount

MATURE_DAYS = 21  # the triggers of migration 0009 hold the same figure
SLOT_SECONDS = 900


def slot_of(moment: datetime) -> int:
    """Return the 15-minute slot of a moment (seconds since 1970 over 900, rounded down)."""
    return int(moment.timestamp()) // SLOT_SECONDS


def slot_start(slot: int) -> datetime:
    """Return the moment a slot begins."""
    return datetime.fromtimestamp(slot * SLOT_SECONDS, tz=UTC)


def _slot_sql(due: str) -> str:
    if connection.vendor == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM {due}) / {SLOT_SECONDS})::bigint"
    return f"CAST(strftime('%%s', {due}) AS INTEGER) / {SLOT_SECONDS}"


def rebuild(user_ids: Collection[int] | None = None) -> tuple[int, int]:
    """Count these learners' cards (every learner: None) from scratch; return the topic rows and
    the slot rows written. Four statements."""
    cards, questions = CardState._meta.db_table, Question._meta.db_table
    topics, due = TopicCardCount._meta.db_table, DueCardCount._meta.db_table
    filter_sql, params = "", []
    if user_ids is not None:
        user_ids = list(user_ids)
        if not user_ids:
            return 0, 0
        filter_sql = f' AND c."user_id" IN ({", ".join(["%s"] * len(user_ids))})'
        params = user_ids
    learning = f"{scheduling.LEARNING}, {scheduling.RELEARNING}"
    stable = f'c."state" = {scheduling.REVIEW} AND c."stability" >= {MATURE_DAYS}'
    slot = _slot_sql('c."due"')
    joined = (
        f'FROM "{cards}" AS c INNER JOIN "{questions}" AS q ON q."id" = c."question_id" '
        f'WHERE NOT q."is_retired" AND c."state" <> {scheduling.NEW}'
    )
    with connection.cursor() as cursor:
        for table in (topics, due):
            where = f' WHERE "user_id" IN ({", ".join(["%s"] * len(params))})' if params else ""
            cursor.execute(f'DELETE FROM "{table}"{where}', params)  # noqa: S608 - no input
        cursor.execute(
            f'INSERT INTO "{topics}" ("user_id", "topic_id", "learning", "review", '
            '"stable_review") '
            'SELECT c."user_id", q."topic_id", '
            f'SUM(CASE WHEN c."state" IN ({learning}) THEN 1 ELSE 0 END), '
            f'SUM(CASE WHEN c."state" = {scheduling.REVIEW} THEN 1 ELSE 0 END), '
            f"SUM(CASE WHEN {stable} THEN 1 ELSE 0 END) "
            f'{joined}{filter_sql} GROUP BY c."user_id", q."topic_id"',
            params,
        )
        topic_rows = cursor.rowcount
        cursor.execute(
            f'INSERT INTO "{due}" ("user_id", "slot", "cards") '
            f'SELECT c."user_id", {slot}, COUNT(*) '
            f'{joined} AND NOT c."is_suspended"{filter_sql} GROUP BY c."user_id", {slot}',
            params,
        )
        slot_rows = cursor.rowcount
    return topic_rows, slot_rows


def topic_counts(user: object, since: datetime) -> list[tuple[int, int, int, int]]:
    """Return (topic id, learning, review, mature) of the learner's cards in study per topic:
    mature are the cards in review with a stability of MATURE_DAYS days or more, less those
    failed (rated Again) since `since` (the start of their day). One query: the learner's rows
    (one per topic), and their reviews since `since` (bounded by a day's reviews)."""
    with connection.cursor() as cursor:
        cursor.execute(_TOPIC_COUNTS_SQL, [user.pk, sql.param(since), user.pk])
        return cursor.fetchall()


_TOPIC_COUNTS_SQL = (
    'SELECT t."topic_id", t."learning", t."review", t."stable_review" - COALESCE(f.cards, 0) '
    f'FROM "{TopicCardCount._meta.db_table}" AS t LEFT OUTER JOIN ('
    'SELECT q."topic_id", COUNT(DISTINCT c."id") AS cards '
    f'FROM "{ReviewLog._meta.db_table}" AS r '
    f'INNER JOIN "{CardState._meta.db_table}" AS c ON c."id" = r."card_id" '
    f'INNER JOIN "{Question._meta.db_table}" AS q ON q."id" = c."question_id" '
    f'WHERE r."user_id" = %s AND r."reviewed_at" >= %s AND r."rating" = {scheduling.AGAIN} '
    f'AND c."state" = {scheduling.REVIEW} AND c."stability" >= {MATURE_DAYS} '
    'AND NOT q."is_retired" GROUP BY q."topic_id"'
    ') AS f ON f."topic_id" = t."topic_id" WHERE t."user_id" = %s'
)


def due_counts_per_day(user: object, starts: list[int]) -> list[tuple[int, int]]:
    """Return (i, cards) of the learner's due counts summed per day: day 0 before slot
    `starts[0]` (today and every overdue slot), day i from `starts[i - 1]` to before `starts[i]`
    (days without cards left out). One query over their rows before the last start."""
    days = " ".join(f'WHEN "slot" < %s THEN {i}' for i in range(len(starts)))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT CASE {days} END AS day, SUM("cards") '
            f'FROM "{DueCardCount._meta.db_table}" WHERE "user_id" = %s AND "slot" < %s '
            "GROUP BY 1",
            [*starts, user.pk, starts[-1]],
        )
        return cursor.fetchall()

"""Drop four single-column foreign key indexes that composite indexes already cover.

Each starts another index: the card's user (unique (user, question) and (user, due)), the answer's
card (unique (card, card_version)), the review's user ((user, reviewed_at)) and card ((card,
reviewed_at)). Every new card, answer and review wrote them for nothing. DROP INDEX by name,
as Django named them: altering the fields would make SQLite copy each table whole.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, the index Django made for the foreign key)
DROPPED = (
    ("study_answer", "card_id", "study_answer_card_id_b4844297"),
    ("study_cardstate", "user_id", "study_cardstate_user_id_febcdd03"),
    ("study_reviewlog", "card_id", "study_reviewlog_card_id_545934ea"),
    ("study_reviewlog", "user_id", "study_reviewlog_user_id_cc72f2c7"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("study", "0007_daily_review_summary"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="answer",
                    name="card",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="study.cardstate",
                    ),
                ),
                migrations.AlterField(
                    model_name="cardstate",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cards",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="reviewlog",
                    name="card",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="study.cardstate",
                    ),
                ),
                migrations.AlterField(
                    model_name="reviewlog",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        )
    ]

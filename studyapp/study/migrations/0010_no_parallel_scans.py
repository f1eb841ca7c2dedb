from django.db import migrations

TABLES = ("study_cardstate", "study_reviewlog")


def no_parallel_scans(apps, schema_editor):  # noqa: ANN001, ANN201 - a RunPython function
    """PostgreSQL: never scan the cards or the review log with parallel workers.

    The pages read one learner's index ranges, stopping early (LIMIT) or bounded by a day; for a
    learner with a million cards and ten million reviews the planner still chose parallel scans
    (bench/study_scale.py at 1M, under load): "due today" (counted up to 1,000 cards) spent 50 ms
    of its 65 starting two workers, the mastery's failed-today reviews (72 rows) 93 ms against
    0.6 ms without them."""
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (parallel_workers = 0)")


def default_parallel_scans(apps, schema_editor):  # noqa: ANN001, ANN201 - a RunPython function
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [
        ("study", "0009_card_counts"),
    ]

    operations = [
        migrations.RunPython(no_parallel_scans, default_parallel_scans),
    ]

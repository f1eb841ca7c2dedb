from django.db import migrations


def no_parallel_scans(apps, schema_editor):  # noqa: ANN001, ANN201 - a RunPython function
    """PostgreSQL: never scan the cards with parallel workers.

    Every read of the cards is one learner's index range, stopping early (LIMIT); for a learner
    with a million cards the planner still chose a parallel scan for "due today" (counted up to
    1,000 cards), and starting its workers took 50 ms of the query's 65 under load (the range
    itself 8 ms: bench/study_scale.py at 1M)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE study_cardstate SET (parallel_workers = 0)")


def default_parallel_scans(apps, schema_editor):  # noqa: ANN001, ANN201 - a RunPython function
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE study_cardstate RESET (parallel_workers)")


class Migration(migrations.Migration):
    dependencies = [
        ("study", "0008_card_counts"),
    ]

    operations = [
        migrations.RunPython(no_parallel_scans, default_parallel_scans),
    ]

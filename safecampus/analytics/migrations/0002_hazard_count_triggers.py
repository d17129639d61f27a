"""PostgreSQL: the triggers that keep analytics_hazardcount exact, and its first fill from the
existing hazards (a few seconds per million hazards; hazards cannot be written meanwhile).
SQLite keeps the table empty: statistics count the hazards there."""

from django.db import migrations

from safecampus.analytics import counts


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in [*counts.install_sql(), *counts.recount_sql()]:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in counts.uninstall_sql():
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_hazard_counts"),
        ("hazards", "0003_stats_covering_index"),
    ]

    operations = [migrations.RunPython(install, uninstall)]

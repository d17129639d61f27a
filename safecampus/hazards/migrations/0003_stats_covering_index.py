"""A covering index for hazard statistics on PostgreSQL (bench/README.md, "hazards").

Statistics filter by area (org_path LIKE 'prefix%') and count by state, deadline, severity,
category, source...; with these columns in the index PostgreSQL answers from the index alone
(an index-only scan) instead of reading the table. SQLite has no INCLUDE; it keeps the plain
org_path indexes.
"""

from django.db import migrations

COLUMNS = (
    "state, deadline, severity, category_id, source, rectification_type, closed_on, "
    "reopened_count, supervising_org_id, found_on"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS hazard_path_stats ON hazards_hazard "
            f"(org_path varchar_pattern_ops) INCLUDE ({COLUMNS})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS hazard_path_stats")


class Migration(migrations.Migration):
    dependencies = [("hazards", "0002_default_categories")]

    operations = [migrations.RunPython(create, drop)]

"""A covering index for hazard statistics on PostgreSQL (bench/README.md, "hazards").

Statistics filter by area (org_path LIKE 'prefix%') and count by state, deadline, severity,
category, source...; with these columns in the index PostgreSQL answers from the index alone
(an index-only scan) instead of reading the table. SQLite has no INCLUDE; it keeps the plain
org_path indexes.

Built CONCURRENTLY (hence atomic = False), so hazards can be written meanwhile on a live
database; an INVALID leftover of an interrupted build is dropped first (IF NOT EXISTS would
keep it).
"""

from django.db import migrations

COLUMNS = (
    "state, deadline, severity, category_id, source, rectification_type, closed_on, "
    "reopened_count, supervising_org_id, found_on"
)


INVALID_LEFTOVER = """
SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname = 'hazard_path_stats' AND NOT i.indisvalid
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INVALID_LEFTOVER)
            if cursor.fetchone():
                schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS hazard_path_stats")
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS hazard_path_stats ON hazards_hazard "
            f"(org_path varchar_pattern_ops) INCLUDE ({COLUMNS})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS hazard_path_stats")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("hazards", "0002_default_categories")]

    operations = [migrations.RunPython(create, drop)]

"""Index operations for migrations on big tables (docs/deploy.md, "Upgrading").

On PostgreSQL a plain ``AddIndex`` holds a SHARE lock while it builds: nobody can report,
assign or close a hazard (or queue a message, or write an audit row) until the index exists,
which takes seconds per million rows. These operations build and drop the index CONCURRENTLY
there, so writes go on meanwhile, and are the plain operations on every other database
(SQLite has no CONCURRENTLY; Django's own ``AddIndexConcurrently`` fails on it).

A migration using them must set ``atomic = False``: PostgreSQL refuses CONCURRENTLY inside a
transaction. Put nothing else in that migration. If the build fails (say a deadlock), PostgreSQL
leaves an INVALID index behind; drop it (``DROP INDEX CONCURRENTLY name``) and migrate again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as PgAddIndexConcurrently
from django.contrib.postgres.operations import (
    RemoveIndexConcurrently as PgRemoveIndexConcurrently,
)
from django.db.migrations.operations import AddIndex, RemoveIndex


def _postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


class AddIndexConcurrently(PgAddIndexConcurrently):
    """``AddIndex`` that lets writes go on while PostgreSQL builds the index."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(PgRemoveIndexConcurrently):
    """``RemoveIndex`` that does not wait for, and then block, every reader of the table."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _postgres(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if _postgres(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)

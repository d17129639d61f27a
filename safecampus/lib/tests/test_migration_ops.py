"""Index operations for big tables build CONCURRENTLY on PostgreSQL and plainly elsewhere
(safecampus/lib/migration_ops.py, docs/deploy.md "Upgrading")."""

from __future__ import annotations

import pytest
from django.db import NotSupportedError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from safecampus.lib.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently

TABLE = "notify_outboxmessage"
NAME = "outbox_test_concurrent"
POSTGRES = connection.vendor == "postgresql"


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return {name for name, info in constraints.items() if info["index"]}


def current_state() -> ProjectState:
    return MigrationLoader(connection).project_state()


def add_operation() -> AddIndexConcurrently:
    index = models.Index(fields=["channel", "created_at"], name=NAME)
    return AddIndexConcurrently("outboxmessage", index)


def run(operation, forwards: bool = True) -> list[str]:
    """The operation as `migrate` runs it in a migration with atomic = False; its SQL."""
    before = current_state()
    after = before.clone()
    operation.state_forwards("notify", after)
    with (
        CaptureQueriesContext(connection) as queries,
        connection.schema_editor(atomic=False) as editor,
    ):
        if forwards:
            operation.database_forwards("notify", editor, before, after)
        else:
            operation.database_backwards("notify", editor, before, after)
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_it_adds_and_removes_the_index_concurrently_on_postgres_and_plainly_elsewhere():
    operation = add_operation()

    added = run(operation)

    assert NAME in indexes()
    create = [sql for sql in added if "CREATE INDEX" in sql]
    assert len(create) == 1
    assert ("CONCURRENTLY" in create[0]) is POSTGRES

    # Unapplying the migration drops it the same way.
    removed = run(operation, forwards=False)

    assert NAME not in indexes()
    drop = [sql for sql in removed if "DROP INDEX" in sql]
    assert len(drop) == 1
    assert ("CONCURRENTLY" in drop[0]) is POSTGRES


@pytest.mark.django_db(transaction=True)
def test_it_removes_an_existing_index_concurrently_on_postgres():
    run(add_operation())
    assert NAME in indexes()
    # RemoveIndex finds the index in the state it is given: the state with the index added.
    state = current_state()
    add_operation().state_forwards("notify", state)
    operation = RemoveIndexConcurrently("outboxmessage", NAME)
    after = state.clone()
    operation.state_forwards("notify", after)

    with (
        CaptureQueriesContext(connection) as queries,
        connection.schema_editor(atomic=False) as editor,
    ):
        operation.database_forwards("notify", editor, state, after)

    assert NAME not in indexes()
    drop = [q["sql"] for q in queries.captured_queries if "DROP INDEX" in q["sql"]]
    assert len(drop) == 1
    assert ("CONCURRENTLY" in drop[0]) is POSTGRES


@pytest.mark.skipif(not POSTGRES, reason="SQLite has no CONCURRENTLY: it builds in a transaction")
@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_inside_a_transaction_on_postgres():
    # Why the migration needs atomic = False: PostgreSQL cannot build concurrently in one.
    before = current_state()
    after = before.clone()
    operation = add_operation()
    operation.state_forwards("notify", after)

    with (
        pytest.raises(NotSupportedError, match="atomic = False"),
        transaction.atomic(),
        connection.schema_editor(atomic=False) as editor,
    ):
        operation.database_forwards("notify", editor, before, after)

    assert NAME not in indexes()

"""Writing many rows fast: PostgreSQL COPY, or batched INSERTs elsewhere (the demo province,
and the demo city's risk registers and responsibility lists).

Rows are tuples in the order of ``columns`` (model attnames, e.g. ``org_id``), with Python
values (dates, aware datetimes, decimals, UUIDs, JSON-able lists, None). COPY lets psycopg
adapt them (JSON through its field); the INSERT path prepares each value the way the ORM would
for the backend.
"""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, JSONField, Max, Model

INSERT_BATCH = 500


def next_id(model: type[Model]) -> int:
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def _fields(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    fields = [model._meta.get_field(name) for name in names]
    return [f for f in fields if isinstance(f, Field)]


def _columns(model: type[Model], names: Sequence[str]) -> list[str]:
    return [f.column for f in _fields(model, names)]


def write(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` into ``model``'s table; returns how many were written."""
    if connection.vendor == "postgresql":
        return _copy(model, names, rows)
    return _insert(model, names, rows)


def _copy(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    quote = connection.ops.quote_name
    fields = _fields(model, names)
    columns = ", ".join(quote(c) for c in _columns(model, names))
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    # psycopg adapts everything but JSON: a list would become an array, so JSON columns go
    # through their field (which wraps the value as jsonb).
    json = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json:
                row = list(row)
                for i in json:
                    row[i] = fields[i].get_db_prep_save(row[i], connection)
            copy.write_row(row)
            count += 1
    return count


# Values the database driver takes as they are, for fields that store them as they are: the
# field's own preparation (to_python, adapt ...) would return them unchanged, and calling it
# for each of a million values is most of the time an INSERT load takes.
_PLAIN_VALUES: frozenset[type] = frozenset({str, int, bool, type(None)})
_PLAIN_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)
# On SQLite, Django's backend registers driver adapters that write decimals and dates as its
# fields do (str, isoformat); an aware datetime is stored naive in the connection's zone.
_SQLITE_AS_IS: dict[str, frozenset[type]] = {
    "DecimalField": frozenset({decimal.Decimal, type(None)}),
    "DateField": frozenset({datetime.date, type(None)}),
}


def _preparer(field: Field[Any, Any], db: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """How one column's values are made ready for the driver, fast for the common cases."""
    prep = functools.partial(field.get_db_prep_save, connection=db)
    kind = field.get_internal_type()
    as_is: frozenset[type] = _PLAIN_VALUES if kind in _PLAIN_FIELDS else frozenset()
    if db.vendor == "sqlite":
        as_is = _SQLITE_AS_IS.get(kind, as_is)
        if kind == "DateTimeField" and settings.USE_TZ:
            zone = db.timezone

            def naive(value: Any) -> Any:
                if type(value) is datetime.datetime and value.tzinfo is not None:
                    return str(value.astimezone(zone).replace(tzinfo=None))
                return prep(value)

            return naive
    if not as_is:
        return prep
    return lambda value: value if type(value) in as_is else prep(value)


def _insert(model: type[Model], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    quote = connection.ops.quote_name
    # The connection itself, not the proxy: the proxy's per-thread lookup on every value
    # costs as much as preparing it.
    db = connections[connection.alias]
    preparers = [_preparer(f, db) for f in _fields(model, names)]
    columns = ", ".join(quote(c) for c in _columns(model, names))
    marks = ", ".join(["%s"] * len(names))
    # Table and column names come from the models, never from input.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    count = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([prep(v) for prep, v in zip(preparers, row, strict=True)])
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


# Plain indexes of a table (not those behind a primary key or unique constraint).
_PLAIN_INDEXES = """
    SELECT i.indexname, i.indexdef FROM pg_indexes i
    WHERE i.schemaname = current_schema() AND i.tablename = %s
      AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
      )
    ORDER BY i.indexname
"""
_FOREIGN_KEYS = """
    SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname
"""


@contextmanager
def checks_deferred(models: Sequence[type[Model]]) -> Iterator[None]:
    """PostgreSQL bulk load (as pg_restore does it): drop the plain indexes and the foreign
    keys of these tables, load, then build the indexes and add the keys again from their own
    definitions. Building an index once and checking a key with one join is many times
    cheaper than both row by row (and deferred key checks would queue millions of trigger
    events until commit). Primary keys and unique constraints stay. Call it inside a
    transaction: on error the rollback restores everything."""
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    indexes: list[tuple[str, str]] = []
    keys: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check what is pending now
        for model in models:
            table = model._meta.db_table
            cursor.execute(_PLAIN_INDEXES, [table])
            indexes += cursor.fetchall()
            cursor.execute(_FOREIGN_KEYS, [quote(table)])
            keys += [(table, name, definition) for name, definition in cursor.fetchall()]
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def reset_sequences(models: Sequence[type[Model]]) -> None:
    """After inserting explicit ids: the next ORM insert continues after the largest one."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def analyze(models: Sequence[type[Model]]) -> None:
    """Fresh planner statistics (PostgreSQL: VACUUM ANALYZE also sets the visibility map, so
    index-only scans work at once; inside a transaction only ANALYZE is possible)."""
    quote = connection.ops.quote_name
    tables = ", ".join(quote(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
        elif connection.in_atomic_block:  # VACUUM cannot run inside a transaction
            cursor.execute(f"ANALYZE {tables}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {tables}")

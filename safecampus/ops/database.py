"""Dumping and restoring the configured database, and counting its rows.

PostgreSQL goes through pg_dump / pg_restore / psql with the connection taken from settings
(the password in PGPASSWORD, never on a command line, where `ps` shows it to every user).
SQLite uses the online backup API, which copies a consistent snapshot while the application
keeps running in WAL mode.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from safecampus.ops.archive import CHUNK, DUMP_FILES, BackupError, vendor_name

# How long a restore waits for the running application to let go of its tables before giving
# up (instead of hanging behind an idle transaction).
LOCK_TIMEOUT = "60s"
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


@dataclass
class DatabaseState:
    tables: dict[str, int]
    migrations: dict[str, str]


def require_supported(vendor: str) -> None:
    if vendor not in DUMP_FILES:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )


def model_tables() -> list[str]:
    """The table of every model of every installed app (auth, sessions and axes included)."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def _state(cursor: Any, existing: Iterable[str]) -> DatabaseState:
    existing = set(existing)
    quote = connection.ops.quote_name
    counts: dict[str, int] = {}
    for table in model_tables():
        if table in existing:
            # Table names come from the models, never from input.
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in existing:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name
    return DatabaseState(counts, migrations)


def current_state() -> DatabaseState:
    """Row counts and latest migrations of the configured database, as it is now."""
    with connection.cursor() as cursor:
        return _state(cursor, connection.introspection.table_names(cursor))


def dump_database(dest: Path) -> DatabaseState:
    """Write the configured database to ``dest``; returns the counts of exactly that copy."""
    require_supported(connection.vendor)
    if connection.vendor == "postgresql":
        return _dump_postgresql(dest)
    return _dump_sqlite(dest)


def restore_database(dump: Path) -> None:
    """Replace the configured database by ``dump``, all at once: on failure nothing changed."""
    require_supported(connection.vendor)
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a database transaction."))
    if connection.vendor == "postgresql":
        _restore_postgresql(dump)
    else:
        _restore_sqlite(dump)


def unknown_migrations(migrations: dict[str, str]) -> list[str]:
    """Migrations the archive's database has but this SafeCampus does not know (newer code)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return sorted(f"{app}.{name}" for app, name in migrations.items() if (app, name) not in known)


def pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def database_label() -> str:
    name = connection.settings_dict.get("NAME") or ""
    return f"{vendor_name(connection.vendor)} {name}".strip()


# --- SQLite ------------------------------------------------------------------------------


def _dump_sqlite(dest: Path) -> DatabaseState:
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        # One step (pages=-1): the copy is one consistent snapshot even while others write.
        connection.connection.backup(target)
        # The archive holds one self-contained file, whatever journal mode the live one uses.
        target.execute("PRAGMA journal_mode=DELETE")
        cursor = target.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return _state(cursor, [row[0] for row in cursor.fetchall()])
    finally:
        target.close()


def _restore_sqlite(dump: Path) -> None:
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        # Into the live connection: this is the configured file (or, in tests, the in-memory
        # database), and the backup API replaces its content in one transaction.
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(
            _("The SQLite database could not be restored: %(error)s") % {"error": exc}
        ) from None
    finally:
        source.close()


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    settings_dict = connection.settings_dict
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    for option, var in _PG_OPTIONS.items():
        if settings_dict.get("OPTIONS", {}).get(option):
            env[var] = str(settings_dict["OPTIONS"][option])
    env["PGAPPNAME"] = "safecampus-backup"
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client tools of the server's "
                "version (Debian: apt-get install postgresql-client)."
            )
            % {"tool": name}
        )
    return path


def _failed(tool: str, error: str) -> BackupError:
    lines = [line for line in error.strip().splitlines() if line.strip()]
    return BackupError(
        _("%(tool)s failed: %(error)s") % {"tool": tool, "error": "\n".join(lines[-10:])}
    )


def _dump_postgresql(dest: Path) -> DatabaseState:
    pg_dump = _tool("pg_dump")
    # A connection of our own, so that the snapshot transaction is the first thing it runs.
    snapshot = connection.copy()
    try:
        snapshot.ensure_connection()
        snapshot.set_autocommit(False)
        with snapshot.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            name = cursor.fetchone()[0]
            # pg_dump reads the snapshot this transaction holds, so the counts below describe
            # exactly the dumped data even while the application keeps writing.
            result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={name}", "--file", dest],
                env=_pg_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise _failed("pg_dump", result.stderr)
            state = _state(cursor, snapshot.introspection.table_names(cursor))
        snapshot.rollback()
        return state
    finally:
        snapshot.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    # Our own connection must not hold a lock that the DROP TABLEs below would wait for.
    connections.close_all()
    # One transaction from the first DROP to the last row: pg_restore writes the SQL, psql runs
    # it, and COMMIT is sent only once pg_restore has finished cleanly; on any failure the
    # transaction is rolled back and the old database stays as it was. Tables the archive does
    # not know (a newer release's) are dropped too, so that the restored schema is exact.
    prelude = f"BEGIN;\nSET LOCAL lock_timeout = '{LOCK_TIMEOUT}';\n"
    if existing:
        prelude += f"DROP TABLE IF EXISTS {', '.join(quote(t) for t in existing)} CASCADE;\n"
    env = _pg_env()
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        _pump(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-acl", "--file=-", str(dump)],
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", "-f", "-"],
            prelude.encode(),
            env,
            restore_errors,
            psql_errors,
        )


def _pump(
    restore_command: Sequence[str],
    psql_command: Sequence[str],
    prelude: bytes,
    env: dict[str, str],
    restore_errors: Any,
    psql_errors: Any,
) -> None:
    psql = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        psql_command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=psql_errors,
        env=env,
    )
    restore = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        restore_command, stdout=subprocess.PIPE, stderr=restore_errors, env=env
    )
    assert psql.stdin is not None and restore.stdout is not None
    restored = False
    try:
        psql.stdin.write(prelude)
        shutil.copyfileobj(restore.stdout, psql.stdin, CHUNK)
        restored = restore.wait() == 0
        if restored:
            psql.stdin.write(b"COMMIT;\n")
    except BrokenPipeError:
        pass  # psql stopped at an error; its messages say which
    finally:
        with contextlib.suppress(BrokenPipeError):
            psql.stdin.close()
        if restore.poll() is None:
            restore.kill()
        restore.wait()
        restore.stdout.close()
        psql.wait()
    if psql.returncode != 0:
        psql_errors.seek(0)
        raise _failed("psql", psql_errors.read().decode(errors="replace"))
    if not restored:
        restore_errors.seek(0)
        raise _failed("pg_restore", restore_errors.read().decode(errors="replace"))

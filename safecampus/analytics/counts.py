"""The triggers that keep ``HazardCount`` exact on PostgreSQL, and a full recount.

Statement-level triggers with transition tables: whatever one statement does to hazards (one
action's UPDATE, an import's INSERTs, a COPY of a million rows), the counts change once, by the
summed difference, in the statement's own transaction. So the pre-counted numbers are never
behind the hazards: a statistics page never disagrees with the ledger. Counter rows are written
in key order, so two transactions touching the same cells queue instead of deadlocking, and a
change that moves no count (a new description, a photo) writes none.

The measures mirror ``analytics.hazards.conditions``; the tests compare the two over data with
every combination (analytics/tests/test_hazard_counts.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import Substr

from safecampus.analytics.models import HazardCount
from safecampus.lib.scoping import under_paths

Groups = dict[str, dict[Any, dict[str, Any]]]

TABLE = "analytics_hazardcount"
MEASURES = (
    "found",
    "closed",
    "in_rectification",
    "awaiting_verification",
    "immediate",
    "dismissed",
    "reopened",
    "major",
    "supervised",
    "closed_on_time",
)
# One flag per measure over a hazard row (0 or 1); the definitions of analytics.hazards.
FLAGS = {
    "found": "1",
    "closed": "(state = 'closed')",
    "in_rectification": (
        "(state IN ('reported', 'assigned', 'rectifying', 'awaiting_verification'))"
    ),
    "awaiting_verification": "(state = 'awaiting_verification')",
    "immediate": "(rectification_type = 'immediate')",
    "dismissed": "(state = 'dismissed')",
    "reopened": "(reopened_count > 0)",
    "major": "(severity = 'major')",
    "supervised": (
        "(state IN ('reported', 'assigned', 'rectifying', 'awaiting_verification') "
        "AND supervising_org_id IS NOT NULL)"
    ),
    "closed_on_time": (
        "(state = 'closed' AND (rectification_type = 'immediate' "
        "OR COALESCE(closed_on <= deadline, FALSE)))"
    ),
}
STEPLEN = 4  # Organization.steplen: a school's bureau is its path less one step


def _delta_sql(rows: str) -> str:
    """INSERT ... ON CONFLICT adding the counts of ``rows`` (a SELECT of hazard columns with a
    ``sign`` of +1 or -1) to their cells."""
    flags = ",\n".join(
        f"sign * ({flag})::int AS {name}" if flag != "1" else f"sign AS {name}"
        for name, flag in FLAGS.items()
    )
    # Qualified: in PL/pgSQL a bare "found" is the FOUND variable.
    sums = ", ".join(f"SUM(f.{name})" for name in MEASURES)
    moved = " OR ".join(f"SUM(f.{name}) <> 0" for name in MEASURES)
    updates = ", ".join(f"{name} = c.{name} + EXCLUDED.{name}" for name in MEASURES)
    # Only this module's constants go into the SQL; nothing comes from a request.
    return f"""
        WITH facts AS (
            SELECT left(org_path, length(org_path) - {STEPLEN}) AS parent_path,
                   date_trunc('month', found_on)::date AS found_month,
                   category_id::text AS k_category, severity AS k_severity,
                   source AS k_source, state AS k_state,
                   {flags}
            FROM ({rows}) AS changed
        )
        INSERT INTO {TABLE} AS c (parent_path, found_month, dim, key, {", ".join(MEASURES)})
        SELECT f.parent_path, f.found_month, d.dim, d.key, {sums}
        FROM facts AS f CROSS JOIN LATERAL (VALUES
            ('category', f.k_category), ('severity', f.k_severity),
            ('source', f.k_source), ('state', f.k_state)
        ) AS d(dim, key)
        GROUP BY 1, 2, 3, 4
        HAVING {moved}
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (parent_path, found_month, dim, key) DO UPDATE SET {updates}
    """  # noqa: S608


_SOURCES = {
    "insert": "SELECT 1 AS sign, * FROM new_rows",
    "delete": "SELECT -1 AS sign, * FROM old_rows",
    "update": "SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows",
}
_REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "update": "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
}


def install_sql() -> list[str]:
    """(Re)create the three trigger functions and triggers."""
    statements = []
    for event, rows in _SOURCES.items():
        function = f"analytics_hazard_count_{event}"
        statements.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{_delta_sql(rows)};\nRETURN NULL;\nEND $$"
        )
        statements.append(f"DROP TRIGGER IF EXISTS {function} ON hazards_hazard")
        statements.append(
            f"CREATE TRIGGER {function} AFTER {event.upper()} ON hazards_hazard "
            f"{_REFERENCING[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return statements


def uninstall_sql() -> list[str]:
    statements = []
    for event in _SOURCES:
        function = f"analytics_hazard_count_{event}"
        statements.append(f"DROP TRIGGER IF EXISTS {function} ON hazards_hazard")
        statements.append(f"DROP FUNCTION IF EXISTS {function}()")
    return statements


def recount_sql() -> list[str]:
    """Count every hazard afresh (the migration's first fill, and ``recount_hazards``). The
    hazard table is locked against writes meanwhile, so no change slips between the two."""
    return [
        "LOCK TABLE hazards_hazard IN SHARE MODE",
        f"DELETE FROM {TABLE}",  # noqa: S608 (a constant)
        _delta_sql("SELECT 1 AS sign, * FROM hazards_hazard"),
    ]


@contextmanager
def paused() -> Iterator[None]:
    """A bulk load (the demo province's COPY of a million hazards): the triggers off meanwhile,
    then one recount. Counting once at the end instead of per COPY chunk is faster and leaves
    no dead counter rows behind. Call it inside a transaction; PostgreSQL only (no-op else)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for event in _SOURCES:
            cursor.execute(
                f"ALTER TABLE hazards_hazard DISABLE TRIGGER analytics_hazard_count_{event}"
            )
    yield
    with connection.cursor() as cursor:
        for event in _SOURCES:
            cursor.execute(
                f"ALTER TABLE hazards_hazard ENABLE TRIGGER analytics_hazard_count_{event}"
            )
        for statement in recount_sql():
            cursor.execute(statement)


def recount() -> int:
    """Recount every hazard (PostgreSQL); the number of cells written."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in recount_sql():
            cursor.execute(statement)
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608 (a constant)
        return int(cursor.fetchone()[0])


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """Every hazard under some bureaus, found in whole months (either end open): what the
    pre-counted cells can answer. ``last`` is the first day of the last month."""

    paths: tuple[str, ...]
    first: datetime.date | None = None
    last: datetime.date | None = None

    @classmethod
    def of(
        cls,
        paths: list[str],
        found_from: datetime.date | None = None,
        found_to: datetime.date | None = None,
    ) -> Area | None:
        """The area of bureau ``paths`` over the months exactly covering found_from..found_to,
        or None when either end cuts a month (the cells cannot split a month)."""
        if not paths:
            return None
        if found_from is not None and found_from.day != 1:
            return None
        if found_to is not None and (found_to + datetime.timedelta(days=1)).day != 1:
            return None
        last = found_to.replace(day=1) if found_to is not None else None
        return cls(tuple(sorted(paths)), found_from, last)


def count_cells(area: Area, width: int | None) -> tuple[dict[str, Any], Groups]:
    """Every measure but overdue, in total and by category, severity, source, state and (with
    ``width``) child org: the first ``width`` characters of the bureau's path; schools directly
    under the root are keyed by the root's own path. Two small queries over the cells, however
    many hazards."""
    cells = HazardCount.objects.filter(under_paths(list(area.paths), "parent_path"))
    if area.first is not None:
        cells = cells.filter(found_month__gte=area.first)
    if area.last is not None:
        cells = cells.filter(found_month__lte=area.last)
    sums = {name: Sum(name) for name in MEASURES}
    groups: Groups = {"category": {}, "severity": {}, "source": {}, "state": {}, "org": {}}
    for row in cells.values("dim", "key").annotate(**sums).order_by():
        key = int(row["key"]) if row["dim"] == "category" else row["key"]
        groups[row["dim"]][key] = {name: row[name] for name in MEASURES}
    if width is not None:
        by_org = (
            cells.filter(dim="state")
            .annotate(org_key=Substr("parent_path", 1, width))
            .values("org_key")
            .annotate(**sums)
            .order_by()
        )
        for row in by_org:
            groups["org"][row["org_key"]] = {name: row[name] for name in MEASURES}
    # every hazard has exactly one state: the state rows add up to the headline
    totals = {name: sum(row[name] for row in groups["state"].values()) for name in MEASURES}
    return totals, groups

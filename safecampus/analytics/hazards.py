"""Hazard statistics (隐患统计, DOMAIN.md §4.3): the one implementation behind the statistics
page, the API and every other place that shows hazard counts.

``hazard_stats(qs, today=...)`` works on ANY hazard queryset, already scoped to the user and
filtered with ``HazardFilter`` exactly like the ledger, so that a number on the statistics page
is the number of rows the ledger shows for the same filters. Everything is counted in SQL,
whatever the number of hazards: on PostgreSQL in ONE scan of the queryset (its own SQL wrapped
in a GROUPING SETS aggregate), elsewhere with one aggregate for the headline and one grouped
query per breakdown (the reference implementation; both count ``conditions(today)``).

Definitions (also in docs/hazards.md, "Statistics"). All counts are over the hazards in the
queryset, i.e. those *found* in the chosen period (found_from/found_to filter ``found_on``),
with their state as it is now; "overdue" is judged against ``today``.

- **found** (发现): every hazard in the set, whatever its state (dismissed ones included).
- **closed** (销号): state ``closed``.
- **in_rectification** (整改中, open): state reported, assigned, rectifying or awaiting
  verification (``OPEN_STATES``); the seeds' "under deadline rectification" figure.
- **awaiting_verification** (待验收): state ``awaiting_verification`` (included in
  in_rectification).
- **overdue** (逾期): reported, assigned or rectifying, with a deadline before ``today`` (the
  deadline day itself is not overdue). Not a state; ``models.overdue_q``, the same rule as the
  ledger's "overdue" filter. A hazard awaiting verification is not overdue: its fix is done.
- **immediate** (立查立改): rectification type "fixed on the spot", in any state.
- **dismissed** (不属隐患): state ``dismissed`` (reported, then found not to be a hazard).
- **reopened** (回头看复发): hazards reopened at least once after closing
  (``reopened_count > 0``), in any state now.
- **major** (重大隐患): severity ``major``, in any state.
- **supervised** (挂牌督办): open hazards listed for supervision by a county or city.
- **closed_on_time** (按期销号): closed, and either fixed on the spot or closed on or before
  the deadline. A closed hazard without a deadline counts as not on time.
- **rectification_rate** (整改率) = closed / (found − dismissed). Dismissed reports are not
  hazards, so they are neither rectified nor left undone. ``None`` when the denominator is 0.
  Example from the seeds (§4.4): 150 found, 132 closed, 18 open → 88 %.
- **on_time_rate** (按期销号率) = closed_on_time / closed; ``None`` when nothing is closed.

Rates are fractions between 0 and 1, rounded to 4 decimal places.

Breakdowns (each row carries every measure and both rates): ``by_category`` (every active
category, and any inactive one that has hazards), ``by_severity``, ``by_source`` and
``by_state`` (every choice, zero rows included), and ``by_org``: the children of ``root``
(a county per row under a city, a school per row under a county, a town per row where towns
exist). Where a bureau has both bureaus and schools as children, the schools directly under it
(市直学校) share one row with ``org`` None. The rows of a breakdown add up to the headline.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Aggregate, BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from safecampus.analytics.counts import Area, count_cells
from safecampus.hazards.choices import (
    OPEN_STATES,
    RectificationType,
    Severity,
    Source,
    State,
)
from safecampus.hazards.models import Hazard, HazardCategory, overdue_q
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization

# The counted measures, in the order pages and the API show them.
MEASURES = (
    "found",
    "closed",
    "in_rectification",
    "awaiting_verification",
    "overdue",
    "immediate",
    "dismissed",
    "reopened",
    "major",
    "supervised",
    "closed_on_time",
)
RATES = ("rectification_rate", "on_time_rate")


def conditions(today: datetime.date) -> dict[str, Q | None]:
    """The condition a hazard meets to count in each measure (None: every hazard counts); the
    definitions above, in one place, for both ways of counting them."""
    is_open = Q(state__in=OPEN_STATES)
    closed = Q(state=State.CLOSED)
    on_time = Q(rectification_type=RectificationType.IMMEDIATE) | Q(closed_on__lte=F("deadline"))
    return {
        "found": None,
        "closed": closed,
        "in_rectification": is_open,
        "awaiting_verification": Q(state=State.AWAITING_VERIFICATION),
        "overdue": overdue_q(today),
        "immediate": Q(rectification_type=RectificationType.IMMEDIATE),
        "dismissed": Q(state=State.DISMISSED),
        "reopened": Q(reopened_count__gt=0),
        "major": Q(severity=Severity.MAJOR),
        "supervised": is_open & Q(supervising_org__isnull=False),
        "closed_on_time": closed & on_time,
    }


def measures(today: datetime.date) -> dict[str, Aggregate]:
    """The SQL aggregates of every measure (the definitions above, in one place)."""
    return {
        name: Count("pk") if condition is None else Count("pk", filter=condition)
        for name, condition in conditions(today).items()
    }


def rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator > 0 else None


def _with_rates(counts: dict[str, Any]) -> dict[str, Any]:
    row = {name: counts.get(name) or 0 for name in MEASURES}
    row["rectification_rate"] = rate(row["closed"], row["found"] - row["dismissed"])
    row["on_time_rate"] = rate(row["closed_on_time"], row["closed"])
    return row


def _grouped(qs: QuerySet[Hazard], key: Any, today: datetime.date) -> dict[Any, dict[str, Any]]:
    """{group key: counts} in one GROUP BY query; ``key`` is a field name or an expression."""
    field = key if isinstance(key, str) else "group_key"
    base = qs.order_by()  # a default ordering would split the groups
    if not isinstance(key, str):
        base = base.annotate(group_key=key)
    rows = base.values(field).annotate(**measures(today)).order_by()
    return {row[field]: row for row in rows}


# The breakdowns counted straight from a column of the hazard.
BREAKDOWN_FIELDS = {
    "category": "category_id",
    "severity": "severity",
    "source": "source",
    "state": "state",
}
Counted = tuple[dict[str, Any], dict[str, dict[Any, dict[str, Any]]]]


def _org_width(root: Organization | None) -> int | None:
    """Length of the org_path prefix that names a child of ``root``; None: no by-org breakdown
    (no root, or a school: hazards sit at schools, a school has nothing below it)."""
    if root is None or root.level == Level.SCHOOL:
        return None
    return (root.depth + 1) * Organization.steplen


def _count_orm(
    qs: QuerySet[Hazard], today: datetime.date, root: Organization | None, width: int | None
) -> Counted:
    """Headline and groups with one aggregate query per breakdown (any database; the reference
    for ``_count_one_scan``)."""
    totals = qs.aggregate(**measures(today))
    groups = {name: _grouped(qs, field, today) for name, field in BREAKDOWN_FIELDS.items()}
    if root is not None and width is not None:
        # hazards outside root would only make groups that match no child
        groups["org"] = _grouped(
            qs.filter(org_path__startswith=root.path), Substr("org_path", 1, width), today
        )
    return totals, groups


def _count_one_scan(
    qs: QuerySet[Hazard], today: datetime.date, width: int | None
) -> Counted | None:
    """PostgreSQL: headline and every breakdown in ONE scan of ``qs`` (GROUPING SETS). The
    queryset's own SQL is the subquery, with a key column per breakdown and a flag per measure
    (the very conditions of ``measures``), so the counts are those of ``_count_orm``. None when
    the queryset cannot be wrapped (empty, sliced or combined): count it the ORM way."""
    query = qs.query
    if query.is_sliced or query.combinator or query.is_empty():
        return None
    connection = connections[qs.db]
    keys: dict[str, Any] = {f"k_{name}": F(field) for name, field in BREAKDOWN_FIELDS.items()}
    if width is not None:
        keys["k_org"] = Substr("org_path", 1, width)
    flags = {
        f"m_{name}": ExpressionWrapper(condition, output_field=BooleanField())
        for name, condition in conditions(today).items()
        if condition is not None
    }
    inner = qs.order_by().values("pk", **keys, **flags)
    try:
        inner_sql, params = inner.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return None
    qn = connection.ops.quote_name
    columns = [qn(key) for key in keys]
    counts = [
        f"COUNT(*) FILTER (WHERE {qn('m_' + name)}) AS {qn(name)}"
        if f"m_{name}" in flags
        else f"COUNT(*) AS {qn(name)}"
        for name in MEASURES
    ]
    select = ", ".join([*(f"GROUPING({column})" for column in columns), *columns, *counts])
    sets = ", ".join(["()", *(f"({column})" for column in columns)])
    # Only quoted aliases of our own around the queryset's compiled SQL; values are all params.
    sql = f"SELECT {select} FROM ({inner_sql}) AS counted GROUP BY GROUPING SETS ({sets})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = [key.removeprefix("k_") for key in keys]
    totals: dict[str, Any] = {}
    groups: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name in names}
    for row in rows:
        grouping, values = row[: len(names)], row[len(names) : 2 * len(names)]
        measured = dict(zip(MEASURES, row[2 * len(names) :], strict=True))
        if all(grouping):
            totals = measured
            continue
        index = list(grouping).index(0)  # one key per grouping set
        groups[names[index]][values[index]] = measured
    return totals, groups


def _count_precounted(
    qs: QuerySet[Hazard], today: datetime.date, area: Area, width: int | None
) -> Counted:
    """PostgreSQL, whole bureaus' hazards over whole months: every measure but overdue from
    the cells the triggers keep (analytics/counts.py), overdue (which depends on the day) by one
    scan of just the overdue hazards."""
    totals, groups = count_cells(area, width)
    overdue = _count_one_scan(qs.filter(overdue_q(today)), today, width)
    overdue_totals, overdue_groups = overdue if overdue is not None else ({}, {})
    totals["overdue"] = overdue_totals.get("found") or 0
    for name, by_key in overdue_groups.items():
        for key, counts in by_key.items():
            groups[name].setdefault(key, {})["overdue"] = counts["found"]
    return totals, groups


def _has_bureaus(children: list[Organization]) -> bool:
    """The cells count by bureau, so they break down only by child bureaus (the schools
    directly under a bureau with bureaus below it make one row either way)."""
    return any(child.level != Level.SCHOOL for child in children)


def _choice_rows(
    groups: dict[Any, dict[str, Any]], choices: list[tuple[str, Any]]
) -> list[dict[str, Any]]:
    return [
        {"key": value, "label": str(label), **_with_rates(groups.get(value, {}))}
        for value, label in choices
    ]


def _category_rows(groups: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for category in HazardCategory.objects.all():
        if not category.active and category.pk not in groups:
            continue
        rows.append(
            {
                "key": category.code,
                "label": str(category),
                "category": category,
                **_with_rates(groups.get(category.pk, {})),
            }
        )
    return rows


def _children(root: Organization) -> list[Organization]:
    return list(
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        .order_by("path")
        .only("pk", "path", "depth", "code", "name", "level")
    )


def _org_rows(
    groups: dict[Any, dict[str, Any]], root: Organization, children: list[Organization]
) -> list[dict[str, Any]]:
    """One row per child of ``root``, in tree order, from the hazards grouped by the first
    ``(root.depth + 1) * steplen`` characters of their org_path (pre-counted cells put the
    schools directly under ``root`` under ``root.path`` itself)."""
    has_bureaus = _has_bureaus(children)
    rows: list[dict[str, Any]] = []
    under_root = groups.get(root.path, {})
    direct: dict[str, int] = {name: under_root.get(name) or 0 for name in MEASURES}
    direct_schools = 0
    for child in children:
        counts = groups.get(child.path, {})
        if has_bureaus and child.level == Level.SCHOOL:
            direct_schools += 1
            for name in MEASURES:
                direct[name] += counts.get(name) or 0
        else:
            rows.append(
                {"key": str(child.pk), "label": child.name, "org": child, **_with_rates(counts)}
            )
    if direct_schools:
        label = _("Schools directly under %(org)s") % {"org": root.name}
        rows.append({"key": "direct", "label": label, "org": None, **_with_rates(direct)})
    return rows


def hazard_stats(
    qs: QuerySet[Hazard],
    *,
    today: datetime.date,
    root: Organization | None = None,
    precounted: Area | None = None,
) -> dict[str, Any]:
    """Headline measures and rates of ``qs`` at the top level, plus the breakdowns
    ``by_category``, ``by_severity``, ``by_source``, ``by_state`` and (with ``root``)
    ``by_org``. See the module docstring for every definition. On PostgreSQL the counts take
    one scan (GROUPING SETS), so 2 queries (3 with a bureau as ``root``: its children);
    elsewhere one query per breakdown, 6 (8).

    ``precounted``: the caller vouches that ``qs`` is exactly every hazard of that area (under
    those bureaus, found in those whole months, no other filter); on PostgreSQL the counts then
    come from the pre-counted cells, whatever the number of hazards (``_count_precounted``),
    unless ``by_org`` would need a row per school (a root with only schools below it)."""
    qs = qs.order_by()
    width = _org_width(root)
    children = _children(root) if root is not None and width is not None else []
    counted = None
    postgres = connections[qs.db].vendor == "postgresql"
    by_schools = width is not None and not _has_bureaus(children)
    if postgres and precounted is not None and not by_schools:
        counted = _count_precounted(qs, today, precounted, width)
    elif postgres:
        counted = _count_one_scan(qs, today, width)
    if counted is None:
        counted = _count_orm(qs, today, root, width)
    totals, groups = counted
    return {
        "today": today,
        **_with_rates(totals),
        "by_category": _category_rows(groups["category"]),
        "by_severity": _choice_rows(groups["severity"], Severity.choices),
        "by_source": _choice_rows(groups["source"], Source.choices),
        "by_state": _choice_rows(groups["state"], State.choices),
        "by_org": (
            _org_rows(groups["org"], root, children)
            if root is not None and width is not None
            else []
        ),
    }

"""Hazard statistics (隐患统计, DOMAIN.md §4.3): the one implementation behind the statistics
page, the API and every other place that shows hazard counts.

``hazard_stats(qs, today=...)`` works on ANY hazard queryset, already scoped to the user and
filtered with ``HazardFilter`` exactly like the ledger, so that a number on the statistics page
is the number of rows the ledger shows for the same filters. Everything is counted in SQL:
one aggregate for the headline and one grouped query per breakdown, whatever the number of
hazards.

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

from django.db.models import Aggregate, Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

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


def measures(today: datetime.date) -> dict[str, Aggregate]:
    """The SQL aggregates of every measure (the definitions above, in one place)."""
    is_open = Q(state__in=OPEN_STATES)
    closed = Q(state=State.CLOSED)
    on_time = Q(rectification_type=RectificationType.IMMEDIATE) | Q(closed_on__lte=F("deadline"))
    return {
        "found": Count("pk"),
        "closed": Count("pk", filter=closed),
        "in_rectification": Count("pk", filter=is_open),
        "awaiting_verification": Count("pk", filter=Q(state=State.AWAITING_VERIFICATION)),
        "overdue": Count("pk", filter=overdue_q(today)),
        "immediate": Count("pk", filter=Q(rectification_type=RectificationType.IMMEDIATE)),
        "dismissed": Count("pk", filter=Q(state=State.DISMISSED)),
        "reopened": Count("pk", filter=Q(reopened_count__gt=0)),
        "major": Count("pk", filter=Q(severity=Severity.MAJOR)),
        "supervised": Count("pk", filter=is_open & Q(supervising_org__isnull=False)),
        "closed_on_time": Count("pk", filter=closed & on_time),
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


def _org_rows(
    qs: QuerySet[Hazard], root: Organization, today: datetime.date
) -> list[dict[str, Any]]:
    """One row per child of ``root``, in tree order: the hazards are grouped by the first
    ``(root.depth + 1) * steplen`` characters of their org_path (one indexed prefix scan)."""
    if root.level == Level.SCHOOL:
        return []  # hazards sit at schools: a school has nothing below it to break down
    width = (root.depth + 1) * Organization.steplen
    groups = _grouped(
        qs.filter(org_path__startswith=root.path), Substr("org_path", 1, width), today
    )
    children = list(
        Organization.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        .order_by("path")
        .only("pk", "path", "depth", "code", "name", "level")
    )
    has_bureaus = any(child.level != Level.SCHOOL for child in children)
    rows: list[dict[str, Any]] = []
    direct: dict[str, int] = dict.fromkeys(MEASURES, 0)
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
    qs: QuerySet[Hazard], *, today: datetime.date, root: Organization | None = None
) -> dict[str, Any]:
    """Headline measures and rates of ``qs`` at the top level, plus the breakdowns
    ``by_category``, ``by_severity``, ``by_source``, ``by_state`` and (with ``root``)
    ``by_org``. See the module docstring for every definition. 6 queries (8 with a bureau as
    ``root``)."""
    qs = qs.order_by()
    totals = _with_rates(qs.aggregate(**measures(today)))
    return {
        "today": today,
        **totals,
        "by_category": _category_rows(_grouped(qs, "category_id", today)),
        "by_severity": _choice_rows(_grouped(qs, "severity", today), Severity.choices),
        "by_source": _choice_rows(_grouped(qs, "source", today), Source.choices),
        "by_state": _choice_rows(_grouped(qs, "state", today), State.choices),
        "by_org": _org_rows(qs, root, today) if root is not None else [],
    }

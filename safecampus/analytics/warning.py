"""School safety index and early warning (预警, issue 5): one number per school from what is
already recorded, so that a county officer sees first the schools that need a visit.

    index = w_red × red risk points + w_orange × orange risk points
          + w_open × open hazards + w_overdue × overdue hazards + w_major × open major hazards
          + w_unsigned × unsigned responsibility lists

Risk points count by their *displayed* level: a point with an open major hazard raised from it
counts as red (DOMAIN.md §3.3). Overdue and major hazards are also open hazards, so they weigh
twice on purpose. Safety grades (§7) are not built yet; they will join the formula when they
are. The weights and the warning thresholds come from settings (SAFETY_INDEX_WEIGHTS,
SAFETY_WARNING_LEVELS; docs/risks.md, "Early warning"): red at or above the red threshold, and
so on; below yellow a school is shown blue (low).

Everything is counted in SQL: four grouped queries for any number of schools, then merged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from safecampus.duties.models import PostAssignment
from safecampus.hazards.choices import OPEN_STATES, Severity
from safecampus.hazards.models import Hazard, overdue_q
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.models import Organization
from safecampus.risks.choices import Level
from safecampus.risks.models import RiskPoint
from safecampus.risks.queries import open_major_hazard

FACTORS = (
    "red_points",
    "orange_points",
    "open_hazards",
    "overdue_hazards",
    "open_major_hazards",
    "unsigned_lists",
)
WARNING_ORDER = (Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE)
WARNING_LABELS: dict[str, Any] = {
    Level.RED: _("Red warning"),
    Level.ORANGE: _("Orange warning"),
    Level.YELLOW: _("Yellow warning"),
    Level.BLUE: _("Blue (low)"),
}


def warning_level(index: int) -> str:
    levels = settings.SAFETY_WARNING_LEVELS
    for level in (Level.RED, Level.ORANGE, Level.YELLOW):
        if index >= levels[level]:
            return level
    return Level.BLUE


def index_of(counts: dict[str, int]) -> int:
    weights = settings.SAFETY_INDEX_WEIGHTS
    return sum(weights[name] * counts.get(name, 0) for name in FACTORS)


@dataclass
class SchoolWarning:
    school: Organization
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def index(self) -> int:
        return index_of(self.counts)

    @property
    def level(self) -> str:
        return warning_level(self.index)


def _schools(root: Organization) -> list[Organization]:
    return list(
        Organization.objects.filter(
            path__startswith=root.path, level=OrgLevel.SCHOOL, status=OrgStatus.ACTIVE
        )
        .order_by("path")
        .only("pk", "path", "depth", "name", "code", "level", "status")
    )


def _counts(root: Organization, today: datetime.date) -> dict[int, dict[str, int]]:
    """{active school id: {factor: count}} in three grouped queries, for the schools with any
    count (the others' index is 0)."""
    counts: dict[int, dict[str, int]] = {}

    def add(rows: Any, key: str, names: tuple[str, ...]) -> None:
        for row in rows:
            target = counts.setdefault(row[key], {})
            for name in names:
                target[name] = row[name]

    shown_red = Q(level=Level.RED) | Q(raised=True)
    points = (
        RiskPoint.objects.filter(
            org_path__startswith=root.path, active=True, school__status=OrgStatus.ACTIVE
        )
        .annotate(raised=open_major_hazard())
        .values("school_id")
        .annotate(
            red_points=Count("pk", filter=shown_red),
            orange_points=Count("pk", filter=Q(level=Level.ORANGE) & ~shown_red),
        )
        .order_by()
    )
    add(points, "school_id", ("red_points", "orange_points"))
    is_open = Q(state__in=OPEN_STATES)
    hazards = (
        Hazard.objects.filter(org_path__startswith=root.path, org__status=OrgStatus.ACTIVE)
        .filter(is_open)
        .values("org_id")
        .annotate(
            open_hazards=Count("pk"),
            overdue_hazards=Count("pk", filter=overdue_q(today)),
            open_major_hazards=Count("pk", filter=Q(severity=Severity.MAJOR)),
        )
        .order_by()
    )
    add(hazards, "org_id", ("open_hazards", "overdue_hazards", "open_major_hazards"))
    unsigned = (
        PostAssignment.objects.filter(
            ended_on__isnull=True,
            post__org_path__startswith=root.path,
            post__org__level=OrgLevel.SCHOOL,
            post__org__status=OrgStatus.ACTIVE,
        )
        .exclude(signed_version=F("post__version"))
        .values("post__org_id")
        .annotate(unsigned_lists=Count("pk"))
        .order_by()
    )
    add(unsigned, "post__org_id", ("unsigned_lists",))
    return counts


def school_warnings(root: Organization, today: datetime.date) -> list[SchoolWarning]:
    """Every active school under ``root`` with its counts, index and warning level, the most
    urgent first (then in tree order)."""
    counts = _counts(root, today)
    rows = [SchoolWarning(school, counts.get(school.pk, {})) for school in _schools(root)]
    rows.sort(key=lambda row: -row.index)
    return rows


@dataclass
class WarningSummary:
    """What a bureau's home page shows: schools per warning level and the most urgent reds."""

    by_level: dict[str, int]
    red: list[SchoolWarning]


def warning_summary(root: Organization, today: datetime.date, top: int = 10) -> WarningSummary:
    """The home page's panel without loading every school: the grouped counts, one count of
    the active schools (those with no count at all are blue), and the ``top`` red schools."""
    counts = _counts(root, today)
    indexes = {school_id: index_of(factors) for school_id, factors in counts.items()}
    by_level: dict[str, int] = dict.fromkeys(WARNING_ORDER, 0)
    for index in indexes.values():
        by_level[warning_level(index)] += 1
    schools = Organization.objects.filter(
        path__startswith=root.path, level=OrgLevel.SCHOOL, status=OrgStatus.ACTIVE
    ).count()
    by_level[Level.BLUE] += schools - len(indexes)
    red_ids = sorted(
        (pk for pk, index in indexes.items() if warning_level(index) == Level.RED),
        key=lambda pk: -indexes[pk],
    )[:top]
    orgs = Organization.objects.in_bulk(red_ids) if red_ids else {}
    red = [SchoolWarning(orgs[pk], counts[pk]) for pk in red_ids if pk in orgs]
    return WarningSummary(by_level, red)


@dataclass
class AreaWarning:
    """A child area of the root (a county under a city): its schools by warning level."""

    org: Organization | None
    by_level: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WARNING_ORDER, 0))
    highest_index: int = 0
    schools: int = 0

    @property
    def level(self) -> str:
        return warning_level(self.highest_index)


def area_rollup(root: Organization, rows: list[SchoolWarning]) -> list[AreaWarning]:
    """The schools' warnings rolled up by the children of ``root`` (schools directly under
    it share one row with ``org`` None), most red schools first."""
    width = (root.depth + 1) * Organization.steplen
    children = {
        child.path: child
        for child in Organization.objects.filter(
            path__startswith=root.path, depth=root.depth + 1
        ).exclude(level=OrgLevel.SCHOOL)
    }
    areas: dict[str | None, AreaWarning] = {
        path: AreaWarning(child) for path, child in children.items()
    }
    for row in rows:
        key = row.school.path[:width]
        area = areas.setdefault(key if key in children else None, AreaWarning(None))
        area.by_level[row.level] += 1
        area.schools += 1
        area.highest_index = max(area.highest_index, row.index)
    return sorted(
        areas.values(),
        key=lambda a: (-a.by_level[Level.RED], -a.by_level[Level.ORANGE], -a.highest_index),
    )

"""Reads for the four-colour map (四色图, DOMAIN.md §3.3): a school's plan with its areas
coloured by their points, and the roll-up of point counts by level for a bureau.

The colour of a point is its *displayed* level (queries.displayed_level): its graded level,
raised to red while an open major hazard hangs on it (直接判定). The bureau roll-up counts the
same way in SQL: a point with an open major hazard counts as red, and not under its graded
level, so the four colours plus "ungraded" add up to the number of active points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr

from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Role
from safecampus.risks.choices import RANK, Level, highest
from safecampus.risks.models import CampusArea, CampusPlan, RiskPoint
from safecampus.risks.plans import label_point, vertices
from safecampus.risks.queries import displayed_level, open_major_hazard, visible_points

LEVELS: tuple[str, ...] = (Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE)
UNGRADED = "none"


def current_plan(school: Organization) -> CampusPlan | None:
    """The school's plan: the one the map editor keeps (a replaced image stays the same plan)."""
    return CampusPlan.objects.filter(school=school).first()


@dataclass
class AreaOnMap:
    area: CampusArea
    points: list[RiskPoint]
    level: str | None  # highest displayed level of its active graded points; None: grey
    polygon: str = ""  # SVG points in plan pixels, "" when the area is not drawn
    label_x: float = 0
    label_y: float = 0

    @property
    def raised(self) -> bool:
        return any(getattr(p, "has_open_major", False) for p in self.points)


@dataclass
class SchoolMap:
    school: Organization
    plan: CampusPlan | None
    areas: list[AreaOnMap]
    unplaced: list[RiskPoint]  # active points with no area
    counts: dict[str, int] = field(default_factory=dict)  # displayed level (or "none") → n

    @property
    def drawn(self) -> list[AreaOnMap]:
        return [a for a in self.areas if a.polygon]

    @property
    def undrawn(self) -> list[AreaOnMap]:
        return [a for a in self.areas if not a.polygon]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def label_size(self) -> int:
        """Area names in plan pixels: readable at any image size, and on the A3 print."""
        if self.plan is None:
            return 12
        return max(12, round(max(self.plan.width, self.plan.height) / 55))


def _svg_points(shape: dict[str, Any], plan: CampusPlan) -> str:
    return " ".join(f"{x * plan.width:.1f},{y * plan.height:.1f}" for x, y in vertices(shape))


def school_map(user: Any, school: Organization) -> SchoolMap:
    """The school's plan, its areas with their active points and colours, and the legend
    counts: three queries whatever the size of the register."""
    plan = current_plan(school)
    points = list(visible_points(user).filter(school=school, active=True).order_by("area_id", "id"))
    areas = list(CampusArea.objects.filter(school=school).order_by("sort", "name"))
    by_area: dict[int | None, list[RiskPoint]] = {}
    counts = dict.fromkeys((*LEVELS, UNGRADED), 0)
    for point in points:
        shown = displayed_level(point)
        point.displayed = shown  # type: ignore[attr-defined]
        by_area.setdefault(point.area_id, []).append(point)
        counts[shown if shown in RANK else UNGRADED] += 1
    rows = []
    for area in areas:
        own = by_area.get(area.pk, [])
        row = AreaOnMap(area, own, highest([p.displayed for p in own]))  # type: ignore[attr-defined]
        if plan is not None and area.shape and area.plan_id in (None, plan.pk):
            row.polygon = _svg_points(area.shape, plan)
            x, y = label_point(area.shape)
            row.label_x, row.label_y = x * plan.width, y * plan.height
        rows.append(row)
    return SchoolMap(school, plan, rows, by_area.get(None, []), counts)


def school_people(school: Organization) -> dict[str, list[str]]:
    """The principal(s) and safety officer(s) for the printed map: the people holding those
    roles, else the names on the school's record."""
    found: dict[str, list[str]] = {Role.PRINCIPAL: [], Role.SAFETY_OFFICER: []}
    for membership in (
        Membership.objects.filter(org=school, role__in=list(found), user__is_active=True)
        .select_related("user")
        .order_by("role", "user__display_name", "user__username")
    ):
        found[membership.role].append(str(membership.user))
    if not found[Role.PRINCIPAL] and school.principal_name:
        found[Role.PRINCIPAL].append(school.principal_name)
    if not found[Role.SAFETY_OFFICER] and school.safety_officer_name:
        found[Role.SAFETY_OFFICER].append(school.safety_officer_name)
    return {"principal": found[Role.PRINCIPAL], "safety_officer": found[Role.SAFETY_OFFICER]}


# --- bureau roll-up ---------------------------------------------------------------------------


@dataclass
class RollupRow:
    org: Organization
    counts: dict[str, int]

    @property
    def level(self) -> str | None:
        return next((level for level in LEVELS if self.counts[level]), None)

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else ""

    @property
    def rank(self) -> int:
        return RANK.get(self.level or "", 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[tuple[str, int]]:
        return [(key, self.counts[key]) for key in (*LEVELS, UNGRADED)]


def _level_counts() -> dict[str, Count]:
    """Conditional counts by displayed level: an open major hazard makes a point red and
    takes it out of its graded level (the point is counted once)."""
    raised = Q(has_open_major=True)
    counts = {"red": Count("pk", filter=Q(level=Level.RED) | raised)}
    for level in (Level.ORANGE, Level.YELLOW, Level.BLUE):
        counts[str(level)] = Count("pk", filter=Q(level=level) & ~raised)
    counts[UNGRADED] = Count("pk", filter=~Q(level__in=LEVELS) & ~raised)
    return counts


def rollup_rows(bureau: Organization) -> list[RollupRow]:
    """One row per school under a county (or town); under a city, one per county and per
    city-direct school, each summing everything beneath it. Two queries: the rows' orgs and
    one grouped count of the active points by displayed level."""
    drill = bureau.level == OrgLevel.CITY
    orgs: QuerySet[Organization]
    if drill:
        orgs = Organization.objects.filter(path__startswith=bureau.path, depth=bureau.depth + 1)
    else:
        orgs = Organization.objects.filter(path__startswith=bureau.path, level=OrgLevel.SCHOOL)
    key_length = len(bureau.path) + Organization.steplen
    points = (
        RiskPoint.objects.filter(org_path__startswith=bureau.path, active=True)
        .annotate(has_open_major=open_major_hazard())
        # The row a point counts under: its school's path cut to the row's depth.
        .annotate(row_path=Substr("org_path", 1, key_length) if drill else F("org_path"))
        .values("row_path")
        .annotate(**_level_counts())
        .order_by()
    )
    by_path = {row["row_path"]: row for row in points}
    empty = dict.fromkeys((*LEVELS, UNGRADED), 0)
    rows = [
        RollupRow(org, {k: by_path.get(org.path, empty)[k] for k in empty})
        for org in orgs.order_by("path")
    ]
    rows.sort(key=lambda r: (-r.rank, -r.counts[r.level or UNGRADED], r.org.path))
    return rows


def totals(rows: list[RollupRow]) -> dict[str, int]:
    keys = (*LEVELS, UNGRADED)
    return {k: sum(r.counts[k] for r in rows) for k in keys}

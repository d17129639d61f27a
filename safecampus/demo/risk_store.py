"""Writing demo risk registers: campus areas, risk points and their assessments as rows through
demo.sink (COPY on PostgreSQL, plain INSERTs elsewhere), for the demo city and the province.

Seed data: no per-row actions, audit rows or notifications, like the demo hazards. Rows are
written as tuples rather than with ``bulk_create``: at ~30,000 points and as many assessments
for the default city, the ORM's per-value SQL compilation alone took ~4.5 s of CPU, more than
the rest of the city. Areas and points get explicit ids (the caller moves the sequences on
after, sink.reset_sequences), so points are known to the hazards raised from them without
reading them back.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from safecampus.demo import sink
from safecampus.demo.hazard_story import TZ
from safecampus.demo.risk_links import PointIndex, index_points
from safecampus.demo.risks import LibraryEntry, Point, Register
from safecampus.risks import library
from safecampus.risks.choices import Method
from safecampus.risks.models import (
    CampusArea,
    LibraryItem,
    RiskAssessment,
    RiskCategory,
    RiskPoint,
)

AREA_ROW = ("id", "school_id", "name", "sort")
POINT_ROW = (
    "id",
    "school_id",
    "org_path",
    "library_item_id",
    "category_id",
    "hazard",
    "consequences",
    "area_id",
    "location",
    "responsible_post",
    "responsible_id",
    "control_measures",
    "emergency_measures",
    "frequency",
    "level",
    "previous_level",
    "score",
    "assessed_on",
    "review_on",
    "active",
    "created_by_id",
    "created_at",
    "updated_at",
)
ASSESSMENT_ROW = (
    "point_id",
    "method",
    "l",
    "e",
    "c",
    "score",
    "scored_level",
    "direct_red_reason",
    "level",
    "reason",
    "note",
    "assessed_on",
    "assessed_by_id",
    "created_at",
)
# The tables written; the first two get explicit ids (sink.reset_sequences afterwards).
EXPLICIT_IDS = (CampusArea, RiskPoint)
TABLES = (CampusArea, RiskPoint, RiskAssessment)
# When a school's safety office types its register in (local time).
OFFICE_HOURS = (9, 16)


def library_entries() -> list[LibraryEntry]:
    """The current standard library (loaded again if a flushed database lost it)."""
    items = LibraryItem.objects.filter(owner=None, is_current=True).select_related("category")
    if not items.exists():
        library.load(RiskCategory, LibraryItem)
    return [
        LibraryEntry(
            id=item.pk,
            category_id=item.category_id,
            category=item.category.code,
            sort=item.category.sort,
            code=item.code,
            school_kinds=tuple(item.school_kinds),
            frequency=item.frequency,
            hazard=item.hazard_zh,
            consequences=item.consequences_zh,
            measures=item.measures_zh,
            suggested_l=item.suggested_l,
            suggested_s=item.suggested_s,
        )
        for item in items.order_by("code")
    ]


@dataclass
class RegisterWriter:
    """Writes registers in rounds (a city at a time for the province); the caller holds the
    transaction. ``now`` caps the stamped times."""

    now: datetime.datetime
    areas: int = 0
    points: int = 0
    assessments: int = 0
    _area_id: int = 0
    _point_id: int = 0

    def __post_init__(self) -> None:
        self._area_id = sink.next_id(CampusArea)
        self._point_id = sink.next_id(RiskPoint)

    def write(self, registers: Sequence[Register]) -> PointIndex:
        """Store the registers; returns the index of their points that hazards may be raised
        from (demo.risks.link_hazards)."""
        area_ids: dict[tuple[int, str], int] = {}
        area_rows = []
        for register in registers:
            school_id = register.school.org_id
            for name, sort in register.areas:
                area_ids[(school_id, name)] = self._area_id
                area_rows.append((self._area_id, school_id, name, sort))
                self._area_id += 1
        self.areas += sink.write(CampusArea, AREA_ROW, area_rows)
        points = [p for r in registers for p in r.points]
        first = self._point_id
        self._point_id += len(points)
        pairs = list(zip(points, range(first, self._point_id), strict=True))
        self.points += sink.write(RiskPoint, POINT_ROW, self._point_rows(pairs, area_ids))
        self.assessments += sink.write(RiskAssessment, ASSESSMENT_ROW, self._assessment_rows(pairs))
        return index_points(pairs)

    def _at(self, day: datetime.date | None, minute: int) -> datetime.datetime:
        """A time on ``day`` in office hours (never after ``now``)."""
        if day is None:
            return self.now
        start, end = OFFICE_HOURS
        minutes = start * 60 + minute % ((end - start) * 60)
        at = datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=TZ)
        return min(at, self.now)

    def _point_rows(
        self, pairs: list[tuple[Point, int]], areas: dict[tuple[int, str], int]
    ) -> Iterator[tuple[Any, ...]]:
        for p, pk in pairs:
            entry, school = p.entry, p.school
            created = self._at(p.created_on, pk)
            updated = self._at(p.assessed_on, pk) if p.assessed_on else created
            yield (
                pk,
                school.org_id,
                school.path,
                entry.id,
                entry.category_id,
                entry.hazard,
                entry.consequences,
                areas[(school.org_id, p.area)] if p.area else None,
                p.location,
                p.responsible_post,
                p.responsible_id,
                entry.measures,
                p.emergency_measures,
                entry.frequency,
                p.level,
                p.previous_level,
                p.score,
                p.assessed_on,
                p.review_on,
                True,
                school.safety.id,
                created,
                max(created, updated),
            )

    def _assessment_rows(self, pairs: list[tuple[Point, int]]) -> Iterator[tuple[Any, ...]]:
        for p, pk in pairs:
            for a in p.assessments:
                yield (
                    pk,
                    Method.LEC.value,
                    a.likelihood,
                    a.exposure,
                    a.consequence,
                    a.score,
                    a.level,
                    "",
                    a.level,
                    a.reason,
                    a.note,
                    a.assessed_on,
                    a.assessed_by_id,
                    self._at(a.assessed_on, pk),
                )

    def as_dict(self) -> dict[str, int]:
        return {
            "campus_areas": self.areas,
            "risk_points": self.points,
            "risk_assessments": self.assessments,
        }

"""Open demo hazards raised from risk points (§3.3): an open major hazard raised from a point
shows the point red on the register and the map, whatever its grade. A few of the demo's open
hazards (majors more often) get a point of their school in a matching category.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence

from safecampus.demo.hazard_records import HazardRecord
from safecampus.demo.risks import Point
from safecampus.hazards.choices import Severity

# Shares of the open hazards raised from a point (when their school has one that fits).
LINK_SHARE = 0.05
MAJOR_LINK_SHARE = 0.25
# Which register categories a hazard of each ledger category may be raised from.
HAZARD_TO_RISK: dict[str, tuple[str, ...]] = {
    "campus_security": ("gate_security",),
    "surrounding_security": ("surroundings",),
    "culture_venues": ("surroundings",),
    "traffic": ("traffic",),
    "fire": ("fire", "electricity_gas"),
    "buildings": ("buildings",),
    "food": ("food", "drinking_water"),
    "drowning": ("drowning",),
    "health": ("epidemic",),
    "bullying": ("bullying_violence",),
    "special_groups": ("special_groups",),
}
LINKABLE = frozenset(itertools.chain.from_iterable(HAZARD_TO_RISK.values()))

PointIndex = dict[tuple[int, str], list[int]]


def index_points(stored: Iterable[tuple[Point, int]]) -> PointIndex:
    """(school id, category code) -> ids of its points that hazards can be raised from."""
    index: PointIndex = {}
    for point, pk in stored:
        if point.entry.category in LINKABLE:
            index.setdefault((point.school.org_id, point.entry.category), []).append(pk)
    return index


def link_rng(seed: int) -> random.Random:
    """Which open hazards are raised from risk points: apart from the hazards' own draws, so
    the hazards stay the same with or without registers."""
    return random.Random(f"safecampus-demo-risk-links-{seed}")


def link_hazards(records: Sequence[HazardRecord], index: PointIndex, rng: random.Random) -> int:
    """Mark a few open hazards as raised from a point of their school in a matching category
    (sets ``risk_point_id``), at least one major one when any can be. Returns how many."""

    def candidates(record: HazardRecord) -> list[int]:
        cats = HAZARD_TO_RISK.get(record.category, ())
        return [pk for cat in cats for pk in index.get((record.org_id, cat), ())]

    linked = majors = 0
    for record in records:
        if not record.is_open:
            continue
        major = record.severity == Severity.MAJOR
        if rng.random() >= (MAJOR_LINK_SHARE if major else LINK_SHARE):
            continue
        options = candidates(record)
        if options:
            record.risk_point_id = rng.choice(options)
            linked += 1
            majors += major
    if not majors:
        for record in records:
            options = candidates(record) if record.is_open else []
            if record.severity == Severity.MAJOR and options and record.risk_point_id is None:
                record.risk_point_id = rng.choice(options)
                return linked + 1
    return linked

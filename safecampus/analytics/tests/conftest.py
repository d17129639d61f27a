"""Hazards with every combination the statistics look at, for the PostgreSQL count paths."""

import datetime
import random

import pytest
from django.db import connection

from safecampus.hazards.models import Hazard
from safecampus.lib.testing.factories import make_school

TODAY = datetime.date(2026, 6, 1)
STATES = ("reported", "assigned", "rectifying", "awaiting_verification", "closed", "dismissed")


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("the one-scan count and the pre-counted cells are PostgreSQL only")


@pytest.fixture
def generated(world, categories, teacher):
    """A few hundred hazards with every combination the measures look at, all at random
    (seeded, so the same every run)."""
    rng = random.Random(20260601)
    schools = [
        world.school_a1,
        world.school_a2,
        world.school_b1,
        world.direct_school,
        make_school(world.county_b, "西山第二中学", code="SB2"),
    ]
    supervisors = [None, None, world.county_a, world.city]
    hazards = []
    for n in range(300):
        school = rng.choice(schools)
        state = rng.choice(STATES)
        found = TODAY - datetime.timedelta(days=rng.randint(0, 90))
        deadline = rng.choice([None, found + datetime.timedelta(days=rng.randint(0, 60))])
        hazards.append(
            Hazard(
                org=school,
                org_path=school.path,
                category=rng.choice(list(categories.values())),
                source=rng.choice(["self_check", "public", "county_inspection", "police"]),
                severity=rng.choice(["general", "general", "major"]),
                rectification_type=rng.choice(["deadline", "immediate"]),
                title=f"隐患{n}",
                location=rng.choice(["教学楼", "食堂", "操场"]),
                found_on=found,
                state=state,
                deadline=deadline,
                closed_on=(
                    found + datetime.timedelta(days=rng.randint(0, 70))
                    if state == "closed" and rng.random() < 0.9
                    else None
                ),
                reopened_count=rng.choice([0, 0, 0, 1, 2]),
                supervising_org=rng.choice(supervisors),
                responsible=teacher if rng.random() < 0.3 else None,
            )
        )
    Hazard.objects.bulk_create(hazards)

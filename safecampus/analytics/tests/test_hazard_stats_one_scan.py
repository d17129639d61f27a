"""hazard_stats on PostgreSQL: the one-scan GROUPING SETS count gives exactly what the
per-breakdown ORM queries (the reference, and the SQLite path) give, for the ledger's filters."""

import datetime
import random

import pytest
from django.db import connection
from django.http import QueryDict

from safecampus.analytics import hazards as analytics
from safecampus.analytics.hazards import hazard_stats
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.models import Hazard
from safecampus.lib.testing.factories import make_school

TODAY = datetime.date(2026, 6, 1)
STATES = ("reported", "assigned", "rectifying", "awaiting_verification", "closed", "dismissed")


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("the one-scan count runs on PostgreSQL only")


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


def _both_ways(monkeypatch, qs, root):
    """(one scan, ORM reference), checking that the one scan did run."""
    scans = []
    one_scan = analytics._count_one_scan

    def spy(*args, **kwargs):
        scans.append(one_scan(*args, **kwargs))
        return scans[-1]

    monkeypatch.setattr(analytics, "_count_one_scan", spy)
    fast = hazard_stats(qs, today=TODAY, root=root)
    monkeypatch.setattr(analytics, "_count_one_scan", lambda *args, **kwargs: None)
    reference = hazard_stats(qs, today=TODAY, root=root)
    monkeypatch.setattr(analytics, "_count_one_scan", one_scan)
    return fast, reference, scans


FILTERS = [
    {},
    {"found_from": "2026-04-15", "found_to": "2026-05-20"},
    {"open": "true"},
    {"overdue": "true", "severity": "major"},
    {"overdue": "false", "source": "public"},
    {"state": ["closed", "dismissed"], "rectification_type": "deadline"},
    {"supervised": "true"},
    {"q": "食堂"},
    {"responsible": "teacher"},  # a join to the users table
]


@pytest.mark.parametrize("data", FILTERS, ids=lambda data: ",".join(data) or "everything")
def test_it_counts_the_ledgers_filters_in_one_scan_as_the_orm_does(
    postgres, generated, world, monkeypatch, data
):
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    filterset = HazardFilter(query, queryset=Hazard.objects.select_related("org", "category"))
    assert filterset.is_valid(), filterset.errors
    for root in (None, world.city, world.county_a, world.county_b, world.school_a1):
        fast, reference, scans = _both_ways(monkeypatch, filterset.qs, root)

        assert scans and scans[0] is not None
        assert fast == reference, (data, root)


def test_it_counts_a_chosen_org_and_an_empty_set_as_the_orm_does(
    postgres, generated, world, monkeypatch
):
    within = HazardFilter(QueryDict(f"org={world.county_b.pk}"), queryset=Hazard.objects.all())
    fast, reference, _scans = _both_ways(monkeypatch, within.qs, world.county_b)
    assert fast == reference and fast["found"] > 0

    nothing = Hazard.objects.filter(found_on__gt=TODAY)
    fast, reference, scans = _both_ways(monkeypatch, nothing, world.city)
    assert fast == reference and fast["found"] == 0 and scans[0] is not None

    fast, reference, scans = _both_ways(monkeypatch, Hazard.objects.none(), world.city)
    assert fast == reference and scans == [None]  # nothing to wrap: counted the ORM way


def test_on_postgresql_the_counts_take_one_query(
    postgres, generated, world, django_assert_num_queries
):
    # the GROUPING SETS count, the categories, the children of the root
    with django_assert_num_queries(3):
        stats = hazard_stats(Hazard.objects.all(), today=TODAY, root=world.city)
    assert stats["found"] == 300

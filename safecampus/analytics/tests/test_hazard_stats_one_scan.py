"""hazard_stats on PostgreSQL: the one-scan GROUPING SETS count gives exactly what the
per-breakdown ORM queries (the reference, and the SQLite path) give, for the ledger's filters."""

import pytest
from django.http import QueryDict

from safecampus.analytics import hazards as analytics
from safecampus.analytics.hazards import hazard_stats
from safecampus.analytics.tests.conftest import TODAY
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.models import Hazard


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

"""The pre-counted hazard cells (PostgreSQL): the triggers keep them equal to a full recount
whatever a statement does to hazards, and statistics read from them are exactly the statistics
counted from the hazards themselves."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import QueryDict

from safecampus.analytics import counts
from safecampus.analytics import hazards as analytics
from safecampus.analytics.counts import Area
from safecampus.analytics.hazards import hazard_stats
from safecampus.analytics.models import HazardCount
from safecampus.analytics.tests.conftest import TODAY
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.listing import precounted_area
from safecampus.hazards.models import Hazard
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.roles import Role


def _cells() -> dict[tuple, tuple]:
    """Every cell with a non-zero count (a cell emptied by a change stays as zeros)."""
    return {
        (c.parent_path, c.found_month, c.dim, c.key): tuple(
            getattr(c, name) for name in counts.MEASURES
        )
        for c in HazardCount.objects.all()
        if any(getattr(c, name) for name in counts.MEASURES)
    }


def _assert_cells_match_a_recount():
    kept = _cells()
    counts.recount()
    assert kept == _cells()


def test_the_triggers_count_inserts_updates_and_deletes_exactly(postgres, generated, world):
    assert _cells(), "bulk_create (one INSERT statement) was counted"
    _assert_cells_match_a_recount()

    one = Hazard.objects.filter(state="reported").first()
    one.state, one.severity = "assigned", "major"
    one.save(update_fields=["state", "severity"])
    _assert_cells_match_a_recount()

    Hazard.objects.filter(state="rectifying").update(state="closed", closed_on=TODAY)
    Hazard.objects.filter(org=world.school_b1).update(category=one.category, source="public")
    Hazard.objects.filter(state="dismissed")[:1].get().delete()
    Hazard.objects.filter(org=world.direct_school).delete()
    _assert_cells_match_a_recount()


def test_a_change_that_moves_no_count_writes_no_cell(postgres, generated):
    hazard = Hazard.objects.first()
    before = _cells()
    hazard.title = "新的标题"
    hazard.save(update_fields=["title"])
    assert _cells() == before


def test_every_hazard_is_counted_once_per_breakdown(postgres, generated):
    for dim in ("category", "severity", "source", "state"):
        total = sum(c.found for c in HazardCount.objects.filter(dim=dim))
        assert total == Hazard.objects.count() == 300


PERIODS = [
    (None, None),
    (datetime.date(2026, 4, 1), None),
    (None, datetime.date(2026, 4, 30)),
    (datetime.date(2026, 3, 1), datetime.date(2026, 5, 31)),
    (datetime.date(2027, 1, 1), None),  # nothing found then
]


def _live_and_precounted(qs, root, area, monkeypatch):
    used = []
    real = analytics._count_precounted

    def spy(*args, **kwargs):
        used.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(analytics, "_count_precounted", spy)
    precounted = hazard_stats(qs, today=TODAY, root=root, precounted=area)
    live = hazard_stats(qs, today=TODAY, root=root)
    return precounted, live, used


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_precounted_statistics_are_the_live_statistics(
    postgres, generated, world, monkeypatch, period
):
    found_from, found_to = period
    qs = Hazard.objects.filter(org_path__startswith=world.city.path)
    if found_from:
        qs = qs.filter(found_on__gte=found_from)
    if found_to:
        qs = qs.filter(found_on__lte=found_to)
    area = Area.of([world.city.path], found_from, found_to)
    precounted, live, used = _live_and_precounted(qs, world.city, area, monkeypatch)
    assert used, "the cells were read"
    assert precounted == live
    # the same area without a root: the headline and breakdowns but no rows by area
    precounted_all, live_all, used = _live_and_precounted(qs, None, area, monkeypatch)
    assert used and precounted_all == live_all and live_all["by_org"] == []
    if found_from != datetime.date(2027, 1, 1):
        assert live["found"] > 0 and live["overdue"] > 0
        assert {row["key"] for row in live["by_org"]} == {
            str(world.county_a.pk),
            str(world.county_b.pk),
            "direct",
        }


def test_a_county_of_schools_is_counted_from_its_hazards(postgres, generated, world, monkeypatch):
    # the cells count by bureau: a county's rows are its schools, so they count the hazards
    qs = Hazard.objects.filter(org_path__startswith=world.county_a.path)
    precounted, live, used = _live_and_precounted(
        qs, world.county_a, Area.of([world.county_a.path]), monkeypatch
    )
    assert not used and precounted == live


def test_precounted_statistics_take_four_queries(
    postgres, generated, world, django_assert_num_queries
):
    qs = Hazard.objects.filter(org_path__startswith=world.city.path)
    # the root's children, the cells by breakdown, the cells by area, the overdue scan; the
    # categories
    with django_assert_num_queries(5):
        stats = hazard_stats(
            qs, today=TODAY, root=world.city, precounted=Area.of([world.city.path])
        )
    assert stats["found"] == 300


def _filterset(data: str, **kwargs) -> HazardFilter:
    return HazardFilter(QueryDict(data), queryset=Hazard.objects.all(), **kwargs)


def test_only_a_whole_area_over_whole_months_is_precounted(
    world, city_admin, county_officer, school_principal
):
    principal = school_principal
    city = world.city
    assert precounted_area(_filterset(f"org={city.pk}"), city_admin, city) == Area((city.path,))
    whole = _filterset(f"org={city.pk}&found_from=2026-01-01&found_to=2026-03-31")
    assert precounted_area(whole, city_admin, city) == Area(
        (city.path,), datetime.date(2026, 1, 1), datetime.date(2026, 3, 1)
    )
    # no area chosen: everything the user sees, when that is whole bureaus
    assert precounted_area(_filterset(""), city_admin, None) == Area((city.path,))
    for cut in ("found_from=2026-01-02", "found_to=2026-03-30", "severity=major", "q=食堂"):
        assert precounted_area(_filterset(f"org={city.pk}&{cut}"), city_admin, city) is None
    # a county officer does not see the whole city: its statistics never come from the cells
    assert precounted_area(_filterset(f"org={city.pk}"), county_officer, city) is None
    assert precounted_area(_filterset(""), county_officer, None) == Area((world.county_a.path,))
    # a school's hazards share their cells with the other schools of the county
    school = world.school_a1
    assert precounted_area(_filterset(f"org={school.pk}"), city_admin, school) is None
    assert precounted_area(_filterset(""), principal, None) is None


def test_the_statistics_api_reads_the_cells_for_a_whole_city(
    postgres, generated, world, client, monkeypatch
):
    admin = make_user("stats_admin", world.city, Role.CITY_ADMIN)
    client.force_login(admin)
    used = []
    real = analytics._count_precounted
    monkeypatch.setattr(
        analytics, "_count_precounted", lambda *a, **k: used.append(True) or real(*a, **k)
    )
    whole = client.get("/api/v1/hazards/stats", {"org": world.city.pk}).json()
    assert used == [True]
    filtered = client.get(
        "/api/v1/hazards/stats", {"org": world.city.pk, "severity": "major"}
    ).json()
    assert used == [True]  # a filter the cells cannot answer: counted from the hazards
    major = next(row for row in whole["by_severity"] if row["key"] == "major")
    assert filtered["found"] == major["found"] > 0
    assert whole["found"] == 300


def test_recount_command_repairs_cells_changed_behind_the_triggers(postgres, generated):
    kept = _cells()
    HazardCount.objects.filter(dim="state").update(found=0)
    out = StringIO()
    call_command("recount_hazard_stats", stdout=out)
    assert _cells() == kept
    assert str(HazardCount.objects.count()) in out.getvalue()


def test_recount_command_explains_itself_on_sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the command recounts (previous test)")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("recount_hazard_stats")

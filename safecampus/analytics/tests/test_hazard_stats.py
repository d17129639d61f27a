"""hazard_stats: every definition of docs/hazards.md "Statistics", on a small readable set."""

import datetime

import pytest

from safecampus.analytics.hazards import MEASURES, hazard_stats
from safecampus.hazards.models import Hazard
from safecampus.lib.testing.factories import make_school
from safecampus.orgs.models import Organization

TODAY = datetime.date(2026, 6, 1)
FOUND = datetime.date(2026, 5, 1)


def _hazard(school, category, **fields):
    values = {
        "source": "self_check",
        "severity": "general",
        "title": "隐患",
        "found_on": FOUND,
        "state": "reported",
        "rectification_type": "deadline",
    }
    values.update(fields)
    return Hazard.objects.create(org=school, org_path=school.path, category=category, **values)


@pytest.fixture
def hazards(world, categories):
    fire, food, traffic = categories["fire"], categories["food"], categories["traffic"]
    a1, a2, b1, d1 = world.school_a1, world.school_a2, world.school_b1, world.direct_school
    deadline_passed = TODAY - datetime.timedelta(days=1)
    return {
        "reported": _hazard(a1, fire),
        "due_today": _hazard(a1, fire, state="assigned", deadline=TODAY),
        "overdue": _hazard(a1, food, state="rectifying", deadline=deadline_passed),
        "closed_on_time": _hazard(
            a2, fire, state="closed", deadline=TODAY, closed_on=deadline_passed
        ),
        "closed_late": _hazard(
            a2, food, state="closed", deadline=deadline_passed, closed_on=TODAY, source="public"
        ),
        # Fixed on the spot: the deadline is the day found; verified later, still on time.
        "immediate": _hazard(
            b1,
            traffic,
            state="closed",
            rectification_type="immediate",
            deadline=FOUND,
            closed_on=TODAY,
        ),
        "dismissed": _hazard(b1, fire, state="dismissed"),
        "major_supervised": _hazard(
            b1,
            traffic,
            severity="major",
            state="assigned",
            deadline=deadline_passed,
            supervising_org=world.county_b,
            source="county_inspection",
        ),
        "reopened": _hazard(d1, fire, state="rectifying", reopened_count=1, deadline=TODAY),
    }


def test_it_counts_every_measure_by_its_definition(hazards):
    stats = hazard_stats(Hazard.objects.all(), today=TODAY)

    assert {name: stats[name] for name in MEASURES} == {
        "found": 9,
        "closed": 3,
        "in_rectification": 5,  # reported, due today, overdue, major supervised, reopened
        "awaiting_verification": 0,
        "overdue": 2,  # the deadline day itself is not overdue
        "immediate": 1,
        "dismissed": 1,
        "reopened": 1,
        "major": 1,
        "supervised": 1,
        "closed_on_time": 2,  # on or before the deadline, or fixed on the spot
    }


def test_the_rectification_rate_leaves_out_dismissed_reports(hazards):
    stats = hazard_stats(Hazard.objects.all(), today=TODAY)

    assert stats["rectification_rate"] == round(3 / (9 - 1), 4)
    assert stats["on_time_rate"] == round(2 / 3, 4)


def test_rates_are_none_when_there_is_nothing_to_rate(world, categories):
    _hazard(world.school_a1, categories["fire"], state="dismissed")
    stats = hazard_stats(Hazard.objects.all(), today=TODAY)

    assert (stats["found"], stats["rectification_rate"], stats["on_time_rate"]) == (1, None, None)


def test_the_seed_figures_give_88_percent(world, categories):
    # DOMAIN.md §4.4: 150 found, 132 rectified, 18 under deadline rectification.
    school, fire = world.school_a1, categories["fire"]
    Hazard.objects.bulk_create(
        [
            Hazard(
                org=school,
                org_path=school.path,
                category=fire,
                source="self_check",
                title=f"隐患{n}",
                found_on=FOUND,
                state="closed" if n < 132 else "rectifying",
                closed_on=FOUND if n < 132 else None,
                deadline=FOUND,
            )
            for n in range(150)
        ]
    )
    stats = hazard_stats(Hazard.objects.all(), today=TODAY)

    assert (stats["found"], stats["closed"], stats["in_rectification"]) == (150, 132, 18)
    assert stats["rectification_rate"] == 0.88


def test_breakdowns_add_up_to_the_headline(hazards, world):
    stats = hazard_stats(Hazard.objects.all(), today=TODAY, root=world.city)

    for breakdown in ("by_category", "by_severity", "by_source", "by_state", "by_org"):
        for name in MEASURES:
            total = sum(row[name] for row in stats[breakdown])
            assert total == stats[name], (breakdown, name)


def test_it_breaks_down_by_category_severity_source_and_state(hazards):
    stats = hazard_stats(Hazard.objects.all(), today=TODAY)

    category = {row["key"]: row for row in stats["by_category"]}
    assert (category["fire"]["found"], category["food"]["found"], category["traffic"]["found"]) == (
        5,
        2,
        2,
    )
    assert category["food"]["overdue"] == 1 and category["bullying"]["found"] == 0
    assert category["food"]["rectification_rate"] == 0.5
    severity = {row["key"]: row["found"] for row in stats["by_severity"]}
    assert severity == {"general": 8, "major": 1}
    source = {row["key"]: row["found"] for row in stats["by_source"]}
    assert (source["self_check"], source["public"], source["county_inspection"]) == (7, 1, 1)
    assert source["police"] == 0  # every choice is listed, zero rows included
    state = {row["key"]: row["found"] for row in stats["by_state"]}
    assert state == {
        "reported": 1,
        "assigned": 2,
        "rectifying": 2,
        "awaiting_verification": 0,
        "closed": 3,
        "dismissed": 1,
    }


def test_under_a_city_there_is_a_row_per_county_and_one_for_the_direct_schools(hazards, world):
    stats = hazard_stats(Hazard.objects.all(), today=TODAY, root=world.city)

    rows = [(row["org"], row["found"], row["overdue"]) for row in stats["by_org"]]
    assert rows == [
        (world.county_a, 5, 1),
        (world.county_b, 3, 1),
        (None, 1, 0),  # 市直学校
    ]
    assert stats["by_org"][2]["label"]


def test_under_a_county_there_is_a_row_per_school(hazards, world):
    qs = Hazard.objects.filter(org_path__startswith=world.county_a.path)
    stats = hazard_stats(qs, today=TODAY, root=world.county_a)

    assert [(row["org"], row["found"]) for row in stats["by_org"]] == [
        (world.school_a1, 3),
        (world.school_a2, 2),
    ]
    assert stats["found"] == 5


def test_a_school_with_no_hazards_still_gets_its_row(hazards, world):
    quiet = make_school(world.county_a, "东湖第三小学", code="SA3")
    stats = hazard_stats(Hazard.objects.none(), today=TODAY, root=world.county_a)

    rows = {row["org"].pk: row["found"] for row in stats["by_org"]}
    assert rows[quiet.pk] == 0 and len(rows) == 3


def test_a_school_as_root_has_no_breakdown_by_org(hazards, world):
    stats = hazard_stats(Hazard.objects.all(), today=TODAY, root=world.school_a1)

    assert stats["by_org"] == []


def test_it_respects_the_queryset_it_is_given(hazards, world):
    qs = Hazard.objects.filter(found_on__gt=FOUND)
    assert hazard_stats(qs, today=TODAY, root=world.city)["found"] == 0


def test_it_uses_the_same_few_queries_however_many_hazards_and_schools(
    world, categories, django_assert_max_num_queries
):
    for n in range(20):
        school = make_school(world.county_a, f"学校{n}", code=f"SX{n:03d}")
        for _i in range(3):
            _hazard(school, categories["fire"], state="rectifying", deadline=FOUND)
    root = Organization.objects.get(pk=world.county_a.pk)
    # headline, category groups, categories, severity, source, state, org groups, children
    with django_assert_max_num_queries(8):
        stats = hazard_stats(Hazard.objects.all(), today=TODAY, root=root)
    assert stats["found"] == 60 and stats["overdue"] == 60

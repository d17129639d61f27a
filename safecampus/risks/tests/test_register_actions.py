"""Building a register from the library, own points, assessments with history, and the
displayed level raised by an open major hazard."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from safecampus.hazards.models import Hazard
from safecampus.lib.errors import ActionError
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.roles import Role
from safecampus.risks import actions
from safecampus.risks.choices import Level, Reason
from safecampus.risks.models import LibraryItem, RiskPoint
from safecampus.risks.queries import displayed_level, get_point_for_user, visible_points

TODAY = datetime.date(2026, 9, 1)


@pytest.fixture
def library(lib):
    """Three entries of the tests' own (tests/helpers.py), the shipped library set aside."""
    return lib


def test_building_adds_the_entries_for_the_schools_kind_once(world, safety_officer, library):
    added = actions.do_build_register(safety_officer, world.school_a1, categories=[library["fire"]])
    assert added == 1  # the kindergarten entry is not for a primary school
    assert actions.do_build_register(safety_officer, world.school_a1) == 1  # the gate entry
    assert actions.do_build_register(safety_officer, world.school_a1) == 0  # nothing twice
    point = RiskPoint.objects.get(school=world.school_a1, library_item__code="T-F1")
    assert point.hazard == "灭火器过期失效" and point.control_measures == "每月检查"
    assert point.org_path == world.school_a1.path


def test_only_a_register_keeper_of_the_school_builds_it(
    world, teacher, county_viewer, other_county_officer, library
):
    for person in (teacher, county_viewer, other_county_officer):
        with pytest.raises(PermissionDenied):
            actions.do_build_register(person, world.school_a1)
    assert not RiskPoint.objects.exists()


def test_a_responsible_person_outside_the_school_is_refused(world, safety_officer, library):
    outsider = make_user("b_teacher", world.school_b1, Role.TEACHER)
    with pytest.raises(ActionError) as caught:
        actions.do_add_point(
            safety_officer,
            world.school_a1,
            category=library["fire"],
            hazard="配电箱未上锁",
            responsible=outsider,
        )
    assert "responsible" in caught.value.errors
    assert not RiskPoint.objects.exists()


def test_assessments_keep_history_and_show_a_rise(world, safety_officer, library):
    point = actions.do_add_point(
        safety_officer,
        world.school_a1,
        category=library["fire"],
        hazard="配电箱未上锁",
        responsible=safety_officer,
    )
    actions.do_assess(safety_officer, point, l="1", e="2", c="7", assessed_on=TODAY)
    point.refresh_from_db()
    assert point.level == Level.BLUE and not point.rose
    assert point.review_on == TODAY + datetime.timedelta(days=365)
    actions.do_assess(
        safety_officer,
        point,
        l="3",
        e="6",
        c="15",
        reason=Reason.INCIDENT,
        assessed_on=TODAY + datetime.timedelta(days=3),
    )
    point.refresh_from_db()
    assert point.level == Level.ORANGE and point.previous_level == Level.BLUE and point.rose
    assert [a.level for a in point.assessments.all()] == [Level.ORANGE, Level.BLUE]
    direct = actions.do_assess(
        safety_officer,
        point,
        l="1",
        e="1",
        c="1",
        direct_red_reason="曾发生严重事故",
        assessed_on=TODAY,
    )
    assert direct.scored_level == Level.BLUE and direct.level == Level.RED


def test_a_bad_factor_writes_nothing(world, safety_officer, library):
    point = actions.do_add_point(
        safety_officer, world.school_a1, category=library["fire"], hazard="x"
    )
    with pytest.raises(ActionError):
        actions.do_assess(safety_officer, point, l="4", e="6", c="7", assessed_on=TODAY)
    point.refresh_from_db()
    assert point.level == "" and not point.assessments.exists()


def test_an_open_major_hazard_shows_the_point_red(world, safety_officer, library, categories):
    point = actions.do_add_point(
        safety_officer, world.school_a1, category=library["gate"], hazard="围墙破损"
    )
    actions.do_assess(safety_officer, point, l="1", e="2", c="7", assessed_on=TODAY)
    hazard = Hazard.objects.create(
        org=world.school_a1,
        org_path=world.school_a1.path,
        source="self_check",
        category=next(iter(categories.values())),
        severity="major",
        title="围墙倒塌风险",
        found_on=TODAY,
        risk_point=point,
    )
    shown = get_point_for_user(safety_officer, point.pk)
    assert shown.level == Level.BLUE and displayed_level(shown) == Level.RED
    hazard.state = "closed"
    hazard.save(update_fields=["state"])
    assert displayed_level(get_point_for_user(safety_officer, point.pk)) == Level.BLUE


def test_points_are_seen_within_scope(
    world, safety_officer, other_county_officer, county_viewer, library
):
    actions.do_add_point(safety_officer, world.school_a1, category=library["fire"], hazard="x")
    assert visible_points(county_viewer).count() == 1
    assert visible_points(other_county_officer).count() == 0


def test_a_bureau_edit_of_its_own_entry_is_a_new_version(
    world, county_officer, safety_officer, library
):
    own = actions.do_save_library_item(
        county_officer,
        world.county_a,
        category=library["fire"],
        hazard_zh="锅炉房无人值守",
        consequences_zh="爆炸",
        measures_zh="专人值守",
        frequency="daily",
        school_kinds=["all"],
    )
    actions.do_build_register(safety_officer, world.school_a1)
    point = RiskPoint.objects.get(library_item=own)
    newer = actions.do_save_library_item(
        county_officer, world.county_a, item=own, measures_zh="专人值守，持证上岗"
    )
    own.refresh_from_db()
    assert (newer.code, newer.version, own.is_current) == (own.code, 2, False)
    point.refresh_from_db()
    assert point.library_item == own and point.control_measures == "专人值守"
    assert actions.do_build_register(safety_officer, world.school_a1) == 0
    standard = LibraryItem.objects.get(code="T-F1")
    with pytest.raises(ActionError):
        actions.do_save_library_item(county_officer, world.county_a, item=standard, hazard_zh="改")

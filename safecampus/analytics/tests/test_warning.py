"""Early warning (issue 5): each school's safety index from its risk points, hazards and
unsigned responsibility lists; the county roll-up; the page, the home panel and the API."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from safecampus.analytics.warning import area_rollup, school_warnings, warning_level
from safecampus.duties import actions as duty_actions
from safecampus.hazards.models import Hazard
from safecampus.lib.testing.factories import make_school, make_user
from safecampus.orgs.roles import Role
from safecampus.risks import actions as risk_actions
from safecampus.risks.choices import Level
from safecampus.risks.models import RiskCategory
from safecampus.settings import _named_numbers

TODAY = timezone.localdate()


def _hazard(school, categories, **fields):
    values = {
        "org": school,
        "org_path": school.path,
        "source": "self_check",
        "category": next(iter(categories.values())),
        "title": "隐患",
        "found_on": TODAY - datetime.timedelta(days=30),
        "state": "rectifying",
        **fields,
    }
    return Hazard.objects.create(**values)


def _point(actor, school, level_factors):
    fire, _ = RiskCategory.objects.get_or_create(
        code="fire", defaults={"name_zh": "消防安全", "name_en": "Fire"}
    )
    point = risk_actions.do_add_point(actor, school, category=fire, hazard="配电箱未上锁")
    if level_factors:
        likelihood, exposure, consequence = level_factors
        risk_actions.do_assess(
            actor, point, l=likelihood, e=exposure, c=consequence, assessed_on=TODAY
        )
    return point


RED, ORANGE, BLUE = ("10", "6", "7"), ("3", "6", "15"), ("1", "2", "7")


@pytest.fixture
def scene(world, safety_officer, school_principal, teacher, categories):
    """School A1: a red and an orange point, two open hazards (one overdue, one major) and
    one unsigned list. School B1: a blue point with an open major hazard raised from it."""
    a1, b1 = world.school_a1, world.school_b1
    _point(safety_officer, a1, RED)
    _point(safety_officer, a1, ORANGE)
    _hazard(a1, categories, deadline=TODAY - datetime.timedelta(days=2))
    _hazard(a1, categories, severity="major", deadline=TODAY + datetime.timedelta(days=9))
    _hazard(a1, categories, state="closed")  # closed: not counted
    post = duty_actions.do_create_post(school_principal, a1, name="班主任", duties=["晨检"])
    duty_actions.do_assign_post(school_principal, post, person=teacher)
    b1_officer = make_user("b1_officer", b1, Role.SAFETY_OFFICER)
    blue = _point(b1_officer, b1, BLUE)
    _hazard(b1, categories, severity="major", risk_point=blue)
    return world


def test_the_index_counts_each_factor_with_its_weight(scene):
    rows = {row.school.code: row for row in school_warnings(scene.city, TODAY)}
    a1 = rows["SA1"]
    assert a1.counts == {
        "red_points": 1,
        "orange_points": 1,
        "open_hazards": 2,
        "overdue_hazards": 1,
        "open_major_hazards": 1,
        "unsigned_lists": 1,
    }
    assert a1.index == 10 + 4 + 2 + 3 + 8 + 2 and a1.level == Level.ORANGE
    # the blue point counts as red while its major hazard is open
    b1 = rows["SB1"]
    assert b1.counts["red_points"] == 1 and b1.counts["open_major_hazards"] == 1
    assert b1.index == 10 + 1 + 8
    assert rows["SA2"].index == 0 and rows["SA2"].level == Level.BLUE
    ordered = [row.school.code for row in school_warnings(scene.city, TODAY)]
    assert ordered[:2] == ["SA1", "SB1"]


def test_the_roll_up_counts_the_schools_of_each_area(scene):
    rows = school_warnings(scene.city, TODAY)
    areas = {area.org.code if area.org else None: area for area in area_rollup(scene.city, rows)}
    assert areas["CA"].schools == 2 and areas["CA"].by_level[Level.ORANGE] == 1
    assert areas["CA"].highest_index == 29
    assert areas["CB"].by_level[Level.YELLOW] == 1  # 19: yellow from 8
    assert areas[None].schools == 1  # the city-direct school


def test_the_counts_take_the_same_queries_for_more_schools(scene, django_assert_num_queries):
    # schools, points, hazards, unsigned lists
    with django_assert_num_queries(4):
        school_warnings(scene.city, TODAY)
    for n in range(15):
        make_school(scene.county_b, f"新校{n}", code=f"NEW{n}")
    with django_assert_num_queries(4):
        assert len(school_warnings(scene.city, TODAY)) == 19


@pytest.mark.parametrize(
    ("index", "level"), [(0, "blue"), (8, "yellow"), (20, "orange"), (40, "red")]
)
def test_warning_levels_start_at_their_thresholds(index, level):
    assert warning_level(index) == level


def test_weights_must_name_every_factor_with_whole_numbers():
    assert _named_numbers("X", "a=1,b=2", ("a", "b")) == {"a": 1, "b": 2}
    for bad in ("a=1", "a=1,b=x", "a=1,b=2,c=3", "a=-1,b=2"):
        with pytest.raises(ImproperlyConfigured, match="X"):
            _named_numbers("X", bad, ("a", "b"))


def test_a_county_officer_sees_the_warning_page_of_the_county(scene, as_user, county_officer):
    client = as_user(county_officer)
    response = client.get(reverse("analytics:warning"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "东湖第一小学" in body and "西山中学" not in body
    assert response.context["rows"][0].index == 29
    red_only = client.get(reverse("analytics:warning"), {"level": "orange"})
    assert [row.school.code for row in red_only.context["rows"]] == ["SA1"]


def test_an_outsider_gets_404_and_someone_without_risk_view_403(
    scene, as_user, other_county_officer, django_user_model
):
    response = as_user(other_county_officer).get(
        reverse("analytics:warning"), {"org": scene.county_a.pk}
    )
    assert response.status_code == 404
    nobody = django_user_model.objects.create_user("nobody", password="x-Y-z-12345")
    assert as_user(nobody).get(reverse("analytics:warning")).status_code == 403


def test_the_red_warning_schools_open_the_home_page_of_a_bureau(
    scene, as_user, city_admin, categories
):
    for _ in range(3):  # two more major hazards push school A1 over 40
        _hazard(scene.school_a1, categories, severity="major")
    response = as_user(city_admin).get("/")
    assert response.status_code == 200
    assert [row.school.code for row in response.context["red_warnings"]] == ["SA1"]
    body = response.content.decode()
    assert body.index('id="red-warnings"') < body.index('id="summary-cards"')


def test_the_api_gives_the_same_numbers(scene, as_user, county_viewer, other_county_officer):
    data = as_user(county_viewer).get("/api/v1/warning").json()
    assert data["root_id"] == scene.county_a.pk
    first = data["schools"][0]
    assert (first["school"], first["index"], first["level"]) == ("东湖第一小学", 29, "orange")
    assert (
        as_user(other_county_officer).get("/api/v1/warning", {"org": scene.county_a.pk}).status_code
        == 404
    )


def test_the_home_summary_agrees_with_the_full_list(scene, categories):
    from safecampus.analytics.warning import warning_summary

    for _ in range(3):
        _hazard(scene.school_a1, categories, severity="major")
    rows = school_warnings(scene.city, TODAY)
    summary = warning_summary(scene.city, TODAY, top=10)
    assert summary.by_level == {
        level: sum(row.level == level for row in rows)
        for level in ("red", "orange", "yellow", "blue")
    }
    assert [row.school.code for row in summary.red] == ["SA1"]
    assert summary.red[0].index == next(r.index for r in rows if r.school.code == "SA1")


def test_closed_schools_and_bureau_posts_do_not_count(scene, city_admin):
    from safecampus.orgs.models import Organization

    post = duty_actions.do_create_post(city_admin, scene.city, name="分管副局长", duties=["督导"])
    duty_actions.do_assign_post(city_admin, post, person=city_admin)
    Organization.objects.filter(pk=scene.school_b1.pk).update(status="closed")
    codes = {row.school.code for row in school_warnings(scene.city, TODAY)}
    assert "SB1" not in codes and scene.city.code not in codes

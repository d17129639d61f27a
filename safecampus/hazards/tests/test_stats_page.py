"""/hazards/stats/ and /api/v1/hazards/stats: the same numbers as the ledger, filtered alike."""

import datetime

import pytest
from django.test import Client

from safecampus.hazards import actions
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.queries import visible_hazards
from safecampus.hazards.tests.helpers import FOUND, jpeg, report
from safecampus.lib.testing.factories import make_school, make_user

PAGE = "/hazards/stats/"
API = "/api/v1/hazards/stats"
DEADLINE = FOUND + datetime.timedelta(days=7)  # long past: open ones are overdue


def _ledger_count(user, params):
    return HazardFilter(params, queryset=visible_hazards(user)).qs.count()


@pytest.fixture
def year(world, categories, teacher, safety_officer, school_principal, guard):
    """A spread of hazards over two months and both counties, in every kind of state."""
    b_teacher = make_user("b_teacher", world.school_b1, "teacher")
    d_teacher = make_user("d_teacher", world.direct_school, "teacher")
    april = FOUND + datetime.timedelta(days=31)
    rows = {
        "reported": report(teacher, world.school_a1, categories),
        "overdue": report(guard, world.school_a1, categories, category=categories["food"]),
        "closed": report(teacher, world.school_a1, categories, found_on=april),
        "dismissed": report(teacher, world.school_a1, categories, source="public"),
        "immediate": report(
            teacher,
            world.school_a1,
            categories,
            rectification_type="immediate",
            photos=[("before", jpeg()), ("after", jpeg())],
        ),
        "major": report(guard, world.school_a1, categories, severity="major", found_on=april),
        "b1": report(b_teacher, world.school_b1, categories),
        "d1": report(d_teacher, world.direct_school, categories, found_on=april),
    }
    actions.do_assign(safety_officer, rows["overdue"], responsible=teacher, deadline=DEADLINE)
    h = actions.do_assign(safety_officer, rows["closed"], responsible=teacher, deadline=april)
    h = actions.do_submit(teacher, h, note="done")
    actions.do_verify(school_principal, h, opinion="ok")
    actions.do_dismiss(safety_officer, rows["dismissed"], reason="不是隐患")
    return rows


def _page_stats(client, params=None):
    response = client.get(PAGE, params or {})
    assert response.status_code == 200
    return response.context["stats"]


# --- the page ------------------------------------------------------------------------------


def test_the_page_counts_the_active_orgs_subtree_like_the_ledger(
    as_user, county_officer, year, world
):
    stats = _page_stats(as_user(county_officer))

    assert stats["found"] == _ledger_count(county_officer, {"org": world.county_a.pk}) == 6
    assert (stats["closed"], stats["dismissed"], stats["in_rectification"]) == (1, 1, 4)
    assert stats["overdue"] == _ledger_count(
        county_officer, {"org": world.county_a.pk, "overdue": "true"}
    )
    # The one assigned in March; the fix on the spot awaiting verification is not overdue
    # (its fix is done), and the ledger's overdue filter agrees.
    assert stats["overdue"] == 1
    assert stats["immediate"] == 1 and stats["rectification_rate"] == 0.2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"found_from": "2026-04-01", "found_to": "2026-04-30"},
        {"found_to": "2026-03-31", "category": "food"},
        {"severity": "major"},
        {"state": ["closed", "dismissed"]},
        {"source": "public", "open": "false"},
        {"q": "灭火器", "supervised": "false"},
    ],
)
def test_every_filter_gives_the_same_count_on_the_page_the_api_and_the_ledger(
    as_user, city_admin, year, world, categories, params
):
    params = {**params, "org": world.city.pk}
    if params.get("category"):
        params["category"] = categories[params["category"]].pk
    client = as_user(city_admin)
    page = _page_stats(client, params)
    api = client.get(API, params).json()

    assert page["found"] == api["found"] == _ledger_count(city_admin, params)
    overdue = {**params, "overdue": "true"}
    assert page["overdue"] == api["overdue"] == _ledger_count(city_admin, overdue)
    for name in ("closed", "in_rectification", "rectification_rate", "on_time_rate"):
        assert page[name] == api[name], name


def test_the_city_sees_a_row_per_county_and_one_for_its_direct_schools(
    as_user, city_admin, year, world
):
    response = as_user(city_admin).get(PAGE)
    rows = response.context["stats"]["by_org"]

    assert [(r["org"], r["found"]) for r in rows] == [
        (world.county_a, 6),
        (world.county_b, 1),
        (None, 1),
    ]
    html = response.content.decode()
    assert f"?org={world.county_a.pk}" in html  # an area drills down to its own statistics
    assert 'id="stats-by-category"' in html and 'id="card-overdue"' in html


def test_each_number_links_to_the_ledger_rows_behind_it(as_user, county_officer, year, world):
    response = as_user(county_officer).get(PAGE, {"severity": "general"})
    cards = {card["key"]: card for card in response.context["headline"]}

    assert cards["overdue"]["url"] == f"/hazards/?severity=general&org={world.county_a.pk}" + (
        "&overdue=true"
    )
    assert cards["major"]["url"] is None  # major AND general: nothing to list
    assert cards["rectification_rate"]["value"] == "25.0%"  # 1 closed of 5 general − 1 dismissed


def test_a_school_user_sees_the_schools_numbers_only(as_user, teacher, year, world):
    stats = _page_stats(as_user(teacher))

    assert stats["found"] == _ledger_count(teacher, {}) == 6
    assert stats["by_org"] == []


def test_the_outsider_gets_nothing_of_another_county(as_user, other_county_officer, year, world):
    client = as_user(other_county_officer)
    stats = _page_stats(client, {"org": world.county_a.pk})
    assert stats["found"] == 0 and stats["by_org"] == []
    api = client.get(API, {"org": world.county_a.pk}).json()
    assert api["found"] == 0 and api["root"] is None and api["by_org"] == []
    assert _page_stats(client)["found"] == 1  # its own county


def test_a_read_only_viewer_may_read_the_statistics(as_user, county_viewer, year):
    assert _page_stats(as_user(county_viewer))["found"] == 6
    assert as_user(county_viewer).get(API).status_code == 200


def test_without_a_role_it_is_403_and_without_a_login_a_redirect(as_user, world):
    nobody = as_user(make_user("nobody"))
    assert nobody.get(PAGE).status_code == 403
    assert nobody.get(API).status_code == 403
    assert Client().get(PAGE).status_code == 302
    assert Client().get(API).status_code == 401


def test_the_page_makes_the_same_few_queries_however_many_schools_and_hazards(
    as_user, county_officer, world, categories, django_assert_max_num_queries
):
    for n in range(15):
        school = make_school(world.county_a, f"学校{n}", code=f"SX{n:03d}")
        report(make_user(f"t{n}", school, "teacher"), school, categories)
    client = as_user(county_officer)
    client.get(PAGE)  # the first request of a session also writes the session
    # session, user, scope, active org, pickers, root, `org` filter, the 8 of hazard_stats,
    # the page shell (org switcher, inbox count), the category choices
    with django_assert_max_num_queries(18):
        response = client.get(PAGE, {"found_from": "2026-01-01"})
    assert response.context["stats"]["found"] == 15
    assert len(response.context["stats"]["by_org"]) == 17


# --- the API -------------------------------------------------------------------------------


def test_the_api_gives_the_breakdowns_of_the_callers_area(as_user, city_admin, year, world):
    body = as_user(city_admin).get(API).json()

    assert body["root"]["id"] == world.city.pk and body["found"] == 8
    assert [row["org"]["code"] if row["org"] else None for row in body["by_org"]] == [
        "CA",
        "CB",
        None,
    ]
    assert [row["key"] for row in body["by_org"]] == [
        str(world.county_a.pk),
        str(world.county_b.pk),
        "direct",
    ]
    category = {row["key"]: row["found"] for row in body["by_category"]}
    assert category["fire"] == 7 and category["food"] == 1
    assert {row["key"] for row in body["by_state"]} >= {"reported", "closed", "dismissed"}
    assert body["today"] and body["rectification_rate"] == round(1 / 7, 4)


def test_the_api_refuses_an_invalid_filter(as_user, city_admin, year):
    response = as_user(city_admin).get(API, {"found_from": "spring", "severity": "huge"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"found_from", "severity"}


def test_the_api_makes_the_same_few_queries_however_many_schools_and_hazards(
    as_user, city_admin, world, categories, django_assert_max_num_queries
):
    for n in range(15):
        school = make_school(world.county_a, f"学校{n}", code=f"SX{n:03d}")
        report(make_user(f"t{n}", school, "teacher"), school, categories)
    client = as_user(city_admin)
    client.get(API)
    # session, user, scope, `org` filter, root, then the 8 of hazard_stats
    with django_assert_max_num_queries(13):
        body = client.get(API, {"org": world.county_a.pk}).json()
    assert body["found"] == 15 and len(body["by_org"]) == 17

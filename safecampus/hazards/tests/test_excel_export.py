"""Exporting the hazard ledger to Excel: exactly the ledger's rows, safe cells, per persona."""

import datetime
from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.audit.models import AuditEvent
from safecampus.hazards import actions
from safecampus.hazards.export import EXPORT_HEADER
from safecampus.hazards.tests.helpers import report
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.models import Membership
from safecampus.orgs.roles import Role

LONG_AGO = datetime.date(2025, 1, 1)
FAR_AHEAD = datetime.date(2099, 12, 31)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sheet_rows(response):
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


def exported_numbers(client, params=None):
    return [r[0] for r in sheet_rows(client.get(reverse("hazards:export"), params or {}))[1:]]


def ledger_numbers(client, params=None):
    response = client.get(reverse("hazards:ledger"), params or {})
    assert response.status_code == 200
    return [h.number for h in response.context["hazards"]]


@pytest.fixture
def hazards(world, categories, city_admin, city_staff, teacher, safety_officer):
    """One hazard per state and school: reported, overdue, on time, closed, a formula title."""
    reported = report(teacher, world.school_a1, categories)
    overdue = report(
        city_admin, world.school_a2, categories, category=categories["traffic"], found_on=LONG_AGO
    )
    actions.do_assign(
        city_admin, overdue, responsible=city_staff, deadline=LONG_AGO + datetime.timedelta(9)
    )
    on_time = report(city_admin, world.school_b1, categories, category=categories["food"])
    actions.do_assign(city_admin, on_time, responsible=city_staff, deadline=FAR_AHEAD)
    closed = report(city_admin, world.direct_school, categories, title="=HYPERLINK(1)")
    closed = actions.do_assign(city_admin, closed, responsible=city_staff, deadline=FAR_AHEAD)
    closed = actions.do_submit(city_staff, closed, note="已更换")
    closed = actions.do_verify(city_admin, closed, opinion="合格")
    return {"reported": reported, "overdue": overdue, "on_time": on_time, "closed": closed}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"overdue": "true"},
        {"overdue": "false"},
        {"category": "fire"},
        {"state": ["assigned", "closed"]},
        {"org": "county_a"},
        {"org": "county_b", "state": "assigned"},
        {"open": "false"},
        {"q": "灭火器"},
        {"sort": "deadline"},
        {"found_from": "2026-01-01", "severity": "general"},
    ],
)
def test_the_export_has_exactly_the_ledger_rows_for_the_same_filters(
    as_user, city_admin, world, categories, hazards, params
):
    client = as_user(city_admin)
    params = dict(params)
    if params.get("org"):
        params["org"] = getattr(world, params["org"]).pk
    if params.get("category"):
        params["category"] = categories[params["category"]].pk
    listed = ledger_numbers(client, params)
    assert exported_numbers(client, params) == listed


def test_it_filters_as_described(as_user, city_admin, world, hazards):
    client = as_user(city_admin)
    assert exported_numbers(client, {"overdue": "true"}) == [hazards["overdue"].number]
    under_a = exported_numbers(client, {"org": world.county_a.pk})
    assert set(under_a) == {hazards["reported"].number, hazards["overdue"].number}


def test_a_county_viewer_exports_the_ledger_of_the_active_org(as_user, county_viewer, hazards):
    numbers = exported_numbers(as_user(county_viewer))
    assert set(numbers) == {hazards["reported"].number, hazards["overdue"].number}


def test_the_cells_are_labelled_in_the_current_language_with_dates_as_dates(
    as_user, city_admin, city_staff, hazards
):
    rows = sheet_rows(english(as_user(city_admin)).get(reverse("hazards:export")))
    assert rows[0] == [f"{zh} / {en}" for zh, en, _width in EXPORT_HEADER]
    names = [en for _zh, en, _w in EXPORT_HEADER]
    by_number = {row[0]: dict(zip(names, row, strict=True)) for row in rows[1:]}
    overdue = by_number[hazards["overdue"].number]
    assert overdue["School"] == "东湖阳光幼儿园" and overdue["County"] == "东湖区"
    assert overdue["Category"] == "Traffic" and overdue["State"] == "Assigned"
    assert overdue["Overdue"] == "Yes" and overdue["Responsible"] == str(city_staff)
    assert isinstance(overdue["Found on"], datetime.datetime)
    assert overdue["Found on"].date() == LONG_AGO
    assert overdue["Deadline"].date() == datetime.date(2025, 1, 10)
    closed = by_number[hazards["closed"].number]
    assert not closed["County"] and closed["State"] == "Closed" and closed["Overdue"] == "No"
    assert closed["Verifier"] and closed["Verification opinion"] == "合格"
    assert closed["Rectification done"] == "已更换" and closed["Closed on"] is not None
    # A title that a spreadsheet would run as a formula is written as text.
    assert closed["Title"] == "'=HYPERLINK(1)"


def test_the_labels_follow_chinese_by_default(as_user, city_admin, hazards):
    rows = sheet_rows(as_user(city_admin).get(reverse("hazards:export")))
    categories = {row[3] for row in rows[1:]}
    assert "消防安全" in categories


def test_the_export_is_audited_with_filters_and_row_count(as_user, city_admin, world, hazards):
    client = as_user(city_admin)
    sheet_rows(client.get(reverse("hazards:export"), {"overdue": "true"}))
    event = AuditEvent.objects.get(verb="hazard.export")
    assert event.actor == city_admin and event.changes["rows"] == 1
    assert event.changes["filters"]["overdue"] == "true"
    assert event.changes["filters"]["org"] == str(world.city.pk)


def test_a_teacher_may_not_export(as_user, teacher, hazards):
    assert as_user(teacher).get(reverse("hazards:export")).status_code == 403
    assert not AuditEvent.objects.filter(verb="hazard.export").exists()


def test_an_outsider_gets_no_rows_of_another_county(as_user, other_county_officer, world, hazards):
    client = as_user(other_county_officer)
    assert exported_numbers(client, {"org": world.county_a.pk}) == []
    assert exported_numbers(client) == [hazards["on_time"].number]


def test_a_stranger_is_sent_to_login(client, hazards):
    response = client.get(reverse("hazards:export"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_bad_filter_value_exports_what_the_ledger_shows(as_user, city_admin, hazards):
    client = as_user(city_admin)
    params = {"state": "nonsense", "found_from": "not-a-date"}
    assert exported_numbers(client, params) == ledger_numbers(client, params)


def test_only_schools_where_the_user_may_export_are_exported(as_user, world, hazards):
    # A teacher at school A1 who is also a viewer at county B sees both in the ledger, but
    # may export only county B's hazards (a teacher may not export).
    person = make_user("two_hats", world.school_a1, Role.TEACHER)
    Membership.objects.create(user=person, org=world.county_b, role=Role.VIEWER)
    client = as_user(person)
    assert ledger_numbers(client, {"org": world.school_a1.pk}) == [hazards["reported"].number]
    assert exported_numbers(client, {"org": world.school_a1.pk}) == []
    assert exported_numbers(client, {"org": world.county_b.pk}) == [hazards["on_time"].number]


def test_the_export_costs_the_same_queries_for_more_rows(
    as_user, city_admin, world, categories, hazards, django_assert_max_num_queries
):
    client = as_user(city_admin)
    with django_assert_max_num_queries(17):
        first = sheet_rows(client.get(reverse("hazards:export")))
    for index in range(20):
        report(city_admin, world.school_a2, categories, title=f"隐患{index}")
    with django_assert_max_num_queries(17):
        second = sheet_rows(client.get(reverse("hazards:export")))
    assert len(second) == len(first) + 20

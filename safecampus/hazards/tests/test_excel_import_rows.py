"""The ledger import's checks, row by row: every mistake is named on its row, nothing written."""

import datetime

import pytest
from django.conf import settings
from openpyxl.utils.datetime import to_excel

from safecampus.hazards.ledger_file import import_key, parse_date
from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.excel_helpers import dry_run, errors_of, ledger_row, statuses
from safecampus.lib.testing.factories import make_school, make_user
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.models import Membership
from safecampus.orgs.roles import Role


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def officer(as_user, county_officer, categories):
    return english(as_user(county_officer))


def only_row(response):
    (row,) = response.context["plan"].rows
    return row


@pytest.mark.parametrize("category", ["fire", "消防安全", "Fire", " FIRE ", "ｆｉｒｅ"])
def test_a_category_is_found_by_code_or_chinese_or_english_name(officer, category):
    row = only_row(dry_run(officer, [ledger_row(category=category)]))
    assert row.status == "new" and row.row.values["category"].code == "fire"


@pytest.mark.parametrize(
    ("written", "state"),
    [
        ("已上报", "reported"),
        ("reported", "reported"),
        ("已交办", "assigned"),
        ("Assigned", "assigned"),
        ("整改中", "rectifying"),
        ("待验收", "awaiting_verification"),
        ("awaiting", "awaiting_verification"),
        ("Awaiting verification", "awaiting_verification"),
        ("已销号", "closed"),
        ("closed", "closed"),
    ],
)
def test_a_state_is_read_in_chinese_or_english(officer, county_staff, written, state):
    closed = state == "closed"
    cells = {"state": written, "responsible": county_staff.username}
    if not closed:
        cells["closed_on"] = ""
    row = only_row(dry_run(officer, [ledger_row(**cells)]))
    assert row.status == "new", row.errors
    assert row.row.values["state"] == state


@pytest.mark.parametrize("state", ["dismissed", "Not a hazard", "done-ish"])
def test_other_states_are_refused(officer, state):
    response = dry_run(officer, [ledger_row(state=state)])
    assert response.status_code == 422 and statuses(response) == ["error"]


def test_severity_and_source_are_read_in_either_language(officer):
    cells = {"severity": "重大隐患", "source": "County inspection"}
    row = only_row(dry_run(officer, [ledger_row(**cells)]))
    assert (row.row.values["severity"], row.row.values["source"]) == ("major", "county_inspection")
    bad = dry_run(officer, [ledger_row(severity="huge")])
    assert "not one of the values" in errors_of(bad, 2)[0]


@pytest.mark.parametrize(
    "found",
    [
        datetime.datetime(2026, 3, 2),
        "2026-03-02",
        "2026/3/2",
        "2026.3.2",
        "2026年3月2日",
        to_excel(datetime.datetime(2026, 3, 2)),
    ],
)
def test_dates_are_read_from_excel_dates_and_common_text(officer, found):
    row = only_row(dry_run(officer, [ledger_row(found_on=found)]))
    assert row.row.values["found_on"] == datetime.date(2026, 3, 2)


@pytest.mark.parametrize("text", ["next week", "2026-13-01", "3/2/2026", "12"])
def test_a_date_that_cannot_be_read_is_named(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_an_unreadable_date_is_an_error_on_its_row(officer):
    response = dry_run(officer, [ledger_row(found_on="soon")])
    assert "is not a date" in errors_of(response, 2)[0]


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        ({"deadline": "2026-03-01"}, "deadline cannot be before"),
        ({"closed_on": ""}, "needs the date it was closed"),
        ({"closed_on": "2026-03-01"}, "cannot be before the date it was found"),
        ({"closed_on": "2099-01-01"}, "cannot be in the future"),
        ({"found_on": "2099-01-01", "deadline": "", "closed_on": ""}, "cannot be in the future"),
        ({"state": "整改中", "closed_on": "2026-03-06"}, "Only a closed hazard"),
        ({"state": "已交办", "closed_on": ""}, "needs a responsible person"),
        ({"state": "整改中", "deadline": "", "closed_on": ""}, "needs a deadline"),
        ({"found_on": ""}, "required"),
        ({"title": ""}, "required"),
        ({"title": "长" * 121}, "At most 120"),
        ({"category": "earthquake"}, "is not a category"),
    ],
)
def test_each_rule_is_named_on_its_row_and_nothing_is_written(officer, cells, words):
    response = dry_run(officer, [ledger_row(), ledger_row(**{"title": "另一处", **cells})])
    assert response.status_code == 422
    assert statuses(response) == ["new", "error"]
    assert any(words in message for message in errors_of(response, 3)), errors_of(response, 3)
    assert response.context["batch"] is None and Hazard.objects.count() == 0


def test_the_responsible_person_must_hold_a_role_at_the_school_or_above(
    officer, county_staff, safety_officer, other_county_officer
):
    good = dry_run(officer, [ledger_row(responsible=county_staff.username)])
    assert statuses(good) == ["new"]
    same_school = dry_run(officer, [ledger_row(responsible=safety_officer.username)])
    assert statuses(same_school) == ["new"]
    elsewhere = dry_run(officer, [ledger_row(school="SA2", responsible=safety_officer.username)])
    unknown = dry_run(officer, [ledger_row(responsible="nobody")])
    outsider = dry_run(officer, [ledger_row(responsible=other_county_officer.username)])
    for response in (elsewhere, unknown, outsider):
        assert statuses(response) == ["error"]
        assert "holds a role at this school" in errors_of(response, 2)[0]


def test_an_inactive_person_cannot_be_responsible(officer, county_staff):
    county_staff.is_active = False
    county_staff.save()
    response = dry_run(officer, [ledger_row(responsible=county_staff.username)])
    assert statuses(response) == ["error"]


def test_a_school_outside_the_area_reads_like_a_school_that_does_not_exist(officer):
    outside = dry_run(officer, [ledger_row(school="SB1")])
    missing = dry_run(officer, [ledger_row(school="NOPE")])
    assert errors_of(outside, 2) == ["No school with code SB1 in your area."]
    assert errors_of(missing, 2) == ["No school with code NOPE in your area."]


def test_a_school_seen_without_the_import_capability_is_refused(as_user, world, categories):
    person = make_user("mixed", world.county_a, Role.COUNTY_ADMIN)
    Membership.objects.create(user=person, org=world.county_b, role=Role.VIEWER)
    response = dry_run(english(as_user(person)), [ledger_row(school="SB1")])
    assert errors_of(response, 2) == ["You may not import hazards at SB1."]


def test_a_closed_school_takes_no_imports(officer, world):
    closed = make_school(world.county_a, "已撤并小学", code="SA9", status=OrgStatus.CLOSED)
    response = dry_run(officer, [ledger_row(school=closed.code)])
    assert "is closed" in errors_of(response, 2)[0]


def test_a_row_repeated_in_the_file_is_an_error_on_the_repeat(officer):
    response = dry_run(officer, [ledger_row(), ledger_row(title="灭火器过期 ")])
    assert statuses(response) == ["new", "error"]
    assert "repeats row 2" in errors_of(response, 3)[0]


def test_headers_may_be_chinese_or_english_alone_and_unknown_columns_are_listed(officer):
    header = [
        "学校代码",
        "Category",
        "隐患等级",
        "Source",
        "隐患名称",
        "描述",
        "部位",
        "Found on",
        "状态",
        "责任人",
        "整改时限",
        "整改情况",
        "销号日期",
        "备注",
    ]
    response = dry_run(officer, [ledger_row()], header=header)
    assert statuses(response) == ["new"]
    assert response.context["plan"].ignored_columns == ["备注"]


def test_the_import_key_ignores_spacing_and_width():
    found = datetime.date(2026, 3, 2)
    assert import_key("SA1", "灭火器 过期", found, "二楼") == import_key(
        "SA1", "灭火器过期", found, " 二 楼 "
    )
    assert import_key("SA1", "灭火器过期", found, "二楼") != import_key(
        "SA2", "灭火器过期", found, "二楼"
    )

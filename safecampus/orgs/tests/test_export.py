"""Exporting the organisation list to Excel: same rows as the list, safe cells, per persona."""

from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from safecampus.audit.models import AuditEvent
from safecampus.lib.testing.factories import make_school
from safecampus.orgs.choices import Level
from safecampus.orgs.importer import COLUMNS
from safecampus.orgs.models import Organization
from safecampus.orgs.tree import bulk_add_children


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def sheet_rows(response):
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


def exported_codes(client, params=None):
    return [r[1] for r in sheet_rows(client.get(reverse("orgs:export"), params or {}))[1:]]


def listed_codes(client, params=None):
    return [o.code for o in client.get(reverse("orgs:list"), params or {}).context["page"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"level": "school"},
        {"school_kind": "kindergarten", "licensed": "false"},
        {"under": "county_b"},
        {"level": "school", "status": "active", "ownership": "public", "boarding": "false"},
        {"level": "castle"},
    ],
)
def test_the_export_has_exactly_the_rows_of_the_list_for_the_same_filters(
    as_user, city_admin, world, params
):
    params = {k: getattr(world, v).pk if k == "under" else v for k, v in params.items()}
    client = as_user(city_admin)
    codes = exported_codes(client, params)
    assert codes == listed_codes(client, params)
    assert codes or params == {"level": "castle"}


def test_without_filters_it_exports_the_active_org_like_the_list(as_user, county_officer, world):
    client = as_user(county_officer)
    assert exported_codes(client) == ["CA", "SA1", "SA2"] == listed_codes(client)


def test_the_header_is_bilingual_and_labels_follow_the_current_language(
    as_user, county_viewer, world
):
    rows = sheet_rows(english(as_user(county_viewer)).get(reverse("orgs:export")))
    assert rows[0] == [
        *(c.export_header for c in COLUMNS),
        "层级 / Level",
        "状态 / Status",
    ]
    assert "学校代码 / Code" not in rows[0] and "单位代码 / Code" in rows[0]
    by_code = {r[1]: r for r in rows[1:]}
    # The county is the viewer's top org: its parent (the city) is not shown.
    assert by_code["CA"][0] is None and by_code["CA"][13] == "County/district bureau"
    assert by_code["SA2"][:6] == ["CA", "SA2", "东湖阳光幼儿园", "Kindergarten", "Public", "No"]
    assert by_code["SA2"][10:] == [120, 60, "No", "School", "Active"]


def test_the_file_name_has_the_date(as_user, county_officer, world):
    response = as_user(county_officer).get(reverse("orgs:export"))
    assert (
        f"organisations-{timezone.localdate():%Y-%m-%d}.xlsx" in (response["Content-Disposition"])
    )


def test_cells_that_look_like_formulas_are_escaped(as_user, county_officer, world):
    make_school(
        world.county_a,
        '=HYPERLINK("http://evil","x")',
        code="SA9",
        principal_name="@SUM(A1)",
        safety_officer_name="-1+1",
        phone="+86 571 1234",
        address="\tcmd",
    )
    response = as_user(county_officer).get(reverse("orgs:export"), {"level": "school"})
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    row = next(r for r in workbook.worksheets[0].iter_rows() if r[1].value == "SA9")
    cells = {cell.column_letter: cell for cell in row}
    assert cells["C"].value == '\'=HYPERLINK("http://evil","x")'
    assert cells["C"].data_type == "s"
    assert cells["H"].value == "'@SUM(A1)" and cells["I"].value == "'-1+1"
    assert cells["J"].value == "'+86 571 1234" and cells["G"].value == "'\tcmd"
    assert cells["K"].value == 800 and cells["K"].data_type == "n"


def test_a_read_only_viewer_may_export_and_a_teacher_may_not(
    as_user, county_viewer, county_inspector, teacher, world
):
    assert as_user(county_viewer).get(reverse("orgs:export")).status_code == 200
    assert as_user(county_inspector).get(reverse("orgs:export")).status_code == 200
    assert as_user(teacher).get(reverse("orgs:export")).status_code == 403
    assert not AuditEvent.objects.filter(verb="org.export", actor=teacher).exists()


def test_an_outsider_exporting_another_county_gets_no_rows(as_user, other_county_officer, world):
    client = as_user(other_county_officer)
    assert exported_codes(client, {"under": world.county_a.pk}) == []
    assert exported_codes(client, {"level": "school"}) == ["SB1"]


def test_anonymous_people_are_sent_to_log_in(client, world):
    response = client.get(reverse("orgs:export"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_export_is_audited_with_its_filters_and_row_count(as_user, city_admin, world):
    as_user(city_admin).get(reverse("orgs:export"), {"level": "school", "page": "2"})
    event = AuditEvent.objects.get(verb="org.export")
    assert event.actor == city_admin
    assert event.changes["rows"] == 4
    assert event.changes["filters"] == {"level": "school", "under": str(world.city.pk)}


def test_the_number_of_queries_does_not_grow_with_the_rows(
    as_user, city_admin, world, django_assert_max_num_queries
):
    client = as_user(city_admin)
    client.get(reverse("orgs:list"))  # session and login bookkeeping out of the way
    with django_assert_max_num_queries(12):
        assert len(exported_codes(client, {"level": "school"})) == 4
    bulk_add_children(
        world.county_b,
        [Organization(level=Level.SCHOOL, code=f"SB{n:03d}", name=f"学校{n}") for n in range(300)],
    )
    with django_assert_max_num_queries(12):
        assert len(exported_codes(client, {"level": "school"})) == 304

"""Importing schools from Excel: template, dry run, commit (all or nothing), per persona."""

from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from safecampus.audit.models import AuditEvent
from safecampus.orgs import actions
from safecampus.orgs.importer import COLUMNS
from safecampus.orgs.models import Campus, ImportBatch, Organization
from safecampus.orgs.tree import parent_of

HEADER = [column.header for column in COLUMNS]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def row(code, parent="CA", **cells):
    values = {
        "name": f"学校{code}",
        "kind": "小学",
        "ownership": "公办",
        "licensed": "是",
        "address": "人民路1号",
        "principal": "王校长",
        "officer": "李主任",
        "phone": "0571-1234567",
        "students": 500,
        "staff": 40,
        "boarding": "否",
    }
    values.update(cells)
    return [
        parent,
        code,
        values["name"],
        values["kind"],
        values["ownership"],
        values["licensed"],
        values["address"],
        values["principal"],
        values["officer"],
        values["phone"],
        values["students"],
        values["staff"],
        values["boarding"],
    ]


def xlsx(rows, header=HEADER, name="schools.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(client, file):
    return client.post(reverse("orgs:import"), {"file": file})


def commit(client, batch):
    return client.post(reverse("orgs:import_commit", args=[batch.pk]))


def counts():
    return (
        Organization.objects.count(),
        Campus.objects.count(),
        AuditEvent.objects.filter(verb__startswith="org.").count(),
    )


def errors_by_row(response):
    return {r.number: r.errors for r in response.context["plan"].rows if r.errors}


# --- template --------------------------------------------------------------------------------


def test_it_offers_a_template_with_bilingual_headers_and_an_example_row(
    as_user, county_officer, world
):
    response = as_user(county_officer).get(reverse("orgs:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    schools, help_sheet = workbook.worksheets
    rows = list(schools.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert "学校代码 / Code" in rows[0] and "上级单位代码 / Parent org code" in rows[0]
    assert rows[1][0] == "CA" and len(rows) == 2
    help_text = {v for r in help_sheet.iter_rows(values_only=True) for v in r if v}
    assert {"幼儿园", "Kindergarten", "kindergarten", "公办", "Private", "CA"} <= help_text


def test_the_template_as_downloaded_passes_the_dry_run(as_user, county_officer, world):
    client = as_user(county_officer)
    template = b"".join(client.get(reverse("orgs:import_template")).streaming_content)
    response = upload(client, SimpleUploadedFile("template.xlsx", template))
    assert response.status_code == 200
    assert [r.status for r in response.context["plan"].rows] == ["new"]


@pytest.mark.parametrize("persona", ["teacher", "county_viewer", "school_principal"])
def test_people_without_the_import_capability_get_403_and_nothing_is_written(
    as_user, persona, request, world
):
    client = as_user(request.getfixturevalue(persona))
    before = counts()
    assert client.get(reverse("orgs:import")).status_code == 403
    assert client.get(reverse("orgs:import_template")).status_code == 403
    assert upload(client, xlsx([row("SA9")])).status_code == 403
    assert counts()[:2] == before[:2]
    assert not ImportBatch.objects.exists()


# --- dry run and commit ----------------------------------------------------------------------


def test_a_good_file_imports_every_school_under_its_parent_with_a_main_campus(
    as_user, city_admin, world
):
    client = as_user(city_admin)
    file = xlsx(
        [
            row("SA9", "CA", kind="幼儿园", licensed="无证"),
            row("SB9", "CB", kind="Junior secondary school", ownership="Private"),
            row("SD9", "CITY", kind="senior", ownership="public", boarding="yes"),
        ]
    )
    response = upload(client, file)
    assert response.status_code == 200
    assert [r.status for r in response.context["plan"].rows] == ["new", "new", "new"]
    assert not Organization.objects.filter(code__in=["SA9", "SB9", "SD9"]).exists()
    batch = ImportBatch.objects.get()
    assert batch.created_by == city_admin
    assert batch.file.name.startswith(f"imports/{city_admin.pk}/")

    response = commit(client, batch)
    assert response.status_code == 302
    sa9, sb9, sd9 = (Organization.objects.get(code=c) for c in ("SA9", "SB9", "SD9"))
    assert [parent_of(s) for s in (sa9, sb9, sd9)] == [world.county_a, world.county_b, world.city]
    assert (sa9.school_kind, sa9.licensed) == ("kindergarten", False)
    assert (sb9.school_kind, sb9.ownership) == ("junior", "private")
    assert (sd9.school_kind, sd9.boarding, sd9.students) == ("senior", True, 500)
    for school in (sa9, sb9, sd9):
        assert list(school.campuses.values_list("name", "is_main")) == [(school.name, True)]
    world.county_a.refresh_from_db()
    assert world.county_a.numchild == 3
    event = AuditEvent.objects.get(verb="org.import")
    assert event.changes["created"] == 3 and event.changes["sha256"] == batch.sha256
    assert event.org == world.city and event.changes["parents"] == "CA, CB, CITY"
    assert AuditEvent.objects.filter(verb="org.create").count() == 3
    batch.refresh_from_db()
    assert batch.is_committed and batch.created == 3


def test_a_school_added_later_by_hand_gets_a_free_path(as_user, county_officer, world):
    client = as_user(county_officer)
    upload(client, xlsx([row("SA8"), row("SA9")]))
    commit(client, ImportBatch.objects.get())
    school = actions.do_create_org(
        county_officer, world.county_a, "school", {"name": "手工", "code": "SA10"}
    )
    paths = list(Organization.objects.filter(level="school").values_list("path", flat=True))
    assert len(paths) == len(set(paths)) and parent_of(school) == world.county_a


def test_bad_rows_are_reported_with_row_numbers_and_messages_and_nothing_is_written(
    as_user, county_officer, world
):
    client = english(as_user(county_officer))
    before = counts()
    file = xlsx(
        [
            row("SA7"),  # row 2: fine
            row("SA8", kind="castle"),  # row 3
            row("SA7"),  # row 4: duplicate of row 2
            row("SB1"),  # row 5: code used in another county
            row("SA9", parent="CB"),  # row 6: parent outside the county
            row("SA10", licensed="无证"),  # row 7: a primary school cannot be unlicensed
            row("SA11", students=-5, boarding="maybe"),  # row 8
            row("SA12", name="", ownership=""),  # row 9
            row("SA13", parent="SA1"),  # row 10: a school under a school
        ]
    )
    response = upload(client, file)
    assert response.status_code == 422
    errors = errors_by_row(response)
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert errors[3][0][0] == "School kind" and "castle" in errors[3][0][1]
    assert errors[4] == [("Code", "The code SA7 is also used on row 2 of this file.")]
    assert errors[5] == [("Code", "This code is already used by another organisation.")]
    assert errors[6] == [("Parent org code", "No organisation with code CB in your area.")]
    assert [label for label, _m in errors[7]] == ["Licensed"]
    assert {label for label, _m in errors[8]} == {"Students", "Boarding"}
    assert {label for label, _m in errors[9]} == {"Name", "Ownership"}
    assert errors[10] == [("Parent org code", "A School cannot be placed under a School.")]
    page = response.content.decode()
    assert "commit-form" not in page and "The code SA7 is also used on row 2" in page
    assert counts() == before
    assert not ImportBatch.objects.exists()


def test_an_outsiders_parent_codes_are_row_errors_that_reveal_nothing(
    as_user, other_county_officer, world
):
    client = english(as_user(other_county_officer))
    response = upload(client, xlsx([row("X1", parent="CA"), row("X2", parent="NOPE")]))
    assert response.status_code == 422
    errors = errors_by_row(response)
    assert errors[2] == [("Parent org code", "No organisation with code CA in your area.")]
    assert errors[3] == [("Parent org code", "No organisation with code NOPE in your area.")]
    assert "东湖区" not in response.content.decode()


def test_reimporting_the_same_file_updates_rather_than_duplicates(as_user, county_officer, world):
    client = as_user(county_officer)
    rows = [row("SA8"), row("SA9", students=300)]
    upload(client, xlsx(rows))
    commit(client, ImportBatch.objects.get())
    before = counts()

    rows[1] = row("SA9", students=333)
    response = upload(client, xlsx(rows))
    assert [r.status for r in response.context["plan"].rows] == ["update", "update"]
    batch = ImportBatch.objects.get(committed_at__isnull=True)
    assert commit(client, batch).status_code == 302
    assert Organization.objects.count() == before[0]
    assert Campus.objects.count() == before[1]
    assert Organization.objects.get(code="SA9").students == 333
    update = AuditEvent.objects.get(verb="org.update")
    assert update.changes["students"] == [300, 333]
    summary = AuditEvent.objects.filter(verb="org.import").latest("id")
    assert summary.changes["unchanged"] == 1 and summary.org == world.county_a


def test_an_existing_school_keeps_values_left_blank_and_cannot_be_moved(as_user, city_admin, world):
    client = english(as_user(city_admin))
    response = upload(
        client,
        xlsx(
            [
                row("SA2", kind="", ownership="", licensed="", students=None, principal="新园长"),
                row("SA1", parent="CB"),
            ]
        ),
    )
    errors = errors_by_row(response)
    assert list(errors) == [3]
    assert "cannot move a school" in errors[3][0][1]

    response = upload(client, xlsx([row("SA2", kind="", licensed="", students=None)]))
    assert response.status_code == 200
    commit(client, ImportBatch.objects.get(committed_at__isnull=True))
    world.school_a2.refresh_from_db()
    assert world.school_a2.school_kind == "kindergarten"
    assert (world.school_a2.licensed, world.school_a2.students) == (False, 120)


def test_a_county_officer_cannot_update_a_school_of_another_county(as_user, county_officer, world):
    client = english(as_user(county_officer))
    response = upload(client, xlsx([row("SB1", parent="CA", name="改名")]))
    assert errors_by_row(response)[2] == [
        ("Code", "This code is already used by another organisation.")
    ]
    world.school_b1.refresh_from_db()
    assert world.school_b1.name == "西山中学"


def test_a_second_commit_of_the_same_batch_is_refused_with_409(as_user, county_officer, world):
    client = as_user(county_officer)
    upload(client, xlsx([row("SA9")]))
    batch = ImportBatch.objects.get()
    assert commit(client, batch).status_code == 302
    before = counts()
    response = commit(client, batch)
    assert response.status_code == 409
    assert "already-imported" in response.content.decode()
    assert counts() == before
    assert client.get(reverse("orgs:import_preview", args=[batch.pk])).status_code == 409


def test_commit_is_all_or_nothing_when_the_database_fails_midway(
    as_user, county_officer, world, monkeypatch
):
    client = english(as_user(county_officer))
    upload(client, xlsx([row("SA7"), row("SA8"), row("SA9")]))
    batch = ImportBatch.objects.get()
    before = counts()
    real_record = actions.record
    calls = []

    def failing_record(verb, **kwargs):
        calls.append(verb)
        if len(calls) == 2:  # after the INSERTs and the first audit row
            raise IntegrityError("disk full")
        return real_record(verb, **kwargs)

    monkeypatch.setattr(actions, "record", failing_record)
    response = commit(client, batch)
    assert response.status_code == 500
    assert "nothing was saved" in response.content.decode()
    assert counts() == before
    assert not Organization.objects.filter(code__in=["SA7", "SA8", "SA9"]).exists()
    batch.refresh_from_db()
    assert not batch.is_committed

    monkeypatch.setattr(actions, "record", real_record)
    assert commit(client, batch).status_code == 302
    assert Organization.objects.filter(code__in=["SA7", "SA8", "SA9"]).count() == 3


def test_the_commit_checks_the_stored_file_again(as_user, county_officer, city_admin, world):
    client = english(as_user(county_officer))
    upload(client, xlsx([row("SA8"), row("SA9")]))
    batch = ImportBatch.objects.get()
    # Someone registers SA9 elsewhere between the dry run and the commit.
    actions.do_create_org(city_admin, world.county_b, "school", {"name": "抢注", "code": "SA9"})
    before = counts()
    response = client.post(
        reverse("orgs:import_commit", args=[batch.pk]), {"code": "OTHER", "rows": "forged"}
    )
    assert response.status_code == 422
    assert errors_by_row(response)[3] == [
        ("Code", "This code is already used by another organisation.")
    ]
    assert counts() == before


def test_a_tampered_stored_file_is_not_imported(as_user, county_officer, world):
    client = english(as_user(county_officer))
    upload(client, xlsx([row("SA9")]))
    batch = ImportBatch.objects.get()
    with open(batch.file.path, "wb") as handle:
        handle.write(xlsx([row("SA9"), row("SA10")]).read())
    response = commit(client, batch)
    assert response.status_code == 400
    assert "has changed on the server" in response.content.decode()
    assert not Organization.objects.filter(code="SA9").exists()


def test_another_persons_upload_is_404(as_user, county_officer, other_county_officer, world):
    upload(as_user(county_officer), xlsx([row("SA9")]))
    batch = ImportBatch.objects.get()
    outsider = as_user(other_county_officer)
    assert outsider.get(reverse("orgs:import_preview", args=[batch.pk])).status_code == 404
    assert commit(outsider, batch).status_code == 404
    assert not Organization.objects.filter(code="SA9").exists()


def test_the_preview_of_a_staged_upload_can_be_opened_again(as_user, county_officer, world):
    client = as_user(county_officer)
    upload(client, xlsx([row("SA9"), row("SA1", name="东湖一小")]))
    batch = ImportBatch.objects.get()
    response = client.get(reverse("orgs:import_preview", args=[batch.pk]))
    assert response.status_code == 200
    assert [r.status for r in response.context["plan"].rows] == ["new", "update"]
    assert 'id="commit-form"' in response.content.decode()


# --- malformed files -------------------------------------------------------------------------


def _bytes(upload_file):
    return upload_file.read()


MALFORMED = {
    "not_xlsx": (lambda: b"code,name\nSA9,x\n", "not an Excel workbook"),
    "empty": (lambda: b"", "The submitted file is empty."),
    "old_xls": (lambda: b"\xd0\xcf\x11\xe0" + b"\0" * 600, "Excel 97-2003"),
    "corrupt_zip": (lambda: b"PK\x03\x04" + b"\1" * 600, "not an Excel workbook"),
    "missing_columns": (
        lambda: _bytes(xlsx([["CA", "SA9"]], header=["上级单位代码 / Parent org code", "Code"])),
        "Required columns are missing: 学校名称 / Name, 学校类型 / School kind, "
        "办学性质 / Ownership",
    ),
    "no_rows": (lambda: _bytes(xlsx([])), "no data rows"),
    "blank_sheet": (lambda: _bytes(xlsx([], header=None)), "The worksheet is empty"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_gets_a_clear_error_and_writes_nothing(
    as_user, county_officer, world, case
):
    content, message = MALFORMED[case]
    client = english(as_user(county_officer))
    before = counts()
    response = upload(client, SimpleUploadedFile("schools.xlsx", content()))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert counts() == before
    assert not ImportBatch.objects.exists()


def test_too_many_rows_are_refused(as_user, county_officer, world, settings):
    settings.IMPORT_MAX_ROWS = 2
    client = english(as_user(county_officer))
    response = upload(client, xlsx([row("SA7"), row("SA8"), row("SA9")]))
    assert response.status_code == 400
    assert "more than 2 rows" in response.content.decode()
    assert not Organization.objects.filter(code="SA7").exists()


def test_an_oversize_file_is_refused(as_user, county_officer, world, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client = english(as_user(county_officer))
    response = upload(client, xlsx([row("SA9")]))
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_missing_file_is_a_form_error(as_user, county_officer, world):
    response = as_user(county_officer).post(reverse("orgs:import"), {})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors


def test_the_upload_page_links_the_template(as_user, county_officer, world):
    response = as_user(county_officer).get(reverse("orgs:import"))
    assert response.status_code == 200
    assert reverse("orgs:import_template") in response.content.decode()

"""Importing a paper hazard ledger: template, dry run, commit (all or nothing), re-import
without duplicates, per persona."""

import datetime
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse
from openpyxl import load_workbook

from safecampus.audit.models import AuditEvent
from safecampus.hazards import actions_import
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.tests.excel_helpers import HEADER, dry_run, ledger_row, statuses, upload
from safecampus.orgs.models import ImportBatch


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rows_three(county_staff):
    return [
        ledger_row(),
        ledger_row(
            school="SA2",
            title="围墙破损",
            category="buildings",
            state="整改中",
            responsible=county_staff.username,
            deadline="2026-04-30",
            closed_on="",
            rectification_note="",
        ),
        ledger_row(
            title="食堂冰柜未分类",
            category="Food",
            state="reported",
            deadline="",
            closed_on="",
            source="",
        ),
    ]


def commit(client, response):
    batch = response.context["batch"]
    assert batch is not None, response.content.decode()[:500]
    return client.post(reverse("hazards:import_commit", args=[batch.pk]))


# --- template --------------------------------------------------------------------------------


def test_the_template_has_the_columns_and_a_help_sheet_with_the_schools(
    as_user, county_officer, categories
):
    response = as_user(county_officer).get(reverse("hazards:import_template"))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    ledger, help_sheet = workbook.worksheets
    assert [c.value for c in next(ledger.iter_rows(max_row=1))] == HEADER
    assert ledger.max_row == 1  # no example row that could be imported by mistake
    help_text = [r[0] for r in help_sheet.iter_rows(values_only=True) if r and r[0]]
    assert "SA1" in help_text and "SA2" in help_text and "SB1" not in help_text
    assert "fire" in help_text and "closed" in help_text and "dismissed" not in help_text


def test_the_template_is_refused_to_those_who_may_not_import(as_user, school_principal):
    assert as_user(school_principal).get(reverse("hazards:import_template")).status_code == 403


# --- dry run and commit -----------------------------------------------------------------------


def test_a_county_officer_imports_a_ledger_in_one_go(
    as_user, county_officer, county_staff, world, categories
):
    client = as_user(county_officer)
    response = dry_run(client, rows_three(county_staff))
    assert response.status_code == 200
    assert statuses(response) == ["new", "new", "new"]
    assert Hazard.objects.count() == 0  # the dry run writes nothing

    done = commit(client, response)
    assert done.status_code == 302
    hazards = {h.title: h for h in Hazard.objects.all()}
    closed = hazards["灭火器过期"]
    assert (closed.org, closed.state, closed.category.code) == (world.school_a1, "closed", "fire")
    assert closed.closed_on == datetime.date(2026, 3, 6)
    assert closed.deadline == datetime.date(2026, 3, 9)
    assert closed.found_on == datetime.date(2026, 3, 2)
    assert closed.verifier == county_officer and closed.source == "self_check"
    assert closed.org_path == world.school_a1.path and closed.import_key
    rectifying = hazards["围墙破损"]
    assert (rectifying.state, rectifying.responsible) == ("rectifying", county_staff)
    assert rectifying.verifier is None and rectifying.category.code == "buildings"
    reported = hazards["食堂冰柜未分类"]
    assert (reported.state, reported.category.code, reported.source) == (
        "reported",
        "food",
        "other",
    )
    assert HazardEvent.objects.filter(verb="import").count() == 3

    audit = AuditEvent.objects.get(verb="hazard.import")
    batch = ImportBatch.objects.get()
    assert audit.changes["created"] == 3 and audit.changes["skipped"] == 0
    assert audit.changes["sha256"] == batch.sha256 and audit.org == world.county_a
    assert batch.is_committed and batch.file.name.startswith("imports/hazards/")

    page = client.get(done.url)
    assert page.status_code == 200 and "3" in page.content.decode()


def test_importing_the_same_file_again_adds_nothing(
    as_user, county_officer, county_staff, categories
):
    client = as_user(county_officer)
    commit(client, dry_run(client, rows_three(county_staff)))
    again = dry_run(client, rows_three(county_staff))
    assert again.status_code == 200
    assert statuses(again) == ["skip", "skip", "skip"]
    assert again.context["batch"] is None
    assert "nothing-new" in again.content.decode()
    assert Hazard.objects.count() == 3


def test_the_same_rows_in_another_file_are_skipped_and_new_ones_added(
    as_user, county_officer, county_staff, categories
):
    client = as_user(county_officer)
    commit(client, dry_run(client, rows_three(county_staff)))
    # The same hazard written a little differently (spaces, text date) is the same hazard.
    rows = [
        ledger_row(title=" 灭火器 过期 ", found_on="2026/3/2"),
        ledger_row(title="消防通道堵塞"),
    ]
    response = dry_run(client, rows, name="another.xlsx")
    assert statuses(response) == ["skip", "new"]
    commit(client, response)
    assert Hazard.objects.count() == 4
    audit = AuditEvent.objects.filter(verb="hazard.import").latest("id")
    assert (audit.changes["created"], audit.changes["skipped"]) == (1, 1)


def test_a_committed_batch_is_not_committed_twice(as_user, county_officer, categories):
    client = as_user(county_officer)
    response = dry_run(client, [ledger_row()])
    commit(client, response)
    second = commit(client, response)
    assert second.status_code == 409
    assert Hazard.objects.count() == 1


def test_rows_added_by_someone_else_since_the_dry_run_are_skipped_at_the_commit(
    as_user, county_officer, city_admin, categories
):
    officer = as_user(county_officer)
    first = dry_run(officer, [ledger_row(), ledger_row(title="消防通道堵塞")])
    admin = as_user(city_admin)
    commit(admin, dry_run(admin, [ledger_row()]))
    commit(officer, first)
    assert Hazard.objects.count() == 2


def test_a_failure_midway_writes_nothing(
    as_user, county_officer, county_staff, categories, monkeypatch
):
    client = as_user(county_officer)
    response = dry_run(client, rows_three(county_staff))

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    # The hazards are written; the timeline events then fail.
    monkeypatch.setattr(HazardEvent.objects, "bulk_create", broken)
    failed = commit(client, response)
    assert failed.status_code == 500 and failed.context["problem"]
    assert Hazard.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="hazard.import").exists()
    assert not ImportBatch.objects.get().is_committed
    monkeypatch.undo()
    assert commit(client, response).status_code == 302
    assert Hazard.objects.count() == 3


def test_the_action_rolls_back_on_a_bad_row_after_writing_others(
    county_officer, county_staff, world, categories
):
    from safecampus.hazards.importer import plan_import
    from safecampus.lib.errors import ActionError

    plan = plan_import(county_officer, upload(rows_three(county_staff)))
    rows = plan.hazard_rows()
    rows[2].values["closed_on"] = datetime.date(2026, 3, 1)  # before it was found
    with pytest.raises(ActionError):
        actions_import.do_import_hazards(county_officer, rows)
    assert Hazard.objects.count() == 0


def test_a_principal_may_not_import(as_user, school_principal, categories):
    client = as_user(school_principal)
    assert client.get(reverse("hazards:import")).status_code == 403
    assert dry_run(client, [ledger_row()]).status_code == 403
    assert Hazard.objects.count() == 0


def test_a_read_only_viewer_may_not_import(as_user, county_viewer, categories):
    assert dry_run(as_user(county_viewer), [ledger_row()]).status_code == 403


def test_another_countys_officer_cannot_import_here_nor_see_the_batch(
    as_user, county_officer, other_county_officer, categories
):
    officer = as_user(county_officer)
    batch = dry_run(officer, [ledger_row()]).context["batch"]
    outsider = as_user(other_county_officer)
    response = dry_run(outsider, [ledger_row()])
    assert response.status_code == 422 and statuses(response) == ["error"]
    assert outsider.get(reverse("hazards:import_preview", args=[batch.pk])).status_code == 404
    assert outsider.post(reverse("hazards:import_commit", args=[batch.pk])).status_code == 404
    assert Hazard.objects.count() == 0


def test_a_school_list_batch_is_not_a_hazard_batch(as_user, county_officer, categories):
    other = ImportBatch.objects.create(
        created_by=county_officer, file="imports/1/x.xlsx", original_name="schools.xlsx"
    )
    client = as_user(county_officer)
    assert client.get(reverse("hazards:import_preview", args=[other.pk])).status_code == 404


def test_the_preview_can_be_reopened_and_is_checked_again(as_user, county_officer, categories):
    client = as_user(county_officer)
    batch = dry_run(client, [ledger_row()]).context["batch"]
    response = client.get(reverse("hazards:import_preview", args=[batch.pk]))
    assert response.status_code == 200 and statuses(response) == ["new"]


# --- malformed files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"name,code\nx,y\n", "not an Excel workbook"),
        (b"PK\x03\x04broken zip", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "Excel 97-2003"),
    ],
)
def test_a_malformed_file_gets_a_clear_error_and_writes_nothing(
    as_user, county_officer, categories, content, words
):
    client = english(as_user(county_officer))
    response = client.post(
        reverse("hazards:import"), {"file": SimpleUploadedFile("bad.xlsx", content)}
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Hazard.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_file_without_the_required_columns_is_refused(as_user, county_officer, categories):
    client = english(as_user(county_officer))
    response = dry_run(client, [ledger_row()], header=["学校代码", "隐患名称"])
    assert response.status_code == 400
    assert "Required columns are missing" in response.content.decode()


def test_an_error_in_one_row_stops_the_whole_file(as_user, county_officer, categories):
    client = as_user(county_officer)
    response = dry_run(client, [ledger_row(), ledger_row(title="", school="SA2")])
    assert response.status_code == 422
    assert statuses(response) == ["new", "error"]
    assert response.context["batch"] is None and ImportBatch.objects.count() == 0
    assert Hazard.objects.count() == 0

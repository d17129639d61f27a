"""Excel: export a school's register; import an existing one (template, dry run with per-row
errors, all-or-nothing commit, grading on import, skipping rows already in the register)."""

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from safecampus.lib.testing.factories import make_user
from safecampus.risks.actions import do_set_policy
from safecampus.risks.models import CampusArea, RiskAssessment, RiskPoint
from safecampus.risks.register_file import COLUMNS
from safecampus.risks.tests.helpers import add_point, assess_lec

pytestmark = pytest.mark.django_db
HEADER = [c.header for c in COLUMNS]
KEYS = [c.key for c in COLUMNS]


def row(**cells: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "school": "",
        "category": "测试消防",
        "hazard": "锅炉房超压",
        "consequences": "爆炸",
        "area": "锅炉房",
        "location": "一楼",
        "responsible_post": "总务主任",
        "responsible": "",
        "control_measures": "每日巡检",
        "emergency_measures": "停炉疏散",
        "frequency": "每天",
    }
    values.update(cells)
    return values


def upload(rows: list[dict[str, Any]], name: str = "register.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for cells in rows:
        sheet.append([cells.get(key, "") for key in KEYS])
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _statuses(response):
    return [r.status for r in response.context["plan"].rows]


# --- export -------------------------------------------------------------------------------------


def test_the_export_holds_the_register_with_factors(as_user, teacher, safety_officer, world, lib):
    point = add_point(safety_officer, world.school_a1, lib["fire"], hazard="=cmd|' /C calc'!A0")
    assess_lec(safety_officer, point, "3", "6", "15")
    response = as_user(teacher).get(f"/risks/schools/{world.school_a1.pk}/export/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == tuple(HEADER[:3])
    assert rows[1][0] == "SA1" and rows[1][2].startswith("'=")  # formula escaped
    assert rows[1][11:14] == (3, 6, 15) and rows[1][16] == 270


def test_an_outsider_cannot_export(as_user, other_county_officer, world):
    url = f"/risks/schools/{world.school_a1.pk}/export/"
    assert as_user(other_county_officer).get(url).status_code == 404


def test_the_template_has_a_help_sheet(as_user, safety_officer, lib):
    response = as_user(safety_officer).get("/risks/import/template/")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["风险台账 Risk register", "说明 Help"]
    help_text = str(list(book["说明 Help"].iter_rows(values_only=True)))
    assert "t_fire" in help_text and "每周" in help_text


def test_a_teacher_cannot_import(as_user, teacher, lib):
    assert as_user(teacher).get("/risks/import/").status_code == 403
    assert as_user(teacher).post("/risks/import/", {"file": upload([row()])}).status_code == 403


# --- import -------------------------------------------------------------------------------------


def test_dry_run_then_commit(as_user, safety_officer, teacher, world, lib):
    client = as_user(safety_officer)
    rows = [
        row(responsible=teacher.username, l=3, e=6, c=15),
        row(hazard="门卫未登记", category="t_gate", area="校门", frequency="weekly"),
    ]
    response = client.post("/risks/import/", {"file": upload(rows)})
    assert response.status_code == 200 and _statuses(response) == ["new", "new"]
    assert not RiskPoint.objects.exists()  # a dry run writes nothing
    batch = response.context["batch"]
    done = client.post(f"/risks/import/{batch.pk}/commit/")
    assert done.status_code == 302
    points = {p.hazard: p for p in RiskPoint.objects.filter(school=world.school_a1)}
    assert points["锅炉房超压"].level == "orange" and points["锅炉房超压"].responsible == teacher
    assert points["门卫未登记"].level == "" and points["门卫未登记"].frequency == "weekly"
    assert set(CampusArea.objects.values_list("name", flat=True)) == {"锅炉房", "校门"}
    # The same file again: every row is already in the register.
    again = client.post("/risks/import/", {"file": upload(rows)})
    assert _statuses(again) == ["skip", "skip"] and again.context["batch"] is None
    assert client.post(f"/risks/import/{batch.pk}/commit/").status_code == 409


def test_per_row_errors_and_nothing_written(as_user, safety_officer, world, lib):
    outsider = make_user("b_teacher", world.school_b1, "teacher")
    rows = [
        row(),
        row(hazard="", category="不存在"),
        row(hazard="乙", responsible=outsider.username),
        row(hazard="丙", l=4, e=6, c=15),
        row(hazard="丁", l=3, s=4),
        row(school="SB1", hazard="戊"),
        row(hazard="己", frequency="偶尔"),
    ]
    response = as_user(safety_officer).post("/risks/import/", {"file": upload(rows)})
    assert response.status_code == 422
    plan = response.context["plan"]
    assert [r.status for r in plan.rows] == ["new"] + ["error"] * 6
    assert len(plan.rows[1].errors) == 2  # no risk, unknown category
    assert all(r.errors for r in plan.rows[1:])
    assert response.context["batch"] is None
    assert not RiskPoint.objects.exists() and not CampusArea.objects.exists()


def test_ls_factors_under_an_ls_bureau(as_user, safety_officer, county_officer, world, lib):
    do_set_policy(county_officer, world.county_a, method="ls", red=19, orange=14, yellow=8)
    client = as_user(safety_officer)
    bad = client.post("/risks/import/", {"file": upload([row(l=6, s=4)])})
    assert _statuses(bad) == ["error"]
    lec = client.post("/risks/import/", {"file": upload([row(l=3, e=6, c=15)])})
    assert _statuses(lec) == ["error"]
    good = client.post("/risks/import/", {"file": upload([row(l=5, s=4)])})
    client.post(f"/risks/import/{good.context['batch'].pk}/commit/")
    assert RiskPoint.objects.get().level == "red"
    assert RiskAssessment.objects.get().method == "ls"


def test_a_bureau_names_the_school(as_user, county_officer, world, lib):
    client = as_user(county_officer)
    missing = client.post("/risks/import/", {"file": upload([row()])})
    assert _statuses(missing) == ["error"]
    outside = client.post("/risks/import/", {"file": upload([row(school="SB1")])})
    assert _statuses(outside) == ["error"]
    ok = client.post("/risks/import/", {"file": upload([row(school="SA2")])})
    client.post(f"/risks/import/{ok.context['batch'].pk}/commit/")
    assert RiskPoint.objects.get().school == world.school_a2


def test_a_person_who_lost_the_role_since_the_dry_run_stops_the_commit(
    as_user, safety_officer, teacher, world, lib
):
    from safecampus.orgs.models import Membership

    client = as_user(safety_officer)
    rows = [row(hazard="甲"), row(hazard="乙", responsible=teacher.username)]
    batch = client.post("/risks/import/", {"file": upload(rows)}).context["batch"]
    Membership.objects.filter(user=teacher).delete()
    response = client.post(f"/risks/import/{batch.pk}/commit/")
    assert response.status_code == 422
    assert not RiskPoint.objects.exists()

"""One risk point: detail (displayed level, tier, history, hazards), add/edit, assess, retire,
and raising a hazard from it."""

import pytest

from safecampus.hazards.models import Hazard
from safecampus.lib.testing.factories import make_user
from safecampus.risks.choices import Level
from safecampus.risks.models import RiskAssessment, RiskPoint
from safecampus.risks.tests.helpers import add_point, assess_lec, major_hazard

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(world, lib, safety_officer):
    return add_point(safety_officer, world.school_a1, lib["fire"], location="化学实验室")


def _point_data(lib, **overrides):
    data = {
        "category": lib["fire"].pk,
        "hazard": "锅炉房超压",
        "consequences": "爆炸",
        "location": "锅炉房",
        "responsible_post": "总务主任",
        "control_measures": "每日巡检",
        "emergency_measures": "停炉疏散",
        "frequency": "daily",
    }
    data.update(overrides)
    return data


# --- detail -------------------------------------------------------------------------------------


def test_the_detail_shows_tier_history_and_the_rise(as_user, teacher, safety_officer, point):
    assess_lec(safety_officer, point, "1", "1", "7")
    assess_lec(safety_officer, point, "6", "6", "15", reason="incident")  # 540: red
    response = as_user(teacher).get(f"/risks/points/{point.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert response.context["shown_level"] == Level.RED and not response.context["raised"]
    assert response.context["review_days"] == 30
    assert 'id="rose"' in text
    assert len(response.context["assessments"]) == 2
    assert 'id="assess-link"' not in text  # a teacher may not assess


def test_an_open_major_hazard_shows_the_point_red_with_the_reason(
    as_user, safety_officer, point, categories
):
    assess_lec(safety_officer, point, "1", "1", "1")  # blue
    hazard = major_hazard(safety_officer, point, categories)
    response = as_user(safety_officer).get(f"/risks/points/{point.pk}/")
    assert response.context["shown_level"] == Level.RED and response.context["raised"]
    text = response.content.decode()
    assert 'id="raised-reason"' in text
    assert hazard.number in text and f"/hazards/{hazard.pk}/" in text


def test_an_outsider_gets_404(as_user, other_county_officer, point):
    assert as_user(other_county_officer).get(f"/risks/points/{point.pk}/").status_code == 404


# --- raising a hazard from the point --------------------------------------------------------------


def test_raise_a_hazard_opens_the_report_form_prefilled(as_user, teacher, point):
    page = as_user(teacher).get(f"/risks/points/{point.pk}/").content.decode()
    assert f"/hazards/new/?risk_point={point.pk}" in page
    response = as_user(teacher).get(f"/hazards/new/?risk_point={point.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["risk_point"] == point.pk and form.initial["title"] == point.hazard
    assert form.initial["school"] == point.school_id


def test_the_hazard_raised_from_a_point_links_back(as_user, teacher, point, categories):
    client = as_user(teacher)
    response = client.post(
        f"/hazards/new/?risk_point={point.pk}",
        {
            "school": point.school_id,
            "source": "self_check",
            "category": categories["fire"].pk,
            "severity": "general",
            "title": "药品柜门锁坏",
            "found_on": "2026-01-05",
            "rectification_type": "deadline",
            "risk_point": point.pk,
        },
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get(title="药品柜门锁坏")
    assert hazard.risk_point == point
    detail = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert f"/risks/points/{point.pk}/" in detail
    assert hazard.number in client.get(f"/risks/points/{point.pk}/").content.decode()


def test_a_point_of_another_school_is_refused(as_user, world, lib, categories, safety_officer):
    other = make_user("a2_officer", world.school_a2, "safety_officer")
    foreign = add_point(other, world.school_a2, lib["fire"])
    response = as_user(safety_officer).post(
        "/hazards/new/",
        {
            "school": world.school_a1.pk,
            "source": "self_check",
            "category": categories["fire"].pk,
            "severity": "general",
            "title": "错挂的隐患",
            "found_on": "2026-01-05",
            "rectification_type": "deadline",
            "risk_point": foreign.pk,
        },
    )
    assert response.status_code == 422
    assert "another school" in response.content.decode() or "其他学校" in response.content.decode()
    assert not Hazard.objects.filter(title="错挂的隐患").exists()


# --- add and edit ---------------------------------------------------------------------------------


def test_a_safety_officer_adds_a_point(as_user, safety_officer, world, lib, teacher):
    data = _point_data(lib, responsible=teacher.pk)
    response = as_user(safety_officer).post(f"/risks/schools/{world.school_a1.pk}/new/", data)
    point = RiskPoint.objects.get(hazard="锅炉房超压")
    assert response.status_code == 302 and response.url == f"/risks/points/{point.pk}/assess/"
    assert point.responsible == teacher and point.school == world.school_a1


def test_a_person_of_another_school_cannot_be_responsible(as_user, safety_officer, world, lib):
    outsider = make_user("b_teacher", world.school_b1, "teacher")
    data = _point_data(lib, responsible=outsider.pk)
    response = as_user(safety_officer).post(f"/risks/schools/{world.school_a1.pk}/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["responsible"]
    assert not RiskPoint.objects.filter(hazard="锅炉房超压").exists()


def test_a_teacher_cannot_add_or_edit(as_user, teacher, world, lib, point):
    client = as_user(teacher)
    assert client.get(f"/risks/schools/{world.school_a1.pk}/new/").status_code == 403
    assert (
        client.post(f"/risks/schools/{world.school_a1.pk}/new/", _point_data(lib)).status_code
        == 403
    )
    assert client.post(f"/risks/points/{point.pk}/edit/", _point_data(lib)).status_code == 403
    assert not RiskPoint.objects.filter(hazard="锅炉房超压").exists()


def test_the_county_viewer_cannot_write(as_user, county_viewer, world, lib, point):
    client = as_user(county_viewer)
    assert client.get(f"/risks/points/{point.pk}/").status_code == 200
    assert (
        client.post(f"/risks/schools/{world.school_a1.pk}/new/", _point_data(lib)).status_code
        == 403
    )
    assert client.post(f"/risks/points/{point.pk}/retire/").status_code == 403
    assert (
        client.post(f"/risks/schools/{world.school_a1.pk}/build/", {"everything": "on"}).status_code
        == 403
    )


def test_edit_saves_the_fields(as_user, safety_officer, point, lib):
    data = _point_data(lib, hazard="实验室危化品（已整改）")
    response = as_user(safety_officer).post(f"/risks/points/{point.pk}/edit/", data)
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.hazard == "实验室危化品（已整改）" and point.frequency == "daily"


def test_retire_and_restore(as_user, safety_officer, point):
    client = as_user(safety_officer)
    client.post(f"/risks/points/{point.pk}/retire/")
    point.refresh_from_db()
    assert not point.active
    client.post(f"/risks/points/{point.pk}/retire/", {"restore": "1"})
    point.refresh_from_db()
    assert point.active


# --- assess ---------------------------------------------------------------------------------------


def test_the_assess_form_shows_lec_factors_with_meanings(as_user, safety_officer, point):
    response = as_user(safety_officer).get(f"/risks/points/{point.pk}/assess/")
    form = response.context["form"]
    assert set(form.fields) >= {"l", "e", "c"} and "s" not in form.fields
    assert (
        "相当可能" in dict(form.fields["l"].choices)["6"]
        or "quite" in dict(form.fields["l"].choices)["6"]
    )


def test_assess_with_lec(as_user, safety_officer, point):
    response = as_user(safety_officer).post(
        f"/risks/points/{point.pk}/assess/",
        {"l": "3", "e": "6", "c": "15", "reason": "initial", "assessed_on": "2026-01-05"},
    )
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.level == Level.ORANGE and point.score == 270


def test_a_factor_outside_the_lec_set_is_refused(as_user, safety_officer, point):
    response = as_user(safety_officer).post(
        f"/risks/points/{point.pk}/assess/",
        {"l": "4", "e": "6", "c": "15", "reason": "initial", "assessed_on": "2026-01-05"},
    )
    assert response.status_code == 400 and response.context["form"].errors["l"]
    assert not RiskAssessment.objects.exists()


def test_ls_shows_l_and_s_and_refuses_6(as_user, safety_officer, county_officer, world, point):
    from safecampus.risks.actions import do_set_policy

    do_set_policy(county_officer, world.county_a, method="ls", red=19, orange=14, yellow=8)
    client = as_user(safety_officer)
    form = client.get(f"/risks/points/{point.pk}/assess/").context["form"]
    assert set(form.fields) >= {"l", "s"} and "e" not in form.fields
    bad = client.post(
        f"/risks/points/{point.pk}/assess/",
        {"l": "6", "s": "5", "reason": "initial", "assessed_on": "2026-01-05"},
    )
    assert bad.status_code == 400 and not RiskAssessment.objects.exists()
    good = client.post(
        f"/risks/points/{point.pk}/assess/",
        {"l": "4", "s": "5", "reason": "initial", "assessed_on": "2026-01-05"},
    )
    assert good.status_code == 302
    point.refresh_from_db()
    assert point.level == Level.RED and point.score == 20

"""The rectification plan page (整改方案) and milestone progress."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.hazards import actions
from safecampus.hazards.models import HazardEvent, PlanMilestone, RectificationPlan
from safecampus.hazards.tests.helpers import report

SOON = timezone.localdate() + datetime.timedelta(days=20)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hazard(teacher, safety_officer, world, categories):
    h = report(teacher, world.school_a1, categories, severity="major", title="教学楼外墙开裂")
    return actions.do_assign(safety_officer, h, responsible=teacher, deadline=SOON)


def _url(h):
    return reverse("hazards:plan", args=[h.pk])


def _plan_data(person, **extra):
    data = {
        "measures": "加固外墙，分两期施工",
        "funds": "区财政 30 万元",
        "responsible": person.pk,
        "interim_measures": "设置隔离区",
        "contingency": "暴雨天停用该楼",
        "ms-TOTAL_FORMS": "3",
        "ms-INITIAL_FORMS": "0",
        "ms-MIN_NUM_FORMS": "0",
        "ms-MAX_NUM_FORMS": "10",
        "ms-0-title": "设计方案",
        "ms-0-due_on": (SOON - datetime.timedelta(days=10)).isoformat(),
        "ms-1-title": "施工完成",
        "ms-1-due_on": SOON.isoformat(),
        "ms-2-title": "",
        "ms-2-due_on": "",
    }
    data.update(extra)
    return data


def test_the_safety_officer_makes_a_plan_with_milestones(as_user, safety_officer, teacher, hazard):
    client = as_user(safety_officer)
    assert client.get(_url(hazard)).status_code == 200
    response = client.post(_url(hazard), _plan_data(teacher))
    assert response.status_code == 302
    plan = RectificationPlan.objects.get(hazard=hazard)
    assert plan.responsible == teacher and plan.funds == "区财政 30 万元"
    assert [m.title for m in plan.milestones.all()] == ["设计方案", "施工完成"]
    detail = client.get(reverse("hazards:detail", args=[hazard.pk])).content.decode()
    assert "加固外墙" in detail and "施工完成" in detail


def test_the_responsible_teacher_records_progress(as_user, safety_officer, teacher, hazard):
    as_user(safety_officer).post(_url(hazard), _plan_data(teacher))
    milestone = PlanMilestone.objects.get(title="设计方案")
    client = as_user(teacher)
    page = client.get(_url(hazard))
    assert page.context["may_progress"] and not page.context["can_edit"]
    done = timezone.localdate().isoformat()
    response = client.post(
        reverse("hazards:milestone", args=[hazard.pk, milestone.pk]),
        {f"m{milestone.pk}-progress": "设计已通过评审", f"m{milestone.pk}-done_on": done},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.progress == "设计已通过评审" and milestone.done_on is not None
    assert HazardEvent.objects.filter(hazard=hazard, verb="progress").exists()


def test_a_teacher_cannot_make_the_plan(as_user, teacher, hazard):
    response = as_user(teacher).post(_url(hazard), _plan_data(teacher))
    assert response.status_code == 403 and not RectificationPlan.objects.exists()


def test_the_read_only_viewer_reads_but_gets_403_on_writes(
    as_user, county_viewer, safety_officer, teacher, hazard
):
    as_user(safety_officer).post(_url(hazard), _plan_data(teacher))
    milestone = PlanMilestone.objects.first()
    client = as_user(county_viewer)
    page = client.get(_url(hazard))
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(_url(hazard), _plan_data(teacher, measures="改")).status_code == 403
    response = client.post(
        reverse("hazards:milestone", args=[hazard.pk, milestone.pk]),
        {f"m{milestone.pk}-progress": "x"},
    )
    assert response.status_code == 403
    assert RectificationPlan.objects.get().measures == "加固外墙，分两期施工"


def test_the_outsider_gets_404(as_user, other_county_officer, teacher, hazard):
    client = as_user(other_county_officer)
    assert client.get(_url(hazard)).status_code == 404
    assert client.post(_url(hazard), _plan_data(teacher)).status_code == 404


def test_a_milestone_of_another_hazard_is_404(
    as_user, safety_officer, teacher, hazard, world, categories
):
    as_user(safety_officer).post(_url(hazard), _plan_data(teacher))
    other = report(teacher, world.school_a1, categories)
    milestone = PlanMilestone.objects.first()
    response = as_user(safety_officer).post(
        reverse("hazards:milestone", args=[other.pk, milestone.pk]),
        {f"m{milestone.pk}-progress": "x"},
    )
    assert response.status_code == 404


def test_bad_input_writes_nothing(as_user, safety_officer, teacher, hazard):
    client = as_user(safety_officer)
    response = client.post(_url(hazard), _plan_data(teacher, measures="", **{"ms-0-due_on": ""}))
    assert response.status_code == 400
    assert "measures" in response.context["form"].errors
    assert response.context["milestones"].forms[0].errors
    assert not RectificationPlan.objects.exists() and not PlanMilestone.objects.exists()


def test_a_closed_hazard_takes_no_plan(as_user, safety_officer, county_staff, teacher, hazard):
    h = actions.do_submit(teacher, hazard, note="done")
    actions.do_verify(county_staff, h, opinion="ok")  # major: verified by the bureau above
    response = as_user(safety_officer).post(_url(h), _plan_data(teacher))
    assert response.status_code == 409
    assert not RectificationPlan.objects.exists()

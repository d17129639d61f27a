"""/api/v1/hazards/{id}/…: transitions as POST sub-resources, photos, plan and revisits."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safecampus.hazards import actions, actions_followup
from safecampus.hazards.models import Hazard, HazardEvent, HazardPhoto, RectificationPlan, Revisit
from safecampus.hazards.photos import MAX_BYTES
from safecampus.hazards.tests.helpers import FOUND, jpeg, report
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.roles import Role

HAZARDS = "/api/v1/hazards"
DEADLINE = FOUND + datetime.timedelta(days=7)


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _assign_body(person, **overrides):
    body = {"expected_state": "reported", "responsible": person.pk, "deadline": str(DEADLINE)}
    body.update(overrides)
    return body


@pytest.fixture
def hazard(teacher, world, categories):
    return report(teacher, world.school_a1, categories)


def _url(hazard, step=""):
    return f"{HAZARDS}/{hazard.pk}/{step}" if step else f"{HAZARDS}/{hazard.pk}"


def _events(hazard):
    return list(HazardEvent.objects.filter(hazard=hazard).values_list("verb", flat=True))


# --- assign --------------------------------------------------------------------------------


def test_the_safety_officer_assigns_a_hazard(as_user, safety_officer, teacher, hazard):
    response = _post(as_user(safety_officer), _url(hazard, "assign"), _assign_body(teacher))

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["responsible"]["id"], body["deadline"]) == (
        "assigned",
        teacher.pk,
        str(DEADLINE),
    )


def test_assign_is_404_for_the_outsider_and_403_for_a_viewer(
    as_user, other_county_officer, county_viewer, teacher, hazard
):
    url = _url(hazard, "assign")
    assert _post(as_user(other_county_officer), url, _assign_body(teacher)).status_code == 404
    assert _post(as_user(county_viewer), url, _assign_body(teacher)).status_code == 403
    assert Hazard.objects.get(pk=hazard.pk).state == "reported"


def test_a_deadline_before_the_find_is_a_field_error_and_nothing_changes(
    as_user, safety_officer, teacher, hazard
):
    early = str(FOUND - datetime.timedelta(days=1))
    response = _post(
        as_user(safety_officer), _url(hazard, "assign"), _assign_body(teacher, deadline=early)
    )
    assert response.status_code == 422 and "deadline" in response.json()["errors"]
    assert Hazard.objects.get(pk=hazard.pk).state == "reported"
    assert _events(hazard) == ["report"]


def test_a_person_of_another_county_cannot_be_made_responsible(
    as_user, safety_officer, hazard, world
):
    stranger = make_user("stranger", world.school_b1, Role.TEACHER)
    client = as_user(safety_officer)
    response = _post(client, _url(hazard, "assign"), _assign_body(stranger))
    assert response.status_code == 422 and "responsible" in response.json()["errors"]
    # An id nobody has gets the same answer: ids reveal nothing.
    unknown = _post(client, _url(hazard, "assign"), _assign_body(stranger, responsible=987654))
    assert unknown.json()["errors"] == response.json()["errors"]
    assert Hazard.objects.get(pk=hazard.pk).responsible is None


def test_a_stale_expected_state_is_a_conflict(as_user, safety_officer, teacher, hazard):
    actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    response = _post(as_user(safety_officer), _url(hazard, "assign"), _assign_body(teacher))
    assert response.status_code == 409 and response.json()["detail"]


def test_a_transition_the_table_does_not_allow_is_a_conflict(as_user, school_principal, hazard):
    body = {"expected_state": "reported", "opinion": "ok"}
    response = _post(as_user(school_principal), _url(hazard, "verify"), body)
    assert response.status_code == 409
    assert Hazard.objects.get(pk=hazard.pk).state == "reported"


def test_an_unknown_expected_state_or_field_is_refused(as_user, safety_officer, teacher, hazard):
    client = as_user(safety_officer)
    bad = _post(client, _url(hazard, "assign"), _assign_body(teacher, expected_state="lost"))
    assert bad.status_code == 422 and "expected_state" in bad.json()["errors"]
    extra = _post(client, _url(hazard, "assign"), _assign_body(teacher, state="closed"))
    assert extra.status_code == 422 and "state" in extra.json()["errors"]
    missing = _post(client, _url(hazard, "start"), {})
    assert missing.status_code == 422 and "expected_state" in missing.json()["errors"]


STEPS = {
    "start": {"expected_state": "assigned"},
    "submit": {"expected_state": "rectifying", "note": "done"},
    "verify": {"expected_state": "awaiting_verification", "opinion": "ok"},
    "reject": {"expected_state": "awaiting_verification", "reason": "no"},
    "dismiss": {"expected_state": "reported", "reason": "no"},
    "restore": {"expected_state": "dismissed"},
}


@pytest.mark.parametrize("step", [*STEPS, "supervise"])
def test_every_transition_is_404_for_the_outsider_and_403_for_a_viewer(
    as_user, other_county_officer, county_viewer, hazard, world, step
):
    body = STEPS.get(step) or {
        "supervising_org": world.county_a.pk,
        "supervisor": county_viewer.pk,
        "report_interval_days": 7,
    }
    url = _url(hazard, step)
    assert _post(as_user(other_county_officer), url, body).status_code == 404
    assert _post(as_user(county_viewer), url, body).status_code == 403
    assert _events(hazard) == ["report"]


# --- the journey ---------------------------------------------------------------------------


def test_the_whole_journey_through_the_api(
    as_user, safety_officer, teacher, school_principal, hazard
):
    officer, rectifier = as_user(safety_officer), as_user(teacher)
    assert _post(officer, _url(hazard, "assign"), _assign_body(teacher)).status_code == 200
    started = _post(rectifier, _url(hazard, "start"), {"expected_state": "assigned"})
    assert started.json()["state"] == "rectifying"
    photo = rectifier.post(_url(hazard, "photos"), {"kind": "after", "file": jpeg()})
    assert photo.status_code == 201
    submitted = _post(
        rectifier, _url(hazard, "submit"), {"expected_state": "rectifying", "note": "已更换"}
    )
    assert submitted.json()["state"] == "awaiting_verification"
    rejected = _post(
        as_user(school_principal),
        _url(hazard, "reject"),
        {"expected_state": "awaiting_verification", "reason": "照片不清晰"},
    )
    assert rejected.json()["state"] == "rectifying"
    _post(rectifier, _url(hazard, "submit"), {"expected_state": "rectifying", "note": "已补拍"})
    verified = _post(
        as_user(school_principal),
        _url(hazard, "verify"),
        {"expected_state": "awaiting_verification", "opinion": "验收合格"},
    )
    body = verified.json()
    assert (body["state"], body["verifier"]["username"]) == ("closed", "school_principal")
    assert body["closed_on"] is not None and body["transitions"] == ["reopen"]
    assert [e["verb"] for e in body["events"]] == [
        "report",
        "assign",
        "start",
        "photo",
        "submit",
        "reject",
        "submit",
        "verify",
    ]


def test_the_verifier_must_not_be_the_rectifier(as_user, safety_officer, hazard):
    h = actions.do_assign(safety_officer, hazard, responsible=safety_officer, deadline=DEADLINE)
    actions.do_submit(safety_officer, h, note="done")
    response = _post(
        as_user(safety_officer),
        _url(hazard, "verify"),
        {"expected_state": "awaiting_verification", "opinion": "ok"},
    )
    assert response.status_code == 422 and "verifier" in response.json()["errors"]
    assert Hazard.objects.get(pk=hazard.pk).state == "awaiting_verification"


def test_a_verification_needs_an_opinion(
    as_user, safety_officer, teacher, school_principal, hazard
):
    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    actions.do_submit(teacher, h, note="done")
    response = _post(
        as_user(school_principal),
        _url(hazard, "verify"),
        {"expected_state": "awaiting_verification", "opinion": " "},
    )
    assert response.status_code == 422 and "opinion" in response.json()["errors"]


def test_dismissed_by_the_school_and_restored_by_the_county(
    as_user, safety_officer, county_staff, hazard
):
    dismissed = _post(
        as_user(safety_officer),
        _url(hazard, "dismiss"),
        {"expected_state": "reported", "reason": "重复上报"},
    )
    assert dismissed.json()["state"] == "dismissed"
    refused = _post(
        as_user(safety_officer), _url(hazard, "restore"), {"expected_state": "dismissed"}
    )
    assert refused.status_code == 403
    restored = _post(
        as_user(county_staff), _url(hazard, "restore"), {"expected_state": "dismissed"}
    )
    assert restored.json()["state"] == "reported"


def test_a_county_admin_lists_a_major_hazard_for_supervision(
    as_user, county_officer, county_staff, teacher, world, categories
):
    major = report(teacher, world.school_a1, categories, severity="major")
    body = {"supervising_org": world.county_a.pk, "supervisor": county_officer.pk}
    body["report_interval_days"] = 7
    assert _post(as_user(county_staff), _url(major, "supervise"), body).status_code == 403
    response = _post(as_user(county_officer), _url(major, "supervise"), body)
    assert response.status_code == 200
    assert response.json()["supervising_org"]["id"] == world.county_a.pk
    assert response.json()["supervisor"]["username"] == "county_officer"


def test_supervision_refuses_a_general_hazard_and_a_foreign_supervisor(
    as_user, county_officer, other_county_officer, hazard, world
):
    client = as_user(county_officer)
    body = {"supervising_org": world.county_a.pk, "supervisor": county_officer.pk}
    body["report_interval_days"] = 7
    response = _post(client, _url(hazard, "supervise"), body)
    assert response.status_code == 422 and "severity" in response.json()["errors"]
    hazard.severity = "major"
    Hazard.objects.filter(pk=hazard.pk).update(severity="major")
    body["supervisor"] = other_county_officer.pk
    response = _post(client, _url(hazard, "supervise"), body)
    assert response.status_code == 422 and "supervisor" in response.json()["errors"]
    assert Hazard.objects.get(pk=hazard.pk).supervising_org is None


# --- photos --------------------------------------------------------------------------------


def test_the_reporter_adds_a_photo_and_its_link_is_permission_checked(
    as_user, teacher, other_county_officer, hazard
):
    response = as_user(teacher).post(_url(hazard, "photos"), {"kind": "before", "file": jpeg()})

    assert response.status_code == 201
    (photo,) = response.json()["photos"]
    assert as_user(teacher).get(photo["url"])["Content-Type"] == "image/jpeg"
    assert as_user(other_county_officer).get(photo["url"]).status_code == 404


def test_photos_are_404_for_the_outsider_and_403_for_a_viewer(
    as_user, other_county_officer, county_viewer, hazard
):
    url = _url(hazard, "photos")
    assert (
        as_user(other_county_officer).post(url, {"kind": "before", "file": jpeg()}).status_code
        == 404
    )
    assert as_user(county_viewer).post(url, {"kind": "after", "file": jpeg()}).status_code == 403
    assert not HazardPhoto.objects.exists()


def test_an_oversize_or_non_image_upload_is_a_field_error(as_user, teacher, hazard):
    client = as_user(teacher)
    url = _url(hazard, "photos")
    text = SimpleUploadedFile("x.jpg", b"hello, not a photo", content_type="image/jpeg")
    response = client.post(url, {"kind": "before", "file": text})
    assert response.status_code == 422 and "photos_before" in response.json()["errors"]
    huge = SimpleUploadedFile("big.jpg", b"\xff" * (MAX_BYTES + 1), content_type="image/jpeg")
    response = client.post(url, {"kind": "before", "file": huge})
    assert response.status_code == 422 and "15 MB" in str(response.json()["errors"])
    response = client.post(url, {"kind": "sideways", "file": jpeg()})
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    response = client.post(url, {"kind": "before"})
    assert response.status_code == 422 and "file" in response.json()["errors"]
    assert not HazardPhoto.objects.exists()


def test_no_photo_is_added_to_a_closed_hazard(
    as_user, safety_officer, teacher, school_principal, hazard
):
    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    h = actions.do_submit(teacher, h, note="done")
    actions.do_verify(school_principal, h, opinion="ok")
    response = as_user(teacher).post(_url(hazard, "photos"), {"kind": "before", "file": jpeg()})
    assert response.status_code == 409


# --- plan ----------------------------------------------------------------------------------


def _plan_body(person, **overrides):
    body = {
        "measures": "拆除危墙，新建围墙",
        "funds": "区财政专项",
        "responsible": person.pk,
        "interim_measures": "设置隔离带",
        "contingency": "暴雨停用北侧通道",
        "milestones": [{"title": "招标", "due_on": str(DEADLINE)}],
    }
    body.update(overrides)
    return body


def test_a_plan_is_written_and_progress_reported(as_user, safety_officer, teacher, hazard):
    actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    client = as_user(safety_officer)
    assert client.get(_url(hazard, "plan")).json() is None

    response = client.put(
        _url(hazard, "plan"), _plan_body(teacher), content_type="application/json"
    )
    assert response.status_code == 200
    (milestone,) = response.json()["milestones"]
    progress = _post(
        as_user(teacher),
        _url(hazard, f"plan/milestones/{milestone['id']}"),
        {"progress": "招标完成", "done_on": str(DEADLINE)},
    )
    assert progress.status_code == 200 and progress.json()["done_on"] == str(DEADLINE)
    plan = client.get(_url(hazard, "plan")).json()
    assert plan["responsible"]["username"] == "teacher"
    assert plan["milestones"][0]["progress"] == "招标完成"


def test_a_plan_is_403_for_a_viewer_404_for_the_outsider_and_checks_the_person(
    as_user, county_viewer, other_county_officer, safety_officer, teacher, hazard, world
):
    body = _plan_body(teacher)
    url = _url(hazard, "plan")
    assert as_user(county_viewer).put(url, body, content_type="application/json").status_code == 403
    assert (
        as_user(other_county_officer).put(url, body, content_type="application/json").status_code
        == 404
    )
    stranger = make_user("stranger", world.school_b1, Role.TEACHER)
    response = as_user(safety_officer).put(
        url, _plan_body(stranger), content_type="application/json"
    )
    assert response.status_code == 422 and "responsible" in response.json()["errors"]
    assert not RectificationPlan.objects.exists()


def test_a_milestone_of_another_hazard_is_not_found(
    as_user, safety_officer, teacher, hazard, world, categories
):
    other = report(teacher, world.school_a1, categories, title="另一处")
    plan = actions_followup.do_save_plan(
        safety_officer,
        other,
        measures="m",
        funds="",
        responsible=teacher,
        interim_measures="",
        contingency="",
        milestones=[("x", DEADLINE)],
    )
    milestone = plan.milestones.get()
    response = _post(
        as_user(teacher), _url(hazard, f"plan/milestones/{milestone.pk}"), {"progress": "p"}
    )
    assert response.status_code == 404


# --- revisits ------------------------------------------------------------------------------


@pytest.fixture
def closed(safety_officer, teacher, school_principal, hazard):
    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    h = actions.do_submit(teacher, h, note="done")
    return actions.do_verify(school_principal, h, opinion="ok")


def test_a_county_inspector_revisits_and_a_recurrence_reopens(
    as_user, county_inspector, closed, world
):
    client = as_user(county_inspector)
    holds = _post(client, _url(closed, "revisits"), {"org": world.county_a.pk, "result": "holds"})
    assert holds.status_code == 201 and holds.json()["result"] == "holds"
    recurred = _post(
        client,
        _url(closed, "revisits"),
        {"org": world.county_a.pk, "result": "recurred", "note": "又坏了"},
    )
    assert recurred.status_code == 201
    body = client.get(_url(closed)).json()
    assert (body["state"], body["reopened_count"]) == ("rectifying", 1)
    assert [r["result"] for r in body["revisits"]] == ["recurred", "holds"]


def test_revisits_are_403_for_a_viewer_and_409_on_an_open_hazard(
    as_user, safety_officer, county_viewer, county_inspector, closed, world, categories, teacher
):
    body = {"org": world.county_a.pk, "result": "holds"}
    assert _post(as_user(county_viewer), _url(closed, "revisits"), body).status_code == 403
    # A school cannot name the county as the revisiting bureau: it is outside its area.
    response = _post(as_user(safety_officer), _url(closed, "revisits"), body)
    assert response.status_code == 422 and "org" in response.json()["errors"]
    open_one = report(teacher, world.school_a1, categories, title="未销号")
    assert _post(as_user(county_inspector), _url(open_one, "revisits"), body).status_code == 409
    bad = _post(as_user(county_inspector), _url(closed, "revisits"), {**body, "result": "maybe"})
    assert bad.status_code == 422 and "result" in bad.json()["errors"]
    assert not Revisit.objects.exists()

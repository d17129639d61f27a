"""一岗双带: pairings are seen by the school itself and the paired teacher; bureaus see counts."""

import pytest
from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.duties import actions_grid
from safecampus.duties.models import Pairing, PairingNote
from safecampus.duties.tests.helpers import post_json

API = "/api/v1/responsibilities/pairings"


@pytest.fixture
def pairing(school_principal, teacher, world):
    return actions_grid.do_save_pairing(
        school_principal,
        world.school_a1,
        {
            "teacher": teacher,
            "group_label": "三年级二班 第3组",
            "students": ["张小明", "李小红"],
            "contact_duty": "每两周谈心一次",
        },
    )


def test_the_principal_pairs_a_teacher_on_the_page(as_user, school_principal, teacher, world):
    client = as_user(school_principal)
    response = client.post(
        reverse("duties:pairings", args=[world.school_a1.pk]),
        {
            "teacher": teacher.pk,
            "group_label": "四年级一班 第1组",
            "students": "王小华\n赵小刚\n",
            "contact_duty": "每月家访一次",
            "started_on": "2026-09-01",
        },
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get()
    assert pairing.students == ["王小华", "赵小刚"]
    event = AuditEvent.objects.get(verb="duty.pairing_create")
    assert event.changes["students"] == 2 and "王小华" not in str(event.changes)


def test_the_paired_teacher_and_the_school_see_it_the_county_sees_counts(
    as_user, pairing, teacher, safety_officer, county_officer, guard
):
    url = reverse("duties:pairing", args=[pairing.pk])
    for allowed in (teacher, safety_officer):
        page = as_user(allowed).get(url)
        assert page.status_code == 200 and "张小明" in page.content.decode()
    assert as_user(county_officer).get(url).status_code == 404
    assert as_user(guard).get(url).status_code == 404
    board = as_user(county_officer).get(reverse("duties:pairings", args=[pairing.school_id]))
    assert board.status_code == 200 and "张小明" not in board.content.decode()
    assert board.context["counts"][0]["groups"] == 1
    api = as_user(county_officer).get(f"{API}?school={pairing.school_id}")
    assert api.status_code == 403
    assert as_user(teacher).get(f"{API}/mine").json()[0]["students"] == ["张小明", "李小红"]


def test_the_teacher_adds_a_dated_note(as_user, pairing, teacher, county_viewer):
    response = post_json(as_user(teacher), f"{API}/{pairing.pk}/notes", {"text": "与张小明谈心"})
    assert response.status_code == 201
    assert PairingNote.objects.get().author == teacher
    assert (
        post_json(as_user(county_viewer), f"{API}/{pairing.pk}/notes", {"text": "x"}).status_code
        == 404
    )


def test_names_only_and_a_teacher_of_the_school(
    as_user, school_principal, teacher, world, other_county_officer
):
    client = as_user(school_principal)
    body = {"school": world.school_a1.pk, "teacher": teacher.pk, "group_label": "一班"}
    with_id = post_json(client, API, {**body, "students": ["张三 450102201001011234"]})
    assert with_id.status_code == 422 and "students" in with_id.json()["errors"]
    outside = post_json(
        client, API, {**body, "teacher": other_county_officer.pk, "students": ["张三"]}
    )
    assert outside.status_code == 422 and "teacher" in outside.json()["errors"]
    assert (
        post_json(as_user(other_county_officer), API, {**body, "students": ["张三"]}).status_code
        == 404
    )
    assert not Pairing.objects.exists()


def test_a_bureau_cannot_keep_a_school_pairing(as_user, county_officer, teacher, world):
    body = {
        "school": world.school_a1.pk,
        "teacher": teacher.pk,
        "group_label": "一班",
        "students": ["张三"],
    }
    assert post_json(as_user(county_officer), API, body).status_code == 403
    assert not Pairing.objects.exists()

"""Grid management (网格化): areas and time slots with their named person."""

from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.duties.models import GridCell
from safecampus.duties.tests.helpers import post_json
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.roles import Role

API = "/api/v1/responsibilities/grid"


def _cell(school, person, **extra):
    body = {
        "school": school.pk,
        "kind": "area",
        "area": "校门口",
        "time_slot": "放学",
        "start_time": "16:30",
        "end_time": "17:30",
        "person": person.pk,
        "note": "护导学生过马路",
    }
    body.update(extra)
    return body


def test_the_principal_keeps_the_grid_on_the_page(as_user, school_principal, guard, world):
    client = as_user(school_principal)
    url = reverse("duties:grid", args=[world.school_a1.pk])
    data = _cell(world.school_a1, guard)
    data.pop("school")
    assert client.post(url, data).status_code == 302
    cell = GridCell.objects.get()
    assert (cell.area, cell.person, str(cell.start_time)) == ("校门口", guard, "16:30:00")
    page = client.get(url)
    assert page.status_code == 200 and "护导学生过马路" in page.content.decode()
    edit = client.post(reverse("duties:cell", args=[cell.pk]), {**data, "area": "南门"})
    assert edit.status_code == 302
    cell.refresh_from_db()
    assert cell.area == "南门"
    assert client.post(reverse("duties:cell_delete", args=[cell.pk])).status_code == 302
    assert not GridCell.objects.exists()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"duty.grid_create", "duty.grid_edit", "duty.grid_delete"} <= verbs


def test_the_grid_by_api_for_each_persona(
    as_user, school_principal, guard, county_viewer, other_county_officer, safety_officer, world
):
    created = post_json(as_user(school_principal), API, _cell(world.school_a1, guard))
    assert created.status_code == 201 and created.json()["person"]["username"] == "guard"
    listed = as_user(county_viewer).get(f"{API}?school={world.school_a1.pk}")
    assert listed.status_code == 200 and len(listed.json()) == 1
    assert (
        as_user(other_county_officer).get(f"{API}?school={world.school_a1.pk}").status_code == 404
    )
    cell_id = created.json()["id"]
    assert as_user(other_county_officer).delete(f"{API}/{cell_id}").status_code == 404
    assert post_json(as_user(safety_officer), API, _cell(world.school_a1, guard)).status_code == 403
    assert as_user(county_viewer).delete(f"{API}/{cell_id}").status_code == 403
    assert GridCell.objects.count() == 1


def test_a_person_outside_the_school_or_a_bad_time_is_refused(
    as_user, school_principal, guard, world
):
    elsewhere = make_user("b_guard", world.school_b1, Role.GUARD)
    client = as_user(school_principal)
    outside = post_json(client, API, _cell(world.school_a1, elsewhere))
    assert outside.status_code == 422
    assert outside.json()["errors"] == {"person": ["该人员须在东湖第一小学担任角色。"]}
    backwards = post_json(client, API, _cell(world.school_a1, guard, end_time="16:00"))
    assert backwards.status_code == 422 and "end_time" in backwards.json()["errors"]
    no_area = post_json(client, API, _cell(world.school_a1, guard, area="  "))
    assert no_area.status_code == 422 and "area" in no_area.json()["errors"]
    assert not GridCell.objects.exists()

"""/api/v1/orgs: list, tree, detail, create, change and campuses, per persona."""

import pytest
from django.test import Client

from safecampus.audit.models import AuditEvent
from safecampus.lib.testing.factories import make_county, make_school, make_user
from safecampus.orgs.models import Campus, Organization
from safecampus.orgs.roles import CAPABILITIES, Role
from safecampus.orgs.tree import parent_of

ORGS = "/api/v1/orgs"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _codes(response):
    return [item["code"] for item in response.json()["items"]]


def _new_school(parent, **overrides):
    data = {
        "parent": parent.pk,
        "level": "school",
        "name": "东湖第二小学",
        "code": "SA3",
        "school_kind": "primary",
        "ownership": "public",
        "students": 500,
        "staff": 40,
    }
    data.update(overrides)
    return data


# --- list ----------------------------------------------------------------------------------


def test_it_lists_only_the_county_subtree_for_a_county_officer(as_user, county_officer, world):
    response = as_user(county_officer).get(ORGS)
    assert response.status_code == 200
    body = response.json()
    assert _codes(response) == ["CA", "SA1", "SA2"]
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 50)


def test_it_lists_the_whole_city_for_the_city_admin(as_user, city_admin, world):
    response = as_user(city_admin).get(ORGS, {"level": "school"})
    assert sorted(_codes(response)) == ["SA1", "SA2", "SB1", "SD1"]


def test_it_filters_with_the_same_filterset_as_the_page(as_user, city_admin, world):
    response = as_user(city_admin).get(ORGS, {"school_kind": "kindergarten", "licensed": "false"})
    assert _codes(response) == ["SA2"]
    response = as_user(city_admin).get(ORGS, {"under": world.county_b.pk, "q": "西山"})
    assert _codes(response) == ["CB", "SB1"]


def test_the_outsider_sees_nothing_of_another_county_even_when_asking_for_it(
    as_user, other_county_officer, world
):
    client = as_user(other_county_officer)
    assert _codes(client.get(ORGS)) == ["CB", "SB1"]
    response = client.get(ORGS, {"under": world.county_a.pk})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_an_invalid_filter_gets_422_with_the_filtersets_field_errors(as_user, city_admin, world):
    response = as_user(city_admin).get(ORGS, {"level": "castle", "under": "abc"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"level", "under"}


def test_a_page_size_above_500_is_refused(as_user, city_admin, world):
    response = as_user(city_admin).get(ORGS, {"page_size": 501})
    assert response.status_code == 422
    assert "page_size" in response.json()["errors"]


def test_it_pages_through_the_list(as_user, city_admin, world):
    client = as_user(city_admin)
    first = client.get(ORGS, {"page_size": 3}).json()
    second = client.get(ORGS, {"page_size": 3, "page": 3}).json()
    assert first["count"] == 7 and len(first["items"]) == 3
    assert [o["code"] for o in second["items"]] == ["SD1"]
    assert client.get(ORGS, {"page_size": 3, "page": 9}).json()["items"] == []


def test_parent_ids_are_given_only_inside_the_callers_scope(as_user, county_officer, world):
    items = {o["code"]: o for o in as_user(county_officer).get(ORGS).json()["items"]}
    assert items["CA"]["parent_id"] is None  # the city is above the officer's scope
    assert items["SA1"]["parent_id"] == world.county_a.pk
    assert items["CA"]["school_kind"] is None and items["SA1"]["school_kind"] == "primary"


def test_the_list_makes_the_same_few_queries_however_many_schools(
    as_user, city_admin, world, django_assert_max_num_queries
):
    for n in range(30):
        make_school(world.county_a, f"东湖第{n}小学", code=f"SX{n:03d}")
    client = as_user(city_admin)
    client.get(ORGS)  # the first request of a session also writes the session
    # session, user, scope, `under` root, count, page, parent ids
    with django_assert_max_num_queries(7):
        response = client.get(ORGS, {"page_size": 500, "under": world.city.pk})
    assert response.json()["count"] == 37


def test_a_person_without_any_role_gets_403(as_user, world):
    response = as_user(make_user("nobody")).get(ORGS)
    assert response.status_code == 403


def test_an_anonymous_caller_gets_401(world):
    response = Client().get(ORGS)
    assert response.status_code == 401
    assert response.json()["detail"]


# --- tree ----------------------------------------------------------------------------------


def _tree(client, **params):
    response = client.get(f"{ORGS}/tree", params)
    assert response.status_code == 200
    return response.json()["roots"]


def test_the_tree_nests_bureaus_with_active_school_counts(as_user, city_admin, world):
    (city,) = _tree(as_user(city_admin))
    assert city["code"] == "CITY"
    assert city["counts"] == {
        "schools": 4,
        "kindergartens": 1,
        "unlicensed": 1,
        "students": 800 + 120 + 800 + 800,
    }
    children = {c["code"]: c for c in city["children"]}
    assert set(children) == {"CA", "CB"}  # schools are not nodes unless asked for
    assert children["CA"]["counts"]["schools"] == 2
    assert children["CB"]["counts"]["schools"] == 1
    assert city["schools"] is None


def test_the_tree_leaves_closed_schools_out_of_the_counts(as_user, city_admin, world):
    Organization.objects.filter(pk=world.school_b1.pk).update(status="closed")
    (city,) = _tree(as_user(city_admin))
    assert city["counts"]["schools"] == 3
    assert {c["code"]: c["counts"]["schools"] for c in city["children"]}["CB"] == 0


def test_include_schools_lists_the_schools_under_each_node(as_user, city_admin, world):
    (city,) = _tree(as_user(city_admin), include_schools="true")
    assert [s["code"] for s in city["schools"]] == ["SD1"]
    county_a = next(c for c in city["children"] if c["code"] == "CA")
    assert [s["code"] for s in county_a["schools"]] == ["SA1", "SA2"]


def test_the_outsider_tree_holds_only_their_own_county(as_user, other_county_officer, world):
    (root,) = _tree(as_user(other_county_officer))
    assert (root["code"], root["counts"]["schools"], root["children"]) == ("CB", 1, [])


def test_a_principals_tree_is_their_school(as_user, school_principal, world):
    (root,) = _tree(as_user(school_principal))
    assert (root["code"], root["level"], root["counts"]["schools"]) == ("SA1", "school", 1)


def test_the_tree_counts_schools_in_one_grouped_query_however_many_bureaus(
    as_user, city_admin, world, django_assert_max_num_queries
):
    for n in range(20):
        county = make_county(world.city, f"新区{n}", code=f"CX{n:02d}")
        make_school(county, f"新区{n}小学", code=f"SX{n:02d}")
    client = as_user(city_admin)
    client.get(f"{ORGS}/tree")  # the first request of a session also writes the session
    # session, user, scope, bureaus, the one grouped count, the schools
    with django_assert_max_num_queries(6):
        (city,) = _tree(client, include_schools="true")
    assert len(city["children"]) == 22
    assert city["counts"]["schools"] == 24


# --- detail --------------------------------------------------------------------------------


def test_the_principal_reads_the_school_with_campuses_and_capabilities(
    as_user, school_principal, world
):
    response = as_user(school_principal).get(f"{ORGS}/{world.school_a1.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["parent_id"]) == ("SA1", None)
    assert [c["name"] for c in body["campuses"]] == ["东湖第一小学"]
    assert "org.manage" in body["capabilities"]


def test_a_teacher_reads_the_school_without_manage_capability(as_user, teacher, world):
    body = as_user(teacher).get(f"{ORGS}/{world.school_a1.pk}").json()
    assert body["capabilities"] == sorted(CAPABILITIES[Role.TEACHER])
    assert "org.manage" not in body["capabilities"]


def test_the_outsider_gets_404_on_a_school_detail(as_user, other_county_officer, world):
    response = as_user(other_county_officer).get(f"{ORGS}/{world.school_a1.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"], "errors": {}}


# --- create --------------------------------------------------------------------------------


def test_the_county_officer_creates_a_school_with_its_main_campus(as_user, county_officer, world):
    response = _post(as_user(county_officer), ORGS, _new_school(world.county_a))
    assert response.status_code == 201
    body = response.json()
    school = Organization.objects.get(code="SA3")
    assert body["id"] == school.pk and body["parent_id"] == world.county_a.pk
    assert parent_of(school) == world.county_a
    assert school.licensed is True  # the model's default when not sent
    assert Campus.objects.filter(school=school, is_main=True).count() == 1
    event = AuditEvent.objects.get(verb="org.create")
    assert event.actor == county_officer and event.org == school


def test_the_county_officer_creates_a_town(as_user, county_officer, world):
    data = {"parent": world.county_a.pk, "level": "town", "name": "花山街道", "code": "TA1"}
    response = _post(as_user(county_officer), ORGS, data)
    assert response.status_code == 201
    assert (response.json()["level"], response.json()["school_kind"]) == ("town", None)


def test_the_outsider_gets_404_creating_under_another_county(as_user, other_county_officer, world):
    response = _post(as_user(other_county_officer), ORGS, _new_school(world.county_a))
    assert response.status_code == 404
    assert not Organization.objects.filter(code="SA3").exists()


def test_a_read_only_viewer_gets_403_creating(as_user, county_viewer, world):
    response = _post(as_user(county_viewer), ORGS, _new_school(world.county_a))
    assert response.status_code == 403
    assert not Organization.objects.filter(code="SA3").exists()


def test_bad_input_gets_field_errors_from_the_form_and_writes_nothing(
    as_user, county_officer, world
):
    data = _new_school(world.county_a, code="SA1", students=-5, school_kind="castle")
    response = _post(as_user(county_officer), ORGS, data)
    assert response.status_code == 422
    assert {"code", "students", "school_kind"} <= set(response.json()["errors"])
    assert Organization.objects.filter(level="school").count() == 4
    assert not AuditEvent.objects.filter(verb="org.create").exists()


def test_only_kindergartens_can_be_unlicensed(as_user, county_officer, world):
    response = _post(as_user(county_officer), ORGS, _new_school(world.county_a, licensed=False))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["licensed"]


def test_a_missing_field_and_a_wrong_type_are_named(as_user, county_officer, world):
    data = _new_school(world.county_a, students="many")
    del data["name"]
    response = _post(as_user(county_officer), ORGS, data)
    assert response.status_code == 422
    assert {"name", "students"} <= set(response.json()["errors"])


def test_fields_outside_the_schema_are_rejected_and_nothing_is_written(
    as_user, county_officer, world
):
    data = _new_school(world.county_a, path="0001", status="closed", depth=1, numchild=9)
    response = _post(as_user(county_officer), ORGS, data)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"path", "status", "depth", "numchild"}
    assert not Organization.objects.filter(code="SA3").exists()


def test_school_fields_are_refused_for_a_bureau(as_user, county_officer, world):
    data = {"parent": world.county_a.pk, "level": "town", "name": "花山街道", "code": "TA1"}
    data["students"] = 10
    response = _post(as_user(county_officer), ORGS, data)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["students"]
    assert not Organization.objects.filter(code="TA1").exists()


def test_a_city_cannot_be_created_and_a_county_not_under_a_county(as_user, city_admin, world):
    client = as_user(city_admin)
    city = {"parent": world.city.pk, "level": "city", "name": "新市", "code": "C2"}
    assert list(_post(client, ORGS, city).json()["errors"]) == ["level"]
    county = {"parent": world.county_a.pk, "level": "county", "name": "新区", "code": "C3"}
    response = _post(client, ORGS, county)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["parent"]
    assert not Organization.objects.filter(code__in=["C2", "C3"]).exists()


def test_invalid_json_gets_400(as_user, county_officer, world):
    response = as_user(county_officer).post(ORGS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


# --- change --------------------------------------------------------------------------------


def test_the_principal_changes_only_the_fields_sent_and_the_audit_has_before_and_after(
    as_user, school_principal, world
):
    url = f"{ORGS}/{world.school_a1.pk}"
    response = _patch(as_user(school_principal), url, {"students": 820, "boarding": True})
    assert response.status_code == 200
    assert (response.json()["students"], response.json()["boarding"]) == (820, True)
    world.school_a1.refresh_from_db()
    assert (world.school_a1.name, world.school_a1.students) == ("东湖第一小学", 820)
    event = AuditEvent.objects.get(verb="org.update")
    assert event.changes == {"students": [800, 820], "boarding": [False, True]}


@pytest.mark.parametrize("persona", ["teacher", "county_viewer"])
def test_read_only_personas_get_403_changing_a_school(as_user, persona, request, world):
    user = request.getfixturevalue(persona)
    response = _patch(as_user(user), f"{ORGS}/{world.school_a1.pk}", {"name": "改名"})
    assert response.status_code == 403
    world.school_a1.refresh_from_db()
    assert world.school_a1.name == "东湖第一小学"
    assert AuditEvent.objects.filter(verb="access.denied", actor=user).exists()


def test_the_outsider_gets_404_changing_a_school(as_user, other_county_officer, world):
    response = _patch(
        as_user(other_county_officer), f"{ORGS}/{world.school_a1.pk}", {"name": "改名"}
    )
    assert response.status_code == 404


def test_bad_changes_get_field_errors_and_write_nothing(as_user, school_principal, world):
    url = f"{ORGS}/{world.school_a1.pk}"
    response = _patch(as_user(school_principal), url, {"students": -1, "code": "SB1", "name": ""})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"students", "code", "name"}
    world.school_a1.refresh_from_db()
    assert (world.school_a1.students, world.school_a1.code) == (800, "SA1")
    assert not AuditEvent.objects.filter(verb="org.update").exists()


def test_level_path_and_status_cannot_be_changed(as_user, school_principal, world):
    url = f"{ORGS}/{world.school_a1.pk}"
    data = {"level": "city", "path": "0001", "status": "closed", "name": "改名"}
    response = _patch(as_user(school_principal), url, data)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"level", "path", "status"}
    world.school_a1.refresh_from_db()
    assert (world.school_a1.level, world.school_a1.status, world.school_a1.name) == (
        "school",
        "active",
        "东湖第一小学",
    )


def test_school_fields_cannot_be_set_on_a_county(as_user, county_officer, world):
    response = _patch(as_user(county_officer), f"{ORGS}/{world.county_a.pk}", {"students": 5})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["students"]


def test_a_session_write_without_the_csrf_token_is_refused(school_principal, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(school_principal)
    response = _patch(client, f"{ORGS}/{world.school_a1.pk}", {"name": "改名"})
    assert response.status_code == 403
    world.school_a1.refresh_from_db()
    assert world.school_a1.name == "东湖第一小学"


def test_a_session_write_with_the_csrf_token_goes_through(school_principal, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(school_principal)
    client.get("/api/v1/docs")  # any page that renders a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.patch(
        f"{ORGS}/{world.school_a1.pk}",
        {"name": "东湖第一实验小学"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    world.school_a1.refresh_from_db()
    assert world.school_a1.name == "东湖第一实验小学"


# --- campuses ------------------------------------------------------------------------------


def test_the_teacher_lists_the_school_campuses(as_user, teacher, world):
    response = as_user(teacher).get(f"{ORGS}/{world.school_a1.pk}/campuses")
    assert response.status_code == 200
    assert [(c["name"], c["is_main"]) for c in response.json()["items"]] == [("东湖第一小学", True)]


def test_the_outsider_gets_404_on_campuses(as_user, other_county_officer, world):
    client = as_user(other_county_officer)
    url = f"{ORGS}/{world.school_a1.pk}/campuses"
    assert client.get(url).status_code == 404
    assert _post(client, url, {"name": "北校区"}).status_code == 404
    assert world.school_a1.campuses.count() == 1


def test_the_principal_adds_a_campus(as_user, school_principal, world):
    url = f"{ORGS}/{world.school_a1.pk}/campuses"
    response = _post(as_user(school_principal), url, {"name": "北校区", "address": "北京路 9 号"})
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["is_main"]) == ("北校区", False)
    assert AuditEvent.objects.filter(verb="campus.create").count() == 1


def test_a_teacher_gets_403_adding_a_campus(as_user, teacher, world):
    url = f"{ORGS}/{world.school_a1.pk}/campuses"
    assert _post(as_user(teacher), url, {"name": "北校区"}).status_code == 403
    assert world.school_a1.campuses.count() == 1


def test_a_nameless_or_duplicate_campus_gets_422_and_nothing_is_written(
    as_user, school_principal, world
):
    client = as_user(school_principal)
    url = f"{ORGS}/{world.school_a1.pk}/campuses"
    assert list(_post(client, url, {"name": ""}).json()["errors"]) == ["name"]
    response = _post(client, url, {"name": "东湖第一小学"})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]
    assert world.school_a1.campuses.count() == 1

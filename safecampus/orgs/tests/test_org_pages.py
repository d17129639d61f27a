"""Organisation list, detail, create and edit pages, per persona."""

from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.orgs.models import Campus, Organization
from safecampus.orgs.tree import parent_of


def test_it_lists_only_the_county_subtree_for_a_county_officer(as_user, county_officer, world):
    response = as_user(county_officer).get(reverse("orgs:list"))
    assert response.status_code == 200
    names = {o.name for o in response.context["page"]}
    assert names == {"东湖区", "东湖第一小学", "东湖阳光幼儿园"}


def test_it_lists_the_whole_city_for_the_city_admin(as_user, city_admin, world):
    response = as_user(city_admin).get(reverse("orgs:list"), {"level": "school"})
    assert {o.code for o in response.context["page"]} == {"SA1", "SA2", "SB1", "SD1"}


def test_it_filters_unlicensed_kindergartens(as_user, city_admin, world):
    response = as_user(city_admin).get(
        reverse("orgs:list"), {"school_kind": "kindergarten", "licensed": "false"}
    )
    assert [o.code for o in response.context["page"]] == ["SA2"]


def test_an_outsider_gets_404_on_a_school_detail(as_user, other_county_officer, world):
    response = as_user(other_county_officer).get(reverse("orgs:detail", args=[world.school_a1.pk]))
    assert response.status_code == 404


def test_the_principal_sees_the_school_detail(as_user, school_principal, world):
    response = as_user(school_principal).get(reverse("orgs:detail", args=[world.school_a1.pk]))
    assert response.status_code == 200
    assert "东湖第一小学" in response.content.decode()


def test_a_teacher_gets_403_on_edit(as_user, teacher, world):
    response = as_user(teacher).post(
        reverse("orgs:edit", args=[world.school_a1.pk]), {"name": "改名"}
    )
    assert response.status_code == 403
    world.school_a1.refresh_from_db()
    assert world.school_a1.name == "东湖第一小学"
    assert AuditEvent.objects.filter(verb="access.denied", actor=teacher).exists()


def test_a_read_only_viewer_gets_403_on_create(as_user, county_viewer, world):
    response = as_user(county_viewer).get(reverse("orgs:new"))
    assert response.status_code == 403


def _school_form(**overrides):
    data = {
        "new_level": "school",
        "parent": "",
        "name": "东湖第二小学",
        "code": "SA3",
        "school_kind": "primary",
        "ownership": "public",
        "licensed": "on",
        "students": "500",
        "staff": "40",
        "address": "",
        "phone": "",
        "principal_name": "",
        "safety_officer_name": "",
    }
    data.update(overrides)
    return data


def test_the_county_officer_creates_a_school_with_its_main_campus(as_user, county_officer, world):
    response = as_user(county_officer).post(
        reverse("orgs:new"), _school_form(parent=world.county_a.pk)
    )
    assert response.status_code == 302
    school = Organization.objects.get(code="SA3")
    assert parent_of(school) == world.county_a
    assert Campus.objects.filter(school=school, is_main=True).count() == 1
    event = AuditEvent.objects.get(verb="org.create")
    assert event.actor == county_officer and event.org == school


def test_creating_under_a_foreign_county_is_refused_and_writes_nothing(
    as_user, county_officer, world
):
    response = as_user(county_officer).post(
        reverse("orgs:new"), _school_form(parent=world.county_b.pk)
    )
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    assert not Organization.objects.filter(code="SA3").exists()


def test_bad_input_gets_field_errors_and_writes_nothing(as_user, county_officer, world):
    response = as_user(county_officer).post(
        reverse("orgs:new"),
        _school_form(parent=world.county_a.pk, code="SA1", students="-5", school_kind="castle"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"code", "students", "school_kind"} <= set(errors)
    assert Organization.objects.filter(level="school").count() == 4


def test_only_kindergartens_can_be_unlicensed(as_user, county_officer, world):
    data = _school_form(parent=world.county_a.pk)
    del data["licensed"]
    response = as_user(county_officer).post(reverse("orgs:new"), data)
    assert response.status_code == 400
    assert "licensed" in response.context["form"].errors


def test_the_principal_edits_the_school_and_the_audit_has_before_and_after(
    as_user, school_principal, world
):
    client = as_user(school_principal)
    url = reverse("orgs:edit", args=[world.school_a1.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"students": 820, "boarding": "on"})
    response = client.post(url, data)
    assert response.status_code == 302
    event = AuditEvent.objects.get(verb="org.update")
    assert event.changes["students"] == [800, 820]


def test_mass_assignment_of_level_or_path_is_ignored(as_user, school_principal, world):
    client = as_user(school_principal)
    url = reverse("orgs:edit", args=[world.school_a1.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data.update({"level": "city", "path": "0001", "status": "closed"})
    assert client.post(url, data).status_code == 302
    world.school_a1.refresh_from_db()
    assert (world.school_a1.level, world.school_a1.status) == ("school", "active")


def test_a_principal_cannot_close_the_school_but_the_county_can(
    as_user, school_principal, county_officer, world
):
    url = reverse("orgs:set_status", args=[world.school_a1.pk])
    assert as_user(school_principal).post(url, {"status": "closed"}).status_code == 403
    assert as_user(county_officer).post(url, {"status": "closed"}).status_code == 302
    world.school_a1.refresh_from_db()
    assert world.school_a1.status == "closed"


def test_campuses_count_as_sites(as_user, school_principal, world):
    client = as_user(school_principal)
    client.post(reverse("orgs:campus_add", args=[world.school_a1.pk]), {"name": "北校区"})
    assert world.school_a1.campuses.count() == 2


def test_search_works_together_with_the_default_subtree(as_user, county_officer, world):
    response = as_user(county_officer).get(reverse("orgs:list"), {"q": "SA1"})
    assert [o.code for o in response.context["page"]] == ["SA1"]


def test_an_outsider_subtree_in_the_filter_matches_nothing(as_user, county_officer, world):
    response = as_user(county_officer).get(reverse("orgs:list"), {"under": world.county_b.pk})
    assert list(response.context["page"]) == []

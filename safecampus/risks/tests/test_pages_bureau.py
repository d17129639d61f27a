"""Bureau pages: the grading policy form, the library browser and the bureau's own entries
(versioned: an edit keeps the old version on the points built from it)."""

import pytest

from safecampus.risks.actions import do_build_register, do_save_library_item
from safecampus.risks.models import GradingPolicy, LibraryItem, RiskPoint

pytestmark = pytest.mark.django_db


def _entry(lib, **overrides):
    data = {
        "category": lib["gate"].pk,
        "hazard_zh": "放学时段校门口拥堵",
        "hazard_en": "Crowding at the gate after school",
        "consequences_zh": "踩踏",
        "measures_zh": "错峰放学，护学岗",
        "frequency": "daily",
        "school_kinds": ["all"],
    }
    data.update(overrides)
    return data


# --- policy ---------------------------------------------------------------------------------


def test_the_policy_page_shows_the_lec_defaults(as_user, county_officer, world):
    response = as_user(county_officer).get(f"/risks/policy/?org={world.county_a.pk}")
    assert response.status_code == 200
    assert response.context["policy"].method == "lec" and response.context["policy"].red == 320
    assert response.context["can_edit"]


def test_a_bureau_sets_ls(as_user, county_officer, world):
    response = as_user(county_officer).post(
        f"/risks/policy/?org={world.county_a.pk}",
        {"method": "ls", "red": "19", "orange": "14", "yellow": "8"},
    )
    assert response.status_code == 302
    assert GradingPolicy.objects.get(org=world.county_a).method == "ls"
    school_page = as_user(county_officer).get(f"/risks/policy/?org={world.school_a1.pk}")
    assert school_page.context["source"].org == world.county_a


def test_thresholds_that_do_not_increase_are_refused(as_user, county_officer, world):
    response = as_user(county_officer).post(
        f"/risks/policy/?org={world.county_a.pk}",
        {"method": "lec", "red": "100", "orange": "160", "yellow": "70"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["orange"]
    assert not GradingPolicy.objects.exists()


def test_the_county_viewer_cannot_set_the_policy(as_user, county_viewer, world):
    response = as_user(county_viewer).post(
        f"/risks/policy/?org={world.county_a.pk}",
        {"method": "ls", "red": "19", "orange": "14", "yellow": "8"},
    )
    assert response.status_code == 403 and not GradingPolicy.objects.exists()


def test_a_principal_sees_the_rules_of_the_school_but_cannot_set_them(
    as_user, school_principal, world
):
    client = as_user(school_principal)
    url = f"/risks/policy/?org={world.school_a1.pk}"
    page = client.get(url)
    assert page.status_code == 200 and not page.context["can_edit"]
    data = {"method": "ls", "red": "19", "orange": "14", "yellow": "8"}
    assert client.post(url, data).status_code == 403
    assert client.post(f"/risks/policy/?org={world.county_a.pk}", data).status_code == 404
    assert not GradingPolicy.objects.exists()


def test_an_outsider_gets_404_on_the_policy(as_user, other_county_officer, world):
    url = f"/risks/policy/?org={world.county_a.pk}"
    assert as_user(other_county_officer).get(url).status_code == 404


# --- library --------------------------------------------------------------------------------


def test_the_library_lists_and_filters(as_user, teacher, county_officer, world, lib):
    do_save_library_item(county_officer, world.county_a, **_entry(lib) | {"category": lib["gate"]})
    client = as_user(teacher)
    everything = client.get(f"/risks/library/?org={world.school_a1.pk}")
    assert everything.status_code == 200
    assert len(everything.context["page"]) == 4
    own = client.get(f"/risks/library/?org={world.school_a1.pk}&own=true")
    assert [i.hazard_zh for i in own.context["page"]] == ["放学时段校门口拥堵"]
    kg = client.get(f"/risks/library/?org={world.school_a1.pk}&kind=kindergarten&q=电暖器")
    assert [i.code for i in kg.context["page"]] == ["T-F2"]
    assert not everything.context["can_add"]


def test_another_countys_entries_are_not_offered(
    as_user, other_county_officer, world, lib, county_officer
):
    do_save_library_item(county_officer, world.county_a, **_entry(lib) | {"category": lib["gate"]})
    response = as_user(other_county_officer).get(f"/risks/library/?org={world.county_b.pk}")
    assert len(response.context["page"]) == 3
    item = LibraryItem.objects.get(owner=world.county_a)
    assert as_user(other_county_officer).get(f"/risks/library/{item.pk}/").status_code == 404


def test_a_bureau_adds_and_edits_its_entry_keeping_versions(
    as_user, county_officer, safety_officer, world, lib
):
    client = as_user(county_officer)
    response = client.post(f"/risks/library/new/?org={world.county_a.pk}", _entry(lib))
    item = LibraryItem.objects.get(owner=world.county_a)
    assert response.status_code == 302 and item.version == 1
    do_build_register(safety_officer, world.school_a1)
    built = RiskPoint.objects.get(library_item=item)
    response = client.post(
        f"/risks/library/{item.pk}/edit/", _entry(lib, hazard_zh="放学时段校门口车辆拥堵")
    )
    new = LibraryItem.objects.get(owner=world.county_a, is_current=True)
    assert response.status_code == 302 and new.version == 2
    built.refresh_from_db()
    assert built.library_item == item and built.hazard == "放学时段校门口拥堵"
    history = client.get(f"/risks/library/{new.pk}/")
    assert [v.version for v in history.context["versions"]] == [2, 1]
    assert client.get(f"/risks/library/{item.pk}/edit/").status_code == 200  # form shows
    stale = client.post(f"/risks/library/{item.pk}/edit/", _entry(lib))
    assert (
        stale.status_code == 422 and LibraryItem.objects.filter(owner=world.county_a).count() == 2
    )


def test_the_standard_library_is_not_edited_here(as_user, county_officer, lib):
    item = lib["items"][0]
    assert as_user(county_officer).get(f"/risks/library/{item.pk}/edit/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"), [("county_viewer", 403), ("safety_officer", 404), ("teacher", 404)]
)
def test_others_cannot_add_entries(as_user, request, world, lib, persona, status):
    """The viewer sees the county but may not write (403); school staff do not see it (404)
    and may not add entries at their school either (403)."""
    user = request.getfixturevalue(persona)
    response = as_user(user).post(f"/risks/library/new/?org={world.county_a.pk}", _entry(lib))
    assert response.status_code == status
    at_school = as_user(user).post(f"/risks/library/new/?org={world.school_a1.pk}", _entry(lib))
    assert at_school.status_code in (403, 404)
    assert not LibraryItem.objects.filter(owner__isnull=False).exists()


def test_an_entry_without_school_kinds_is_refused(as_user, county_officer, world, lib):
    response = as_user(county_officer).post(
        f"/risks/library/new/?org={world.county_a.pk}", _entry(lib, school_kinds=[])
    )
    assert response.status_code == 400
    assert not LibraryItem.objects.filter(owner__isnull=False).exists()

"""/api/v1/risks: points (list, create, detail, patch), assessments, hazards of a point, build,
library, policy, categories; per persona, with bad input refused and nothing written."""

import pytest

from safecampus.lib.testing.factories import make_user
from safecampus.risks.actions import do_set_policy
from safecampus.risks.models import GradingPolicy, LibraryItem, RiskAssessment, RiskPoint
from safecampus.risks.tests.helpers import add_point, assess_lec, major_hazard

pytestmark = pytest.mark.django_db
API = "/api/v1/risks"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _put(client, url, data):
    return client.put(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


@pytest.fixture
def point(world, lib, safety_officer):
    return add_point(safety_officer, world.school_a1, lib["fire"])


@pytest.fixture
def b_point(world, lib):
    b_officer = make_user("b_officer", world.school_b1, "safety_officer")
    return add_point(b_officer, world.school_b1, lib["gate"], hazard="西山门卫")


# --- list and detail ----------------------------------------------------------------------------


def test_the_list_is_scoped_and_shows_the_displayed_level(
    as_user, county_officer, safety_officer, point, b_point, categories
):
    assess_lec(safety_officer, point, "1", "1", "1")
    major_hazard(safety_officer, point, categories)
    response = as_user(county_officer).get(f"{API}/points")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["level"] == "blue" and item["displayed_level"] == "red"
    assert item["has_open_major_hazard"] is True


def test_the_list_filters_like_the_page(as_user, city_admin, point, b_point, world):
    client = as_user(city_admin)
    assert client.get(f"{API}/points?school={world.school_b1.pk}").json()["count"] == 1
    assert client.get(f"{API}/points?org={world.county_a.pk}").json()["count"] == 1
    assert client.get(f"{API}/points?due=unassessed").json()["count"] == 2
    bad = client.get(f"{API}/points?level=purple")
    assert bad.status_code == 422 and "level" in bad.json()["errors"]


def test_page_size_is_at_most_500(as_user, city_admin):
    response = as_user(city_admin).get(f"{API}/points?page_size=501")
    assert response.status_code == 422


def test_the_list_costs_the_same_queries_for_more_points(
    as_user, city_admin, safety_officer, world, lib, categories, django_assert_max_num_queries
):
    client = as_user(city_admin)
    first = add_point(safety_officer, world.school_a1, lib["fire"])
    assess_lec(safety_officer, first, "3", "6", "7")
    client.get(f"{API}/points")
    with django_assert_max_num_queries(8) as few:
        client.get(f"{API}/points")
    for n in range(15):
        p = add_point(safety_officer, world.school_a1, lib["gate"], hazard=f"点{n}")
        assess_lec(safety_officer, p, "3", "6", "7")
    major_hazard(safety_officer, p, categories)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{API}/points")
    assert response.json()["count"] == 16


def test_detail_implies_tier_and_review(as_user, teacher, safety_officer, point):
    assess_lec(safety_officer, point, "6", "6", "15")  # 540: red
    body = as_user(teacher).get(f"{API}/points/{point.pk}").json()
    assert body["displayed_level"] == "red" and body["review_days"] == 30
    assert body["inspection"] == "daily" and body["control_tier"]


def test_an_outsider_gets_404(as_user, other_county_officer, point):
    client = as_user(other_county_officer)
    assert client.get(f"{API}/points/{point.pk}").status_code == 404
    assert (
        _post(client, f"{API}/points/{point.pk}/assessments", {"l": 3, "e": 6, "c": 7}).status_code
        == 404
    )
    assert client.get(f"{API}/points/{point.pk}/hazards").status_code == 404


# --- create and patch -----------------------------------------------------------------------------


def _new(world, **overrides):
    data = {
        "school": world.school_a1.pk,
        "category": "t_fire",
        "hazard": "锅炉房超压",
        "location": "锅炉房",
        "frequency": "daily",
    }
    data.update(overrides)
    return data


def test_a_safety_officer_creates_a_point(as_user, safety_officer, teacher, world, lib):
    response = _post(as_user(safety_officer), f"{API}/points", _new(world, responsible=teacher.pk))
    assert response.status_code == 201
    body = response.json()
    assert body["responsible"]["id"] == teacher.pk and body["displayed_level"] == ""
    assert RiskPoint.objects.get(pk=body["id"]).school == world.school_a1


def test_a_responsible_person_outside_the_school_is_refused(as_user, safety_officer, world, lib):
    outsider = make_user("b_teacher", world.school_b1, "teacher")
    response = _post(as_user(safety_officer), f"{API}/points", _new(world, responsible=outsider.pk))
    assert response.status_code == 422
    assert "responsible" in response.json()["errors"]
    assert not RiskPoint.objects.exists()


def test_unknown_fields_are_refused(as_user, safety_officer, world, lib):
    response = _post(as_user(safety_officer), f"{API}/points", _new(world, level="blue"))
    assert response.status_code == 422 and not RiskPoint.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("teacher", 403), ("county_viewer", 403), ("other_county_officer", 404)]
)
def test_others_cannot_create(as_user, request, world, lib, persona, status):
    user = request.getfixturevalue(persona)
    assert _post(as_user(user), f"{API}/points", _new(world)).status_code == status
    assert not RiskPoint.objects.exists()


def test_patch_changes_only_what_is_sent(as_user, safety_officer, point):
    response = _patch(
        as_user(safety_officer), f"{API}/points/{point.pk}", {"responsible_post": "总务主任"}
    )
    assert response.status_code == 200
    point.refresh_from_db()
    assert point.responsible_post == "总务主任" and point.hazard == "实验室危化品存放不规范"


def test_patch_by_a_teacher_is_403(as_user, teacher, point):
    response = _patch(as_user(teacher), f"{API}/points/{point.pk}", {"hazard": "改"})
    assert response.status_code == 403


# --- assessments --------------------------------------------------------------------------------


def test_assess_with_lec_and_read_the_history(as_user, safety_officer, point):
    client = as_user(safety_officer)
    first = _post(client, f"{API}/points/{point.pk}/assessments", {"l": "1", "e": "1", "c": "3"})
    assert first.status_code == 201 and first.json()["level"] == "blue"
    second = _post(
        client,
        f"{API}/points/{point.pk}/assessments",
        {"l": 3, "e": 6, "c": 15, "reason": "incident"},
    )
    assert second.json()["level"] == "orange"
    history = client.get(f"{API}/points/{point.pk}/assessments").json()
    assert [a["level"] for a in history] == ["orange", "blue"]
    assert client.get(f"{API}/points/{point.pk}").json()["rose"] is True


def test_a_factor_outside_the_lec_set_is_422(as_user, safety_officer, point):
    response = _post(
        as_user(safety_officer), f"{API}/points/{point.pk}/assessments", {"l": 4, "e": 6, "c": 15}
    )
    assert response.status_code == 422
    assert "l" in response.json()["errors"]
    assert not RiskAssessment.objects.exists()


def test_ls_value_6_is_422(as_user, safety_officer, county_officer, world, point):
    do_set_policy(county_officer, world.county_a, method="ls", red=19, orange=14, yellow=8)
    client = as_user(safety_officer)
    response = _post(client, f"{API}/points/{point.pk}/assessments", {"l": 6, "s": 4})
    assert response.status_code == 422 and "l" in response.json()["errors"]
    assert not RiskAssessment.objects.exists()
    ok = _post(client, f"{API}/points/{point.pk}/assessments", {"l": 4, "s": 4})
    assert ok.status_code == 201 and ok.json()["method"] == "ls" and ok.json()["level"] == "orange"


def test_a_direct_red_reason_grades_red(as_user, safety_officer, point):
    response = _post(
        as_user(safety_officer),
        f"{API}/points/{point.pk}/assessments",
        {"l": "0.1", "e": "0.5", "c": "1", "direct_red_reason": "曾发生严重事故"},
    )
    assert response.json()["level"] == "red" and response.json()["scored_level"] == "blue"


def test_the_viewer_cannot_assess(as_user, county_viewer, point):
    response = _post(
        as_user(county_viewer), f"{API}/points/{point.pk}/assessments", {"l": 3, "e": 6, "c": 7}
    )
    assert response.status_code == 403 and not RiskAssessment.objects.exists()


# --- hazards of a point, build ---------------------------------------------------------------


def test_the_hazards_raised_from_a_point(as_user, teacher, safety_officer, point, categories):
    hazard = major_hazard(safety_officer, point, categories)
    body = as_user(teacher).get(f"{API}/points/{point.pk}/hazards").json()
    assert [h["id"] for h in body] == [hazard.pk] and body[0]["open"] is True
    assert as_user(teacher).get(f"/api/v1/hazards/{hazard.pk}").json()["risk_point"] == point.pk


def test_build_is_idempotent(as_user, safety_officer, world, lib):
    client = as_user(safety_officer)
    first = _post(client, f"{API}/build", {"school": world.school_a1.pk, "categories": ["t_fire"]})
    assert first.status_code == 200 and first.json() == {"added": 1}
    assert _post(client, f"{API}/build", {"school": world.school_a1.pk}).json() == {"added": 1}
    assert _post(client, f"{API}/build", {"school": world.school_a1.pk}).json() == {"added": 0}


def test_build_with_an_unknown_category_is_422(as_user, safety_officer, world, lib):
    response = _post(
        as_user(safety_officer),
        f"{API}/build",
        {"school": world.school_a1.pk, "categories": ["nope"]},
    )
    assert response.status_code == 422 and not RiskPoint.objects.exists()


def test_build_by_a_teacher_is_403(as_user, teacher, world, lib):
    assert (
        _post(as_user(teacher), f"{API}/build", {"school": world.school_a1.pk}).status_code == 403
    )


# --- library, policy, categories ------------------------------------------------------------


def _entry(world, **overrides):
    data = {
        "org": world.county_a.pk,
        "category": "t_gate",
        "hazard_zh": "放学时段校门口拥堵",
        "measures_zh": "错峰放学",
        "frequency": "daily",
        "school_kinds": ["primary"],
    }
    data.update(overrides)
    return data


def test_library_post_put_and_list(as_user, county_officer, teacher, world, lib):
    client = as_user(county_officer)
    created = _post(client, f"{API}/library", _entry(world))
    assert created.status_code == 201 and created.json()["version"] == 1
    edited = _put(
        client, f"{API}/library/{created.json()['id']}", _entry(world, hazard_zh="校门口拥堵")
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    assert LibraryItem.objects.filter(owner=world.county_a).count() == 2
    listed = as_user(teacher).get(f"{API}/library?org={world.school_a1.pk}&own=true").json()
    assert [i["hazard_zh"] for i in listed["items"]] == ["校门口拥堵"]


def test_library_bad_kind_and_viewer(as_user, county_officer, county_viewer, world, lib):
    bad = _post(as_user(county_officer), f"{API}/library", _entry(world, school_kinds=["castle"]))
    assert bad.status_code == 422 and "school_kinds" in bad.json()["errors"]
    assert _post(as_user(county_viewer), f"{API}/library", _entry(world)).status_code == 403
    assert not LibraryItem.objects.filter(owner__isnull=False).exists()


def test_the_standard_library_cannot_be_put(as_user, county_officer, world, lib):
    response = _put(as_user(county_officer), f"{API}/library/{lib['items'][0].pk}", _entry(world))
    assert response.status_code == 403


def test_policy_get_and_put(as_user, county_officer, teacher, world):
    client = as_user(county_officer)
    assert client.get(f"{API}/policy?org={world.county_a.pk}").json()["method"] == "lec"
    response = _put(
        client,
        f"{API}/policy",
        {"org": world.county_a.pk, "method": "ls", "red": 19, "orange": 14, "yellow": 8},
    )
    assert response.status_code == 200
    body = as_user(teacher).get(f"{API}/policy?org={world.school_a1.pk}").json()
    assert body["method"] == "ls" and body["source"]["id"] == world.county_a.pk


def test_policy_not_increasing_is_422(as_user, county_officer, world):
    response = _put(
        as_user(county_officer),
        f"{API}/policy",
        {"org": world.county_a.pk, "method": "lec", "red": 160, "orange": 160, "yellow": 70},
    )
    assert response.status_code == 422 and "orange" in response.json()["errors"]
    assert not GradingPolicy.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("county_viewer", 403), ("other_county_officer", 404)]
)
def test_policy_put_by_others(as_user, request, world, persona, status):
    user = request.getfixturevalue(persona)
    data = {"org": world.county_a.pk, "method": "ls", "red": 19, "orange": 14, "yellow": 8}
    assert _put(as_user(user), f"{API}/policy", data).status_code == status
    assert not GradingPolicy.objects.exists()


def test_categories(as_user, guard, lib):
    codes = {c["code"] for c in as_user(guard).get(f"{API}/categories").json()}
    assert {"t_fire", "t_gate"} <= codes


def test_the_openapi_documents_the_risk_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/risks/points", "/api/v1/risks/policy", "/api/v1/risks/build"} <= set(paths)

"""/api/v1/hazards: the ledger list (keyset pages), one hazard, reporting, categories."""

import base64
import datetime
import uuid

import pytest
from django.test import Client

from safecampus.audit.models import AuditEvent
from safecampus.hazards import actions, actions_followup
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.hazards.queries import visible_hazards
from safecampus.hazards.tests.helpers import FOUND, jpeg, report
from safecampus.lib.testing.factories import make_school, make_user

HAZARDS = "/api/v1/hazards"
DEADLINE = FOUND + datetime.timedelta(days=7)


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _ids(response):
    return [item["id"] for item in response.json()["items"]]


def _b64(upload):
    upload.seek(0)
    return base64.b64encode(upload.read()).decode()


def _new(world, categories, **overrides):
    data = {
        "school": world.school_a1.pk,
        "source": "self_check",
        "category": "fire",
        "severity": "general",
        "title": "灭火器过期",
        "description": "二楼走廊灭火器已过期",
        "location": "教学楼二楼",
        "found_on": FOUND.isoformat(),
        "rectification_type": "deadline",
    }
    data.update(overrides)
    return data


@pytest.fixture
def spread(world, categories, teacher, guard):
    """Hazards in both counties and at the city-direct school."""
    b_teacher = make_user("b_teacher", world.school_b1, "teacher")
    d_teacher = make_user("d_teacher", world.direct_school, "teacher")
    return {
        "a1": report(teacher, world.school_a1, categories),
        "a1_major": report(guard, world.school_a1, categories, severity="major", source="public"),
        "b1": report(b_teacher, world.school_b1, categories, category=categories["food"]),
        "d1": report(d_teacher, world.direct_school, categories),
    }


# --- list ----------------------------------------------------------------------------------


def test_it_lists_the_hazards_of_the_county_for_a_county_officer(as_user, county_officer, spread):
    response = as_user(county_officer).get(HAZARDS)

    assert response.status_code == 200
    assert sorted(_ids(response)) == sorted([spread["a1"].pk, spread["a1_major"].pk])
    item = response.json()["items"][0]
    assert item["org"]["code"] == "SA1" and item["category"]["code"] == "fire"
    assert item["number"].startswith("YH2026-") and item["overdue"] is False
    assert response.json()["next"] is None


def test_the_outsider_sees_only_their_own_county_even_when_asking_for_another(
    as_user, other_county_officer, spread, world
):
    client = as_user(other_county_officer)
    assert _ids(client.get(HAZARDS)) == [spread["b1"].pk]
    response = client.get(HAZARDS, {"org": world.county_a.pk})
    assert response.status_code == 200 and response.json()["items"] == []


def test_it_filters_with_the_ledgers_filterset(as_user, city_admin, spread, world):
    client = as_user(city_admin)
    assert _ids(client.get(HAZARDS, {"severity": "major"})) == [spread["a1_major"].pk]
    assert _ids(client.get(HAZARDS, {"source": "public", "org": world.county_a.pk})) == [
        spread["a1_major"].pk
    ]
    both = client.get(HAZARDS, {"state": ["reported", "closed"], "org": world.county_b.pk})
    assert _ids(both) == [spread["b1"].pk]
    assert _ids(client.get(HAZARDS, {"q": "灭火器", "org": world.direct_school.pk})) == [
        spread["d1"].pk
    ]


def test_it_lists_overdue_hazards_as_the_ledger_does(
    as_user, city_admin, safety_officer, teacher, spread
):
    actions.do_assign(safety_officer, spread["a1"], responsible=teacher, deadline=DEADLINE)
    response = as_user(city_admin).get(HAZARDS, {"overdue": "true"})

    assert _ids(response) == [spread["a1"].pk]  # the deadline in March has passed
    assert response.json()["items"][0]["overdue"] is True


def test_an_invalid_filter_gets_422_with_the_filtersets_field_errors(as_user, city_admin, spread):
    response = as_user(city_admin).get(
        HAZARDS, {"severity": "huge", "found_from": "yesterday", "state": "lost"}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"severity", "found_from", "state"}


def test_keyset_pages_return_every_row_once_newest_first(
    as_user, city_admin, world, categories, teacher
):
    days = [0, 3, 3, 3, 1, 7, 7, 2, 0, 5]
    for day in days:
        report(teacher, world.school_a1, categories, found_on=FOUND + datetime.timedelta(day))
    client = as_user(city_admin)
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"after": after} if after else {})}
        body = client.get(HAZARDS, params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        after = body["next"]
        if after is None:
            break
    expected = list(Hazard.objects.order_by("-found_on", "-id").values_list("pk", flat=True))
    assert seen == expected and pages == 4


def test_a_forged_cursor_or_a_limit_above_500_is_refused(as_user, city_admin, spread):
    client = as_user(city_admin)
    response = client.get(HAZARDS, {"after": "not-a-cursor"})
    assert response.status_code == 422 and "after" in response.json()["errors"]
    response = client.get(HAZARDS, {"limit": 501})
    assert response.status_code == 422 and "limit" in response.json()["errors"]


def test_the_list_makes_the_same_few_queries_however_many_hazards(
    as_user, city_admin, world, categories, teacher, django_assert_max_num_queries
):
    for n in range(12):
        school = make_school(world.county_a, f"学校{n}", code=f"SX{n:03d}")
        make_user(f"t{n}", school, "teacher")
        report(teacher, world.school_a1, categories, title=f"隐患{n}")
        report(make_user(f"r{n}", school, "teacher"), school, categories)
    client = as_user(city_admin)
    client.get(HAZARDS)  # the first request of a session also writes the session
    # session, user, scope, `org` lookup, the page (org, category, responsible joined)
    with django_assert_max_num_queries(5):
        response = client.get(HAZARDS, {"limit": 500, "org": world.city.pk})
    assert len(response.json()["items"]) == 24


def test_a_person_without_a_role_gets_403_and_an_anonymous_caller_401(as_user, world):
    assert as_user(make_user("nobody")).get(HAZARDS).status_code == 403
    assert Client().get(HAZARDS).status_code == 401


# --- one hazard ----------------------------------------------------------------------------


def test_a_hazard_shows_its_timeline_photos_plan_and_revisits(
    as_user, county_officer, world, categories, teacher, safety_officer
):
    hazard = report(teacher, world.school_a1, categories, photos=[("before", jpeg())])
    actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    actions_followup.do_save_plan(
        safety_officer,
        hazard,
        measures="更换灭火器",
        funds="学校公用经费",
        responsible=teacher,
        interim_measures="",
        contingency="",
        milestones=[("采购", DEADLINE)],
    )
    client = as_user(county_officer)
    body = client.get(f"{HAZARDS}/{hazard.pk}").json()

    assert body["state"] == "assigned" and body["responsible"]["username"] == "teacher"
    assert [e["verb"] for e in body["events"]] == ["report", "assign", "plan"]
    assert body["transitions"] == ["assign", "start", "submit"]
    (photo,) = body["photos"]
    assert photo["kind"] == "before" and photo["url"] == f"/hazards/photos/{photo['id']}/"
    assert client.get(photo["url"]).status_code == 200  # the permission-checked view
    assert body["plan"]["milestones"][0]["title"] == "采购" and body["revisits"] == []


def test_the_outsider_gets_404_for_a_hazard_of_another_county(
    as_user, other_county_officer, spread
):
    response = as_user(other_county_officer).get(f"{HAZARDS}/{spread['a1'].pk}")
    assert response.status_code == 404
    assert as_user(other_county_officer).get(f"{HAZARDS}/999999").status_code == 404


# --- report --------------------------------------------------------------------------------


def test_a_teacher_reports_a_hazard(as_user, teacher, world, categories):
    response = _post(as_user(teacher), HAZARDS, _new(world, categories))

    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["finder"]["username"], body["org"]["id"]) == (
        "reported",
        "teacher",
        world.school_a1.pk,
    )
    assert AuditEvent.objects.filter(verb="hazard.report", object_id=str(body["id"])).exists()


def test_the_category_may_be_given_by_code_or_by_id(as_user, teacher, world, categories):
    client = as_user(teacher)
    by_id = _post(client, HAZARDS, _new(world, categories, category=categories["food"].pk))
    assert by_id.status_code == 201 and by_id.json()["category"]["code"] == "food"
    unknown = _post(client, HAZARDS, _new(world, categories, category="castle"))
    assert unknown.status_code == 422 and "category" in unknown.json()["errors"]


def test_a_retry_with_the_same_client_id_returns_the_first_hazard(
    as_user, teacher, world, categories
):
    client = as_user(teacher)
    data = _new(world, categories, client_id=str(uuid.uuid4()))
    first = _post(client, HAZARDS, data)
    again = _post(client, HAZARDS, data)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Hazard.objects.count() == 1


def test_a_client_id_used_by_someone_else_is_a_conflict(as_user, teacher, guard, world, categories):
    data = _new(world, categories, client_id=str(uuid.uuid4()))
    assert _post(as_user(teacher), HAZARDS, data).status_code == 201
    response = _post(as_user(guard), HAZARDS, data)
    assert response.status_code == 409
    assert Hazard.objects.count() == 1


def test_the_outsider_gets_404_and_a_viewer_403_and_nothing_is_written(
    as_user, other_county_officer, county_viewer, world, categories
):
    assert _post(as_user(other_county_officer), HAZARDS, _new(world, categories)).status_code == 404
    assert _post(as_user(county_viewer), HAZARDS, _new(world, categories)).status_code == 403
    assert not Hazard.objects.exists()


def test_bad_input_gets_field_errors_and_writes_nothing(
    as_user, teacher, county_officer, world, categories
):
    client = as_user(teacher)
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = _post(
        client,
        HAZARDS,
        _new(world, categories, title="", source="gossip", severity="huge", found_on=future),
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "source", "severity", "found_on"}
    response = _post(client, HAZARDS, _new(world, categories, state="closed", org_path="0001"))
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"state", "org_path"}  # no mass assignment
    bureau = _new(world, categories, school=world.county_a.pk)  # hazards sit at schools
    response = _post(as_user(county_officer), HAZARDS, bureau)
    assert response.status_code == 422 and "school" in response.json()["errors"]
    assert not Hazard.objects.exists()


def test_a_fix_on_the_spot_needs_a_photo_after(as_user, teacher, world, categories):
    client = as_user(teacher)
    before = {"kind": "before", "data": _b64(jpeg())}
    response = _post(
        client, HAZARDS, _new(world, categories, rectification_type="immediate", photos=[before])
    )
    assert response.status_code == 422 and "photos_after" in response.json()["errors"]
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()

    after = {"kind": "after", "data": _b64(jpeg())}
    response = _post(
        client,
        HAZARDS,
        _new(world, categories, rectification_type="immediate", photos=[before, after]),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "awaiting_verification"
    assert sorted(p["kind"] for p in body["photos"]) == ["after", "before"]


def test_a_photo_that_is_not_an_image_is_refused(as_user, teacher, world, categories):
    junk = {"kind": "before", "data": base64.b64encode(b"%PDF-1.4 not a photo").decode()}
    response = _post(as_user(teacher), HAZARDS, _new(world, categories, photos=[junk]))
    assert response.status_code == 422 and "photos_before" in response.json()["errors"]
    not_base64 = {"kind": "before", "data": "***"}
    response = _post(as_user(teacher), HAZARDS, _new(world, categories, photos=[not_base64]))
    assert response.status_code == 422 and "photos_before" in response.json()["errors"]
    assert not Hazard.objects.exists()


# --- categories ----------------------------------------------------------------------------


def test_it_lists_the_categories_in_the_callers_language(as_user, teacher, categories):
    client = as_user(teacher)
    client.cookies["safecampus_language"] = "en"
    body = client.get(f"{HAZARDS}/categories").json()
    fire = next(c for c in body if c["code"] == "fire")
    assert (fire["name"], fire["name_zh"], fire["active"]) == ("Fire", "消防安全", True)
    assert len(body) == len(categories)


def test_the_list_and_the_filterset_agree_on_the_count(as_user, city_admin, spread, world):
    params = {"org": world.county_a.pk, "severity": "general"}
    expected = HazardFilter(params, queryset=visible_hazards(city_admin)).qs.count()
    assert len(_ids(as_user(city_admin).get(HAZARDS, params))) == expected == 1

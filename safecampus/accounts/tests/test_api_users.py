"""/api/v1/me and /api/v1/users: the caller, people and their roles, per persona."""

from django.test import Client

from safecampus.accounts.models import User
from safecampus.audit.models import AuditEvent
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.models import Membership
from safecampus.orgs.roles import CAPABILITIES, Role

USERS = "/api/v1/users"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _usernames(response):
    assert response.status_code == 200, response.content
    return sorted(u["username"] for u in response.json()["items"])


def _new_user(org, **overrides):
    data = {
        "username": "zhao.lei",
        "display_name": "赵磊",
        "phone": "13800000000",
        "email": "zhao.lei@example.cn",
        "org": org.pk,
        "role": "teacher",
    }
    data.update(overrides)
    return data


# --- me ------------------------------------------------------------------------------------


def test_me_gives_the_roles_and_what_they_allow_at_each_org(as_user, county_officer, world):
    Membership.objects.create(user=county_officer, org=world.school_b1, role=Role.VIEWER)
    response = as_user(county_officer).get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "county_officer"
    assert [(r["role"], r["org"]["code"]) for r in body["roles"]] == [
        ("county_admin", "CA"),
        ("viewer", "SB1"),
    ]
    caps = {c["org"]["code"]: c["capabilities"] for c in body["capabilities"]}
    assert "user.manage" in caps["CA"] and "audit.view" in caps["CA"]
    assert caps["SB1"] == sorted(CAPABILITIES[Role.VIEWER])


def test_me_needs_authentication(world):
    assert Client().get("/api/v1/me").status_code == 401


# --- list ----------------------------------------------------------------------------------


def test_the_county_officer_lists_the_people_of_the_county(
    as_user, county_officer, school_principal, teacher, other_county_officer
):
    response = as_user(county_officer).get(USERS)
    assert _usernames(response) == ["county_officer", "school_principal", "teacher"]


def test_the_list_filters_with_the_same_filterset_as_the_page(
    as_user, county_officer, school_principal, teacher, world
):
    client = as_user(county_officer)
    assert _usernames(client.get(USERS, {"role": "teacher"})) == ["teacher"]
    assert _usernames(client.get(USERS, {"org": world.school_a1.pk})) == [
        "school_principal",
        "teacher",
    ]
    assert _usernames(client.get(USERS, {"q": "principal"})) == ["school_principal"]


def test_an_invalid_filter_gets_422_with_field_errors(as_user, county_officer, world):
    response = as_user(county_officer).get(USERS, {"role": "emperor", "is_active": "maybe"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"role", "is_active"}


def test_filtering_by_an_org_outside_the_scope_matches_nobody(as_user, county_officer, world):
    both = make_user("both", world.school_a1, Role.TEACHER)
    Membership.objects.create(user=both, org=world.school_b1, role=Role.TEACHER)
    response = as_user(county_officer).get(USERS, {"org": world.school_b1.pk})
    assert response.json()["count"] == 0


def test_roles_at_orgs_outside_the_scope_are_left_out(as_user, county_officer, world):
    both = make_user("both", world.school_a1, Role.TEACHER)
    Membership.objects.create(user=both, org=world.school_b1, role=Role.TEACHER)
    items = as_user(county_officer).get(USERS, {"q": "both"}).json()["items"]
    assert [m["org"]["code"] for m in items[0]["memberships"]] == ["SA1"]


def test_a_teacher_gets_403_on_the_user_list(as_user, teacher):
    assert as_user(teacher).get(USERS).status_code == 403


def test_the_read_only_viewer_may_list_users(as_user, county_viewer, teacher):
    assert _usernames(as_user(county_viewer).get(USERS)) == ["county_viewer", "teacher"]


def test_the_user_list_makes_the_same_few_queries_however_many_people(
    as_user, city_admin, world, django_assert_max_num_queries
):
    for n in range(30):
        user = make_user(f"staff{n:02d}", world.school_a1, Role.TEACHER)
        Membership.objects.create(user=user, org=world.school_a2, role=Role.GUARD)
    client = as_user(city_admin)
    client.get(USERS)  # the first request of a session also writes the session
    # session, user, scope, count, page, memberships with their orgs
    with django_assert_max_num_queries(6):
        response = client.get(USERS, {"page_size": 500})
    assert response.json()["count"] == 31


# --- create --------------------------------------------------------------------------------


def test_the_county_officer_creates_a_teacher_and_gets_the_one_time_password(
    as_user, county_officer, world
):
    response = _post(as_user(county_officer), USERS, _new_user(world.school_a1))
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(username="zhao.lei")
    assert body["user"]["id"] == user.pk and body["user"]["can_manage"] is True
    assert user.check_password(body["password"]) and user.must_change_password
    assert [(m["role"], m["org"]["code"]) for m in body["user"]["memberships"]] == [
        ("teacher", "SA1")
    ]
    event = AuditEvent.objects.get(verb="user.create")
    assert event.actor == county_officer and body["password"] not in str(event.changes)


def test_the_outsider_gets_404_creating_a_user_in_another_county(
    as_user, other_county_officer, world
):
    response = _post(as_user(other_county_officer), USERS, _new_user(world.school_a1))
    assert response.status_code == 404
    assert not User.objects.filter(username="zhao.lei").exists()


def test_a_read_only_viewer_gets_403_creating_a_user(as_user, county_viewer, world):
    response = _post(as_user(county_viewer), USERS, _new_user(world.school_a1))
    assert response.status_code == 403
    assert not User.objects.filter(username="zhao.lei").exists()


def test_bad_input_gets_field_errors_from_the_form_and_writes_nothing(
    as_user, county_officer, world
):
    data = _new_user(world.school_a1, username="zhao lei!", email="nope", role="emperor")
    del data["display_name"]
    response = _post(as_user(county_officer), USERS, data)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["display_name"]  # the schema speaks first
    data["display_name"] = "赵磊"
    response = _post(as_user(county_officer), USERS, data)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"username", "email", "role"}
    assert User.objects.count() == 1


def test_a_taken_username_gets_422(as_user, county_officer, teacher, world):
    response = _post(as_user(county_officer), USERS, _new_user(world.school_a1, username="TEACHER"))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["username"]


def test_a_principal_cannot_grant_more_than_they_hold(as_user, school_principal, world):
    client = as_user(school_principal)
    # The viewer role can export; the principal cannot: no escalation (403).
    assert _post(client, USERS, _new_user(world.school_a1, role="viewer")).status_code == 403
    # A bureau role is not held at a school (422 on the field).
    response = _post(client, USERS, _new_user(world.school_a1, role="county_admin"))
    assert (response.status_code, list(response.json()["errors"])) == (422, ["role"])
    assert not User.objects.filter(username="zhao.lei").exists()


def test_fields_outside_the_schema_are_rejected(as_user, county_officer, world):
    data = _new_user(world.school_a1, is_superuser=True, is_staff=True, password="x")
    response = _post(as_user(county_officer), USERS, data)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"is_superuser", "is_staff", "password"}
    assert not User.objects.filter(username="zhao.lei").exists()


# --- detail --------------------------------------------------------------------------------


def test_the_county_officer_reads_a_teacher(as_user, county_officer, teacher):
    response = as_user(county_officer).get(f"{USERS}/{teacher.pk}")
    assert response.status_code == 200
    assert (response.json()["username"], response.json()["can_manage"]) == ("teacher", True)


def test_the_viewer_reads_a_teacher_but_may_not_manage(as_user, county_viewer, teacher):
    assert as_user(county_viewer).get(f"{USERS}/{teacher.pk}").json()["can_manage"] is False


def test_the_outsider_gets_404_on_a_user(as_user, other_county_officer, teacher):
    assert as_user(other_county_officer).get(f"{USERS}/{teacher.pk}").status_code == 404


# --- change --------------------------------------------------------------------------------


def test_the_county_officer_changes_only_the_fields_sent(as_user, county_officer, teacher):
    response = _patch(as_user(county_officer), f"{USERS}/{teacher.pk}", {"phone": "139"})
    assert response.status_code == 200
    teacher.refresh_from_db()
    assert (teacher.phone, teacher.display_name) == ("139", teacher.display_name)
    assert AuditEvent.objects.get(verb="user.update").changes == {"phone": ["", "139"]}


def test_deactivating_ends_sessions_and_is_audited(as_user, county_officer, teacher):
    before = teacher.session_version
    response = _patch(as_user(county_officer), f"{USERS}/{teacher.pk}", {"is_active": False})
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    teacher.refresh_from_db()
    assert not teacher.is_active and teacher.session_version == before + 1
    assert AuditEvent.objects.filter(verb="user.deactivate", actor=county_officer).exists()


def test_a_read_only_viewer_gets_403_changing_a_user(as_user, county_viewer, teacher):
    response = _patch(as_user(county_viewer), f"{USERS}/{teacher.pk}", {"is_active": False})
    assert response.status_code == 403
    teacher.refresh_from_db()
    assert teacher.is_active


def test_nobody_changes_their_own_account_here(as_user, county_officer):
    url = f"{USERS}/{county_officer.pk}"
    assert _patch(as_user(county_officer), url, {"phone": "1"}).status_code == 403


def test_the_outsider_gets_404_changing_a_user(as_user, other_county_officer, teacher):
    url = f"{USERS}/{teacher.pk}"
    assert _patch(as_user(other_county_officer), url, {"phone": "1"}).status_code == 404


def test_bad_changes_get_field_errors_and_write_nothing(as_user, county_officer, teacher):
    url = f"{USERS}/{teacher.pk}"
    client = as_user(county_officer)
    response = _patch(client, url, {"email": "nope", "display_name": "", "is_active": False})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "display_name"}
    response = _patch(client, url, {"is_active": None})
    assert list(response.json()["errors"]) == ["is_active"]
    teacher.refresh_from_db()
    assert teacher.is_active and teacher.email == ""
    assert not AuditEvent.objects.filter(verb__startswith="user.").exists()


def test_username_and_superuser_flags_cannot_be_sent(as_user, county_officer, teacher):
    data = {"username": "boss", "is_superuser": True, "is_staff": True, "phone": "1"}
    response = _patch(as_user(county_officer), f"{USERS}/{teacher.pk}", data)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"username", "is_superuser", "is_staff"}
    teacher.refresh_from_db()
    assert (teacher.username, teacher.is_superuser, teacher.phone) == ("teacher", False, "")


# --- roles ---------------------------------------------------------------------------------


def _memberships_url(user):
    return f"{USERS}/{user.pk}/memberships"


def test_the_county_officer_grants_a_role(as_user, county_officer, teacher, world):
    data = {"org": world.school_a2.pk, "role": "safety_officer"}
    response = _post(as_user(county_officer), _memberships_url(teacher), data)
    assert response.status_code == 201
    assert (response.json()["role"], response.json()["org"]["code"]) == ("safety_officer", "SA2")
    assert teacher.memberships.filter(org=world.school_a2, role="safety_officer").exists()
    assert AuditEvent.objects.filter(verb="membership.grant").count() == 1


def test_the_outsider_gets_404_granting(as_user, other_county_officer, teacher, world):
    data = {"org": world.school_b1.pk, "role": "teacher"}
    response = _post(as_user(other_county_officer), _memberships_url(teacher), data)
    assert response.status_code == 404
    assert teacher.memberships.count() == 1


def test_granting_at_an_org_outside_the_scope_gets_404(as_user, county_officer, teacher, world):
    data = {"org": world.school_b1.pk, "role": "teacher"}
    response = _post(as_user(county_officer), _memberships_url(teacher), data)
    assert response.status_code == 404
    assert teacher.memberships.count() == 1


def test_a_read_only_viewer_gets_403_granting(as_user, county_viewer, teacher, world):
    data = {"org": world.school_a1.pk, "role": "guard"}
    assert _post(as_user(county_viewer), _memberships_url(teacher), data).status_code == 403
    assert teacher.memberships.count() == 1


def test_a_bad_role_gets_422_and_grants_nothing(as_user, county_officer, teacher, world):
    client = as_user(county_officer)
    url = _memberships_url(teacher)
    response = _post(client, url, {"org": world.school_a1.pk, "role": "emperor"})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["role"])
    response = _post(client, url, {"org": world.school_a1.pk, "role": "county_admin"})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["role"])
    response = _post(client, url, {"role": "guard"})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["org"])
    assert teacher.memberships.count() == 1


def test_the_county_officer_removes_a_role(as_user, county_officer, teacher):
    membership = teacher.memberships.get()
    url = f"{_memberships_url(teacher)}/{membership.pk}"
    response = as_user(county_officer).delete(url)
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(verb="membership.revoke").count() == 1


def test_removing_a_role_is_refused_to_the_viewer_and_hidden_from_the_outsider(
    as_user, county_viewer, other_county_officer, teacher
):
    membership = teacher.memberships.get()
    url = f"{_memberships_url(teacher)}/{membership.pk}"
    assert as_user(county_viewer).delete(url).status_code == 403
    assert as_user(other_county_officer).delete(url).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_role_at_an_org_outside_the_scope_or_of_someone_else_is_not_found(
    as_user, county_officer, teacher, school_principal, world
):
    elsewhere = Membership.objects.create(user=teacher, org=world.school_b1, role=Role.TEACHER)
    client = as_user(county_officer)
    assert client.delete(f"{_memberships_url(teacher)}/{elsewhere.pk}").status_code == 404
    other = school_principal.memberships.get()
    assert client.delete(f"{_memberships_url(teacher)}/{other.pk}").status_code == 404
    assert Membership.objects.filter(pk__in=[elsewhere.pk, other.pk]).count() == 2


def test_nobody_removes_their_own_role(as_user, county_officer):
    membership = county_officer.memberships.get()
    url = f"{_memberships_url(county_officer)}/{membership.pk}"
    response = as_user(county_officer).delete(url)
    assert (response.status_code, list(response.json()["errors"])) == (422, ["role"])
    assert Membership.objects.filter(pk=membership.pk).exists()

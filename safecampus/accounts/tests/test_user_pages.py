"""User management pages: list, create, roles, deactivate, reset; no escalation."""

from django.urls import reverse

from safecampus.accounts.models import User
from safecampus.audit.models import AuditEvent
from safecampus.orgs.models import Membership
from safecampus.orgs.roles import Role


def _new_user(org, role="teacher", username="zhangsan"):
    return {
        "username": username,
        "display_name": "张三",
        "phone": "",
        "email": "",
        "org": org.pk,
        "role": role,
    }


def test_a_county_officer_lists_the_county_users_only(
    as_user, county_officer, teacher, other_county_officer
):
    page = as_user(county_officer).get(reverse("accounts:user_list")).context["page"]
    assert {u.username for u in page} == {"county_officer", "teacher"}


def test_the_user_list_does_not_query_per_row(
    as_user, city_admin, world, django_assert_max_num_queries
):
    from safecampus.lib.testing.factories import make_user

    for i in range(20):
        make_user(f"t{i}", world.school_a1, Role.TEACHER)
    client = as_user(city_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:user_list")).status_code == 200


def test_the_principal_creates_a_teacher_with_a_one_time_password(as_user, school_principal, world):
    response = as_user(school_principal).post(
        reverse("accounts:user_new"), _new_user(world.school_a1)
    )
    assert response.status_code == 200
    user = User.objects.get(username="zhangsan")
    assert user.must_change_password
    assert user.check_password(response.context["password"])
    assert Membership.objects.get(user=user).role == Role.TEACHER
    assert AuditEvent.objects.filter(verb="user.create", object_id=str(user.pk)).exists()


def test_no_escalation_a_principal_cannot_create_a_county_admin(as_user, school_principal, world):
    response = as_user(school_principal).post(
        reverse("accounts:user_new"), _new_user(world.county_a, role=Role.COUNTY_ADMIN)
    )
    assert response.status_code == 200
    assert "org" in response.context["form"].errors
    assert not User.objects.filter(username="zhangsan").exists()


def test_a_role_must_fit_the_level(as_user, county_officer, world):
    response = as_user(county_officer).post(
        reverse("accounts:user_new"), _new_user(world.school_a1, role=Role.COUNTY_STAFF)
    )
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="zhangsan").exists()


def test_a_taken_username_is_an_error(as_user, county_officer, teacher, world):
    response = as_user(county_officer).post(
        reverse("accounts:user_new"), _new_user(world.school_a1, username="TEACHER")
    )
    assert "username" in response.context["form"].errors


def test_a_safety_officer_may_view_users_but_not_create(as_user, safety_officer, world):
    client = as_user(safety_officer)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.get(reverse("accounts:user_new")).status_code == 403


def test_an_outsider_gets_404_on_a_user(as_user, other_county_officer, teacher):
    url = reverse("accounts:user_detail", args=[teacher.pk])
    assert as_user(other_county_officer).get(url).status_code == 404
    url = reverse("accounts:user_set_active", args=[teacher.pk])
    assert as_user(other_county_officer).post(url, {"active": "false"}).status_code == 404


def test_deactivation_by_the_county(as_user, county_officer, teacher):
    url = reverse("accounts:user_set_active", args=[teacher.pk])
    assert as_user(county_officer).post(url, {"active": "false"}).status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active


def test_a_teacher_cannot_deactivate_the_principal(as_user, teacher, school_principal):
    url = reverse("accounts:user_set_active", args=[school_principal.pk])
    assert as_user(teacher).post(url, {"active": "false"}).status_code == 404


def test_a_principal_cannot_deactivate_a_county_admin_listed_at_the_school(
    as_user, school_principal, county_officer, world
):
    Membership.objects.create(user=county_officer, org=world.school_a1, role=Role.VIEWER)
    url = reverse("accounts:user_set_active", args=[county_officer.pk])
    assert as_user(school_principal).post(url, {"active": "false"}).status_code == 403
    county_officer.refresh_from_db()
    assert county_officer.is_active


def test_reset_password_issues_a_new_one(as_user, county_officer, teacher):
    response = as_user(county_officer).post(
        reverse("accounts:user_reset_password", args=[teacher.pk])
    )
    teacher.refresh_from_db()
    assert teacher.must_change_password and teacher.check_password(response.context["password"])


def test_grant_and_revoke_a_role(as_user, county_officer, teacher, world):
    client = as_user(county_officer)
    client.post(
        reverse("accounts:user_grant", args=[teacher.pk]),
        {"org": world.school_a2.pk, "role": Role.SAFETY_OFFICER},
    )
    membership = Membership.objects.get(user=teacher, org=world.school_a2)
    client.post(reverse("accounts:membership_revoke", args=[teacher.pk, membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert (
        AuditEvent.objects.filter(verb__in=["membership.grant", "membership.revoke"]).count() == 2
    )


def test_edit_ignores_fields_not_on_the_form(as_user, county_officer, teacher):
    as_user(county_officer).post(
        reverse("accounts:user_edit", args=[teacher.pk]),
        {
            "display_name": "李老师",
            "phone": "1",
            "email": "",
            "is_superuser": "on",
            "username": "root",
        },
    )
    teacher.refresh_from_db()
    assert (teacher.display_name, teacher.username, teacher.is_superuser) == (
        "李老师",
        "teacher",
        False,
    )


def test_tokens_are_shown_once_and_stored_hashed(as_user, teacher):
    from safecampus.accounts.models import ApiToken

    response = as_user(teacher).post(reverse("accounts:profile"), {"name": "BI"})
    secret = response.context["new_secret"]
    token = ApiToken.objects.get(user=teacher)
    assert secret.startswith("sc_") and secret not in token.token_hash
    assert secret not in as_user(teacher).get(reverse("accounts:profile")).content.decode()


def test_roles_outside_the_viewers_scope_are_not_shown(as_user, county_officer, teacher, world):
    from safecampus.orgs.models import Membership

    Membership.objects.create(user=teacher, org=world.school_b1, role=Role.TEACHER)
    response = as_user(county_officer).get(reverse("accounts:user_detail", args=[teacher.pk]))
    assert [m.org.code for m in response.context["memberships"]] == ["SA1"]
    assert "西山中学" not in response.content.decode()
    page = as_user(county_officer).get(reverse("accounts:user_list")).context["page"]
    row = next(u for u in page if u.username == "teacher")
    assert [m.org.code for m in row.memberships.all()] == ["SA1"]


def _role_choices(client):
    form = client.get(reverse("accounts:user_new")).context["form"]
    return {value for value, _label in form.fields["role"].choices}


def test_the_role_picker_offers_only_grantable_roles(as_user, school_principal, county_officer):
    principal_roles = _role_choices(as_user(school_principal))
    assert principal_roles == {"principal", "safety_officer", "teacher", "guard"}
    county_roles = _role_choices(as_user(county_officer))
    assert "county_admin" in county_roles and "city_admin" not in county_roles


def test_a_password_reset_revokes_the_users_api_tokens(as_user, county_officer, teacher):
    from django.test import Client

    from safecampus.accounts import actions

    _token, secret = actions.do_issue_token(teacher, "bi")
    as_user(county_officer).post(reverse("accounts:user_reset_password", args=[teacher.pk]))
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401

"""``manage.py demo_city``: the demo city, its logins, determinism and the tree it writes."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from safecampus.accounts.models import User
from safecampus.audit.models import AuditEvent
from safecampus.demo.city import CITY_CODE, plan_city
from safecampus.demo.management.commands.demo_city import DEMO_PASSWORD
from safecampus.demo.mix import kind_counts
from safecampus.orgs.choices import Level, Ownership, SchoolKind
from safecampus.orgs.models import Campus, Membership, Organization
from safecampus.orgs.roles import ROLE_LEVELS, Role


@pytest.fixture(autouse=True)
def _english_messages(settings):
    # Commands speak the default language (zh-hans); these tests read the English messages.
    settings.LANGUAGE_CODE = "en"


SMALL = 60


def demo_city(*args, **options):
    out = StringIO()
    call_command("demo_city", *args, stdout=out, **options)
    return out.getvalue()


def schools():
    return Organization.objects.filter(level=Level.SCHOOL)


def snapshot():
    orgs = list(
        Organization.objects.order_by("path").values_list(
            "path", "code", "name", "level", "school_kind", "licensed", "students", "address"
        )
    )
    users = list(User.objects.order_by("username").values_list("username", "display_name"))
    campuses = list(Campus.objects.order_by("school__code", "name").values_list("name", "is_main"))
    return orgs, users, campuses


class Rollback(Exception):
    pass


# --- the plan (no database) -------------------------------------------------------------------


def test_the_default_plan_matches_the_seed_city():
    counts = plan_city().counts()
    # DOMAIN.md §12: 1,935 schools; 1,135 kindergartens, 539 of them unlicensed; 800 others.
    assert counts["schools"] == 1935
    assert counts["kinds"][SchoolKind.KINDERGARTEN] == 1135
    assert counts["unlicensed_kindergartens"] == 539
    assert counts["schools"] - counts["kinds"][SchoolKind.KINDERGARTEN] == 800
    assert counts["counties"] == 10
    assert counts["city_direct_schools"] == 20
    assert counts["campuses"] > counts["schools"]


def test_the_plan_gives_every_school_a_distinct_name_and_code():
    plan = plan_city(schools=3000)
    schools = list(plan.schools())
    assert len({s.name for s in schools}) == len(schools) == 3000
    codes = [plan.city.code, *(c.code for c in plan.counties), *(s.code for s in schools)]
    assert len(set(codes)) == len(codes)
    usernames = [login.username for login, _ in plan.logins()]
    assert len(set(usernames)) == len(usernames)


def test_the_plan_scales_counties_and_kinds_with_the_number_of_schools():
    big = plan_city(schools=10_000).counts()
    assert 45 <= big["counties"] <= 60
    assert big["kinds"] == {k: v for k, v in kind_counts(10_000).items() if v}
    share = big["kinds"][SchoolKind.KINDERGARTEN] / big["schools"]
    assert abs(share - 1135 / 1935) < 0.01


def test_the_same_seed_plans_the_same_city_and_another_seed_another():
    assert plan_city(7, SMALL) == plan_city(7, SMALL)
    first = [s.name for s in plan_city(7, SMALL).schools()]
    other = [s.name for s in plan_city(8, SMALL).schools()]
    assert first != other


# --- the command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_builds_a_small_city_in_the_seed_proportions():
    demo_city(schools=SMALL)
    by_kind = Counter(schools().values_list("school_kind", flat=True))
    assert sum(by_kind.values()) == SMALL
    assert dict(by_kind) == {k: v for k, v in kind_counts(SMALL).items() if v}
    assert set(by_kind) == set(SchoolKind.values)  # even a small city shows every kind
    kindergartens = by_kind[SchoolKind.KINDERGARTEN]
    unlicensed = schools().filter(licensed=False)
    assert unlicensed.count() == round(kindergartens * 539 / 1135)
    assert set(unlicensed.values_list("school_kind", flat=True)) == {SchoolKind.KINDERGARTEN}
    assert set(unlicensed.values_list("ownership", flat=True)) == {Ownership.PRIVATE}
    city = Organization.objects.get(code=CITY_CODE)
    assert Organization.objects.filter(level=Level.COUNTY).count() == 2
    assert schools().filter(depth=city.depth + 1).exists()  # city-direct schools (市直学校)
    assert not schools().filter(boarding=True, school_kind=SchoolKind.KINDERGARTEN).exists()


@pytest.mark.django_db
def test_every_school_has_one_main_campus_and_some_have_branches():
    demo_city(schools=SMALL)
    assert Campus.objects.filter(is_main=True).count() == SMALL
    per_school = Counter(Campus.objects.values_list("school_id", flat=True))
    assert set(per_school) == set(schools().values_list("pk", flat=True))
    assert max(per_school.values()) >= 2


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_city():
    with pytest.raises(Rollback), transaction.atomic():
        demo_city(schools=SMALL, seed=5)
        first = snapshot()
        raise Rollback
    assert not Organization.objects.exists()
    demo_city(schools=SMALL, seed=5)
    assert snapshot() == first


@pytest.mark.django_db
def test_the_org_tree_is_consistent():
    demo_city(schools=SMALL)
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    for org in Organization.objects.exclude(level=Level.SCHOOL):
        assert (
            org.numchild
            == Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).count()
        )
    city = Organization.objects.get(code=CITY_CODE)
    assert list(Organization.objects.get_root_nodes()) == [city]
    assert Organization.objects.get_descendant_count(city) == Organization.objects.count() - 1


@pytest.mark.django_db
def test_every_role_has_a_login_in_the_json(tmp_path):
    path = tmp_path / "logins.json"
    demo_city(schools=SMALL, logins_json=str(path))
    logins = json.loads(path.read_text())
    assert logins[0]["username"] == "admin"
    assert logins[0]["role"] == Role.CITY_ADMIN
    assert {x["role"] for x in logins} == set(Role.values)
    assert {x["password"] for x in logins} == {DEMO_PASSWORD}
    assert len(logins) == User.objects.count() == Membership.objects.count()
    assert set(logins[0]) == {"username", "password", "role", "org_code", "org_name"}
    # Every principal and safety officer; the org each login names holds that role.
    assert Counter(x["role"] for x in logins)[Role.PRINCIPAL] == SMALL
    levels = dict(Organization.objects.values_list("code", "level"))
    for login in logins:
        assert levels[login["org_code"]] in ROLE_LEVELS[login["role"]]


@pytest.mark.django_db
def test_every_persona_logs_in_with_the_printed_password(client, tmp_path):
    path = tmp_path / "logins.json"
    output = demo_city(schools=SMALL, logins_json=str(path))
    assert DEMO_PASSWORD in output
    first_of_role = {}
    for login in json.loads(path.read_text()):
        first_of_role.setdefault(login["role"], login)
    assert len(first_of_role) == len(Role.values)
    for login in first_of_role.values():
        client.logout()
        response = client.post(
            reverse("accounts:login"),
            {"username": login["username"], "password": login["password"]},
        )
        assert response.status_code == 302, login["username"]
        assert client.get(reverse("web:home")).status_code == 200
    assert not User.objects.filter(must_change_password=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_the_admin_is_the_city_admin_and_is_printed_first():
    output = demo_city(schools=SMALL)
    admin = User.objects.get(username="admin")
    city = Organization.objects.get(code=CITY_CODE)
    assert list(admin.memberships.values_list("org", "role")) == [(city.pk, Role.CITY_ADMIN)]
    table = output[output.index("admin") :]
    assert table.index("admin") < table.index("city_staff") < table.index("_principal")
    assert "http://127.0.0.1:8000/" in output


@pytest.mark.django_db
def test_it_writes_one_audit_event_with_the_counts():
    demo_city(schools=SMALL)
    event = AuditEvent.objects.get(verb="demo.generate")
    assert event.verb == "demo.generate"
    assert event.org == Organization.objects.get(code=CITY_CODE)
    assert event.changes["schools"] == SMALL
    assert event.changes["users"] == User.objects.count()
    assert event.changes["campuses"] == Campus.objects.count()


@pytest.mark.django_db
def test_it_does_nothing_the_second_time_with_if_empty(tmp_path):
    demo_city(schools=SMALL, if_empty=True)
    before = snapshot()
    path = tmp_path / "again.json"
    output = demo_city(schools=SMALL, if_empty=True, logins_json=str(path))
    assert snapshot() == before
    # demo.generate, demo.risks, demo.duties and demo.hazards, once each
    assert AuditEvent.objects.count() == 4
    assert "admin" in output and DEMO_PASSWORD in output
    assert len(json.loads(path.read_text())) == User.objects.count()


@pytest.mark.django_db
def test_if_empty_leaves_out_accounts_whose_password_was_changed(tmp_path):
    demo_city(schools=SMALL)
    changed = User.objects.get(username="city_staff")
    changed.set_password("Another-pass-77")
    changed.save(update_fields=["password"])
    path = tmp_path / "logins.json"
    demo_city(if_empty=True, logins_json=str(path))
    usernames = {x["username"] for x in json.loads(path.read_text())}
    assert "admin" in usernames and "city_staff" not in usernames


@pytest.mark.django_db
def test_if_empty_with_another_password_lists_no_logins(tmp_path):
    demo_city(schools=SMALL)
    path = tmp_path / "logins.json"
    output = demo_city(if_empty=True, password="Other-pass-99", logins_json=str(path))
    assert "--password" in output
    assert not path.exists()


@pytest.mark.django_db
def test_it_refuses_to_add_a_demo_city_to_existing_data(world):
    before = snapshot()
    with pytest.raises(CommandError, match="already holds organisations"):
        demo_city(schools=SMALL)
    assert snapshot() == before
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_if_empty_leaves_existing_real_data_alone(world):
    before = snapshot()
    output = demo_city(schools=SMALL, if_empty=True)
    assert "no demo city was added" in output
    assert snapshot() == before


@pytest.mark.django_db
def test_it_refuses_when_a_demo_username_is_taken():
    User.objects.create_user("Admin", password="Some-pass-2026")
    with pytest.raises(CommandError, match=r"already taken.*admin"):
        demo_city(schools=SMALL)
    assert not Organization.objects.exists()
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["short1A", "alllowercase", "admin", "Password1"])
def test_it_rejects_a_password_that_breaks_the_policy(password):
    with pytest.raises(CommandError, match="--password"):
        demo_city(schools=SMALL, password=password)
    assert not Organization.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [0, 9, 50_001])
def test_it_rejects_a_size_out_of_range(size):
    with pytest.raises(CommandError, match="--schools"):
        demo_city(schools=size)
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_a_given_password_is_the_one_that_works(client):
    demo_city(schools=SMALL, password="Own-demo-pass-1")
    response = client.post(
        reverse("accounts:login"), {"username": "admin", "password": "Own-demo-pass-1"}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_it_writes_in_bulk_not_row_by_row(django_assert_max_num_queries):
    # ~60 schools, ~130 users, 60 hazards with ~300 timeline events, ~900 risk points with
    # their assessments, ~250 campus areas and ~130 signed posts: row-by-row would be
    # thousands of queries.
    with django_assert_max_num_queries(90):
        demo_city(schools=SMALL)


def test_it_prints_the_address_it_is_served_at(db):
    out = StringIO()
    call_command(
        "demo_city",
        "--schools",
        "10",
        "--hazards",
        "0",
        "--url",
        "http://127.0.0.1:8099/",
        stdout=out,
    )
    assert "http://127.0.0.1:8099/" in out.getvalue()

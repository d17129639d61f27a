"""The audit trail page: scoped, filtered; read-only roles are refused."""

from django.urls import reverse

from safecampus.audit.log import record


def _seed(world):
    record("org.update", org=world.school_a1, actor_label="a", changes={"name": ["甲", "乙"]})
    record("org.update", org=world.school_b1, actor_label="b")
    record("auth.login_failed", actor_label="ghost")


def test_the_city_admin_sees_every_event(as_user, city_admin, world):
    _seed(world)
    page = as_user(city_admin).get(reverse("audit:list")).context["page"]
    assert {e.actor_label for e in page} >= {"a", "b", "ghost"}


def test_a_county_admin_sees_only_the_county_subtree(as_user, county_officer, world):
    _seed(world)
    page = as_user(county_officer).get(reverse("audit:list")).context["page"]
    # its own login is an event of the county too; school B1's and the unscoped ones are not
    assert {e.actor_label for e in page} == {"a", "county_officer"}


def test_it_filters_by_action_and_date(as_user, city_admin, world):
    _seed(world)
    response = as_user(city_admin).get(
        reverse("audit:list"), {"verb": "auth.login_f", "since": "2000-01-01"}
    )
    assert [e.actor_label for e in response.context["page"]] == ["ghost"]


def test_it_shows_before_and_after(as_user, city_admin, world):
    _seed(world)
    html = as_user(city_admin).get(reverse("audit:list")).content.decode()
    assert "甲 → 乙" in html


def test_a_teacher_or_viewer_gets_403(as_user, teacher, county_viewer, world):
    assert as_user(teacher).get(reverse("audit:list")).status_code == 403
    assert as_user(county_viewer).get(reverse("audit:list")).status_code == 403


def test_the_list_query_count_does_not_grow_with_rows(
    as_user, city_admin, world, django_assert_max_num_queries
):
    for i in range(30):
        record("org.update", org=world.school_a1, actor_label=f"u{i}")
    client = as_user(city_admin)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("audit:list")).status_code == 200

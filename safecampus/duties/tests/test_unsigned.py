"""The unsigned overview: a school's unsigned holders, a county's roll-up per school."""

import pytest

from safecampus.duties import actions
from safecampus.duties.queries import signing_rollup
from safecampus.duties.tests.helpers import hold, template_posts
from safecampus.lib.testing.factories import make_school, make_user
from safecampus.orgs.roles import Role


@pytest.fixture
def signed_and_unsigned(school_principal, teacher, guard, safety_officer, world):
    posts = template_posts(school_principal, world.school_a1)
    signed = hold(school_principal, posts["head_teacher"], teacher)
    actions.do_sign(teacher, signed, version=1)
    hold(school_principal, posts["guard"], guard)
    hold(school_principal, posts["safety_officer"], safety_officer)
    return posts


def _row(rows, school):
    return next(r for r in rows if r.pk == school.pk)


def test_the_county_roll_up_counts_posts_holders_and_signatures(signed_and_unsigned, world):
    rows = signing_rollup(world.county_a)
    assert [r.pk for r in rows] == [world.school_a1.pk, world.school_a2.pk]
    a1 = _row(rows, world.school_a1)
    assert (a1.posts, a1.posts_held, a1.vacant, a1.assigned, a1.signed, a1.unsigned) == (
        9,
        3,
        6,
        3,
        1,
        2,
    )
    a2 = _row(rows, world.school_a2)
    assert (a2.posts, a2.assigned, a2.unsigned) == (0, 0, 0)


def test_an_edit_turns_a_signature_into_an_unsigned_list(
    signed_and_unsigned, school_principal, world
):
    post = signed_and_unsigned["head_teacher"]
    actions.do_edit_post(school_principal, post, name=post.name, duties=["新的职责"])
    a1 = _row(signing_rollup(world.county_a), world.school_a1)
    assert (a1.signed, a1.unsigned) == (0, 3)


def test_the_roll_up_is_one_query_whatever_the_number_of_schools(
    signed_and_unsigned, world, django_assert_num_queries
):
    with django_assert_num_queries(1):
        few = signing_rollup(world.city)
    for n in range(6):
        school = make_school(world.county_a, f"新学校{n}")
        principal = make_user(f"p{n}", school, Role.PRINCIPAL)
        posts = template_posts(principal, school)
        hold(principal, posts["principal"], principal)
    with django_assert_num_queries(1):
        many = signing_rollup(world.city)
    assert len(many) == len(few) + 6


def test_the_county_page_and_api_show_the_roll_up(
    as_user, county_officer, signed_and_unsigned, world, django_assert_max_num_queries
):
    client = as_user(county_officer)
    client.get(f"/duties/org/{world.county_a.pk}/")  # warm the session
    with django_assert_max_num_queries(15):
        page = client.get(f"/duties/org/{world.county_a.pk}/")
    assert page.status_code == 200
    assert page.context["totals"]["unsigned"] == 2
    body = client.get(f"/api/v1/responsibilities/unsigned?org={world.county_a.pk}").json()
    assert body["totals"]["assigned"] == 3 and body["totals"]["signed"] == 1
    assert {row["person"]["username"] for row in body["unsigned"]} == {"guard", "safety_officer"}


def test_the_principal_sees_who_has_not_signed(
    as_user, school_principal, signed_and_unsigned, world
):
    page = as_user(school_principal).get(f"/duties/org/{world.school_a1.pk}/unsigned/")
    assert page.status_code == 200
    assert {a.person.username for a in page.context["unsigned"]} == {"guard", "safety_officer"}


@pytest.mark.parametrize("path", ["/duties/org/{pk}/", "/duties/org/{pk}/unsigned/"])
def test_outsiders_get_404_and_school_staff_without_duty_view_403(
    as_user, other_county_officer, teacher, signed_and_unsigned, world, path
):
    url = path.format(pk=world.school_a1.pk)
    assert as_user(other_county_officer).get(url).status_code == 404
    assert as_user(teacher).get(url).status_code == 403
    api = f"/api/v1/responsibilities/unsigned?org={world.school_a1.pk}"
    assert as_user(other_county_officer).get(api).status_code == 404
    assert as_user(teacher).get(api).status_code == 403

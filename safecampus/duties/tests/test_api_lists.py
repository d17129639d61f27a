"""/api/v1/responsibilities: posts, holders, signing."""

import pytest

from safecampus.duties.models import Acknowledgement, Post, PostAssignment
from safecampus.duties.tests.helpers import hold, post_json, template_posts
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.roles import Role

API = "/api/v1/responsibilities"


@pytest.fixture
def posts(school_principal, world):
    return template_posts(school_principal, world.school_a1)


def test_templates_are_listed_in_both_languages(as_user, teacher):
    body = as_user(teacher).get(f"{API}/templates").json()
    assert len(body) == 9 and body[3]["name_zh"] == "班主任" and body[3]["duties_en"]


def test_a_principal_creates_posts_and_assigns_and_the_holder_signs(
    as_user, school_principal, world, teacher
):
    principal = as_user(school_principal)
    created = post_json(principal, f"{API}/posts/from-templates", {"org": world.school_a1.pk})
    assert created.status_code == 201 and len(created.json()) == 9
    post = Post.objects.get(org=world.school_a1, template__key="head_teacher")
    held = post_json(principal, f"{API}/posts/{post.pk}/assignments", {"person": teacher.pk})
    assert held.status_code == 201 and held.json()["signed"] is False

    holder = as_user(teacher)
    mine = holder.get(f"{API}/mine").json()
    assert [(m["name"], m["signed"]) for m in mine] == [("班主任", False)]
    signed = post_json(holder, f"{API}/assignments/{held.json()['id']}/sign", {"version": 1})
    assert signed.status_code == 201 and len(signed.json()["sha256"]) == 64
    listed = principal.get(f"{API}/posts?org={world.school_a1.pk}").json()
    head = next(p for p in listed if p["id"] == post.pk)
    assert head["holders"][0]["signed"] is True


def test_editing_asks_for_a_new_signature_and_keeps_the_old_text(
    as_user, school_principal, teacher, posts
):
    post = posts["head_teacher"]
    assignment = hold(school_principal, post, teacher)
    holder = as_user(teacher)
    post_json(holder, f"{API}/assignments/{assignment.pk}/sign", {"version": 1})
    edit = as_user(school_principal).patch(
        f"{API}/posts/{post.pk}",
        {"name": "班主任", "duties": ["新职责"], "expected_version": 1},
        content_type="application/json",
    )
    assert edit.status_code == 200 and edit.json()["version"] == 2
    stale = post_json(holder, f"{API}/assignments/{assignment.pk}/sign", {"version": 1})
    assert stale.status_code == 409
    history = holder.get(f"{API}/assignments/{assignment.pk}/signatures").json()
    assert history[0]["duties"] == posts["head_teacher"].duties and history[0]["version"] == 1


def test_a_responsible_person_outside_the_school_is_a_clear_error_and_nothing_is_written(
    as_user, school_principal, world, posts
):
    elsewhere = make_user("b_guard", world.school_b1, Role.GUARD)
    for pk in (elsewhere.pk, 999999):
        response = post_json(
            as_user(school_principal),
            f"{API}/posts/{posts['guard'].pk}/assignments",
            {"person": pk},
        )
        assert response.status_code == 422
        assert response.json()["errors"] == {"person": ["该人员须在东湖第一小学担任角色。"]}
    assert not PostAssignment.objects.exists()


def test_outsider_404_reader_403_bad_input_422(
    as_user, other_county_officer, county_viewer, school_principal, world, posts, teacher
):
    guard_post = posts["guard"]
    assert (
        as_user(other_county_officer).get(f"{API}/posts?org={world.school_a1.pk}").status_code
        == 404
    )
    assert as_user(other_county_officer).get(f"{API}/posts/{guard_post.pk}").status_code == 404
    assert (
        post_json(
            as_user(other_county_officer),
            f"{API}/posts",
            {"org": world.school_a1.pk, "name": "x", "duties": ["y"]},
        ).status_code
        == 404
    )
    assert as_user(county_viewer).get(f"{API}/posts?org={world.school_a1.pk}").status_code == 200
    assert (
        post_json(
            as_user(county_viewer),
            f"{API}/posts",
            {"org": world.school_a1.pk, "name": "x", "duties": ["y"]},
        ).status_code
        == 403
    )
    assert (
        post_json(
            as_user(county_viewer),
            f"{API}/posts/{guard_post.pk}/assignments",
            {"person": teacher.pk},
        ).status_code
        == 403
    )
    bad = post_json(
        as_user(school_principal),
        f"{API}/posts",
        {"org": world.school_a1.pk, "name": "", "duties": []},
    )
    assert bad.status_code == 422 and "name" in bad.json()["errors"]
    extra = post_json(
        as_user(school_principal),
        f"{API}/posts",
        {"org": world.school_a1.pk, "name": "校医", "duties": ["x"], "version": 9},
    )
    assert extra.status_code == 422
    assert Post.objects.filter(org=world.school_a1).count() == 9


def test_nobody_signs_for_someone_else(as_user, school_principal, teacher, posts, safety_officer):
    assignment = hold(school_principal, posts["head_teacher"], teacher)
    url = f"{API}/assignments/{assignment.pk}/sign"
    assert post_json(as_user(school_principal), url, {"version": 1}).status_code == 403
    assert post_json(as_user(safety_officer), url, {"version": 1}).status_code == 403
    assert not Acknowledgement.objects.exists()

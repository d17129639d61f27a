"""The list pages: an organisation's posts, one post, and "my lists" where a holder signs."""

import pytest
from django.urls import reverse

from safecampus.duties.models import Acknowledgement, Post, PostAssignment
from safecampus.duties.tests.helpers import hold, template_posts


@pytest.fixture
def posts(school_principal, world):
    return template_posts(school_principal, world.school_a1)


def test_the_principal_creates_posts_from_templates_and_adds_one(as_user, school_principal, world):
    client = as_user(school_principal)
    page = client.get(reverse("duties:org", args=[world.school_a1.pk]))
    assert page.status_code == 200 and 'id="create-from-templates"' in page.content.decode()
    response = client.post(reverse("duties:from_templates", args=[world.school_a1.pk]))
    assert response.status_code == 302
    assert Post.objects.filter(org=world.school_a1).count() == 9
    response = client.post(
        reverse("duties:post_create", args=[world.school_a1.pk]),
        {"name": "校医", "duties": "负责晨午检\n\n管理传染病报告\n"},
    )
    assert response.status_code == 302
    assert Post.objects.get(name="校医").duties == ["负责晨午检", "管理传染病报告"]


def test_the_page_is_in_english_too(as_user, school_principal, world, posts):
    client = as_user(school_principal)
    client.cookies["safecampus_language"] = "en"
    html = client.get(reverse("duties:org", args=[world.school_a1.pk])).content.decode()
    assert "Responsibility lists" in html and "Create the posts from the templates" in html
    assert "责任清单" in html  # the domain term stays next to the English


def test_the_principal_assigns_and_edits_and_the_holder_signs(
    as_user, school_principal, teacher, posts
):
    post = posts["head_teacher"]
    principal = as_user(school_principal)
    response = principal.post(
        reverse("duties:post_assign", args=[post.pk]),
        {"person": teacher.pk, "started_on": "2026-09-01"},
    )
    assert response.status_code == 302
    assignment = PostAssignment.objects.get(post=post, person=teacher)

    holder = as_user(teacher)
    mine = holder.get(reverse("duties:mine"))
    html = mine.content.decode()
    assert mine.status_code == 200 and "我已阅读并接受以上职责。" in html
    assert "每日清点学生出勤" in html
    # Without ticking the box: nothing is signed.
    refused = holder.post(reverse("duties:sign", args=[assignment.pk]), {"version": 1})
    assert refused.status_code == 400 and not Acknowledgement.objects.exists()
    signed = holder.post(
        reverse("duties:sign", args=[assignment.pk]), {"version": 1, "accept": "on"}
    )
    assert signed.status_code == 302
    assert Acknowledgement.objects.get(assignment=assignment).version == 1

    principal.post(
        reverse("duties:post_edit", args=[post.pk]),
        {"name": "班主任", "duties": "只有一条新职责", "expected_version": 1},
    )
    stale = holder.post(
        reverse("duties:sign", args=[assignment.pk]), {"version": 1, "accept": "on"}
    )
    assert stale.status_code == 409
    detail = principal.get(reverse("duties:post", args=[post.pk]))
    assert detail.status_code == 200 and "只有一条新职责" in detail.content.decode()


def test_the_teacher_sees_responsibilities_in_the_menu_once_they_hold_a_post(
    as_user, school_principal, teacher, posts
):
    client = as_user(teacher)
    assert reverse("duties:home") not in _nav(client)
    hold(school_principal, posts["subject_teacher"], teacher)
    assert reverse("duties:home") in _nav(client)
    # ...and the entry takes them to their own lists, not to the school's.
    assert client.get(reverse("duties:home")).url == reverse("duties:mine")


def _nav(client):
    return [item["url"] for item in client.get(reverse("web:home")).context["nav"]]


def test_a_person_outside_the_school_is_refused_on_the_page(
    as_user, school_principal, other_county_officer, posts
):
    response = as_user(school_principal).post(
        reverse("duties:post_assign", args=[posts["guard"].pk]),
        {"person": other_county_officer.pk, "started_on": "2026-09-01"},
    )
    # Not offered in the picker: the form refuses it before the action is asked.
    assert response.status_code == 400
    assert not PostAssignment.objects.exists()


def test_personas_on_a_post_page(
    as_user, posts, other_county_officer, county_viewer, county_staff, safety_officer, teacher
):
    post = posts["guard"]
    url = reverse("duties:post", args=[post.pk])
    edit = reverse("duties:post_edit", args=[post.pk])
    body = {"name": "门卫", "duties": "x", "expected_version": 1}
    assert as_user(other_county_officer).get(url).status_code == 404
    assert as_user(other_county_officer).post(edit, body).status_code == 404
    assert as_user(teacher).get(url).status_code == 404  # no duty.view at the school
    for reader in (county_viewer, safety_officer):
        assert as_user(reader).get(url).status_code == 200
        assert as_user(reader).post(edit, body).status_code == 403
    assert as_user(county_staff).post(edit, body).status_code == 302
    post.refresh_from_db()
    assert post.duties == ["x"] and post.version == 2


def test_bad_input_on_the_page_writes_nothing(as_user, school_principal, posts, world):
    client = as_user(school_principal)
    response = client.post(
        reverse("duties:post_create", args=[world.school_a1.pk]), {"name": "班主任", "duties": "x"}
    )
    assert response.status_code == 422
    assert "已有同名岗位" in response.content.decode()
    assert Post.objects.filter(org=world.school_a1).count() == 9

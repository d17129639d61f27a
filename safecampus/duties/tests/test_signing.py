"""Holders of a post sign its list; a later edit never rewrites what they signed (§2.3)."""

import pytest
from django.core.exceptions import PermissionDenied

from safecampus.audit.models import AuditEvent
from safecampus.duties import actions
from safecampus.duties.models import Acknowledgement, PostAssignment, duties_hash
from safecampus.duties.tests.helpers import hold, template_posts
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.testing.factories import make_user
from safecampus.orgs.roles import Role


@pytest.fixture
def posts(school_principal, world):
    return template_posts(school_principal, world.school_a1)


def test_the_holder_signs_the_list_with_a_snapshot_and_its_hash(school_principal, teacher, posts):
    post = posts["head_teacher"]
    assignment = hold(school_principal, post, teacher)
    assert not assignment.is_signed

    ack, created = actions.do_sign(teacher, assignment, version=post.version)

    assert created
    assert ack.duties == post.duties and ack.post_name == "班主任"
    assert ack.sha256 == duties_hash("班主任", post.duties) and ack.intact
    assignment.refresh_from_db()
    assert assignment.is_signed
    assert AuditEvent.objects.filter(verb="duty.sign", changes__sha256=ack.sha256).exists()
    # A double click returns the first signature.
    again, created_again = actions.do_sign(teacher, assignment, version=post.version)
    assert (again.pk, created_again) == (ack.pk, False)


def test_editing_a_signed_list_keeps_the_signed_text_and_asks_for_a_new_signature(
    school_principal, teacher, posts
):
    post = posts["head_teacher"]
    assignment = hold(school_principal, post, teacher)
    ack, _created = actions.do_sign(teacher, assignment, version=1)
    signed_text = list(ack.duties)

    edited = actions.do_edit_post(
        school_principal,
        post,
        name="班主任",
        duties=["每日清点学生出勤", "每周上好安全教育课"],
        expected_version=1,
    )

    assert edited.version == 2
    ack.refresh_from_db()
    assert ack.duties == signed_text and ack.version == 1 and ack.intact
    assignment.refresh_from_db()
    assert not assignment.is_signed
    with pytest.raises(Conflict):
        actions.do_sign(teacher, assignment, version=1)  # read the old text: not signed
    new_ack, _ = actions.do_sign(teacher, assignment, version=2)
    assert new_ack.duties == ["每日清点学生出勤", "每周上好安全教育课"]
    assert Acknowledgement.objects.filter(assignment=assignment).count() == 2


def test_an_edit_from_a_stale_page_is_refused(school_principal, posts):
    post = posts["guard"]
    actions.do_edit_post(school_principal, post, name="门卫", duties=["值守校门"])
    with pytest.raises(Conflict):
        actions.do_edit_post(
            school_principal, post, name="门卫", duties=["另一版本"], expected_version=1
        )
    post.refresh_from_db()
    assert post.duties == ["值守校门"] and post.version == 2


def test_nobody_signs_for_someone_else(school_principal, teacher, posts):
    assignment = hold(school_principal, posts["head_teacher"], teacher)
    with pytest.raises(PermissionDenied):
        actions.do_sign(school_principal, assignment, version=1)
    assert not Acknowledgement.objects.exists()


def test_a_person_outside_the_school_cannot_hold_its_post(
    school_principal, world, posts, other_county_officer, county_officer
):
    b_teacher = make_user("b_teacher", world.school_b1, Role.TEACHER)
    for outsider in (b_teacher, other_county_officer, county_officer):
        with pytest.raises(ActionError) as error:
            hold(school_principal, posts["guard"], outsider)
        assert error.value.errors == {"person": ["该人员须在东湖第一小学担任角色。"]}
    assert not PostAssignment.objects.exists()
    assert not AuditEvent.objects.filter(verb="duty.assign").exists()


def test_a_holder_needs_a_real_name_on_record(school_principal, world, posts):
    nameless = make_user("nameless", world.school_a1, Role.GUARD, display_name="")
    with pytest.raises(ActionError) as error:
        hold(school_principal, posts["guard"], nameless)
    assert "真实姓名" in error.value.errors["person"][0]


def test_a_person_holds_a_post_once_until_they_leave_it(school_principal, guard, posts):
    assignment = hold(school_principal, posts["guard"], guard)
    with pytest.raises(ActionError):
        hold(school_principal, posts["guard"], guard)
    actions.do_end_assignment(school_principal, assignment)
    with pytest.raises(Conflict):
        actions.do_end_assignment(school_principal, assignment)
    with pytest.raises(Conflict):
        actions.do_sign(guard, assignment, version=1)
    again = hold(school_principal, posts["guard"], guard)
    assert again.pk != assignment.pk and again.is_current


def test_only_managers_change_lists(safety_officer, county_viewer, posts, teacher):
    for reader in (safety_officer, county_viewer):
        with pytest.raises(PermissionDenied):
            actions.do_edit_post(reader, posts["guard"], name="门卫", duties=["x"])
        with pytest.raises(PermissionDenied):
            actions.do_assign_post(reader, posts["guard"], person=teacher)


def test_bad_lists_are_refused_with_the_field(school_principal, posts, world):
    with pytest.raises(ActionError) as empty:
        actions.do_edit_post(school_principal, posts["guard"], name="门卫", duties=["  ", ""])
    assert "duties" in empty.value.errors
    with pytest.raises(ActionError) as clash:
        actions.do_create_post(school_principal, world.school_a1, name="班主任", duties=["x"])
    assert "name" in clash.value.errors

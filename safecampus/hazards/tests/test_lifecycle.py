"""The hazard lifecycle through actions: 上报 → 交办 → 整改 → 验收 → 销号, and its rules."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied

from safecampus.audit.models import AuditEvent
from safecampus.hazards import actions, actions_followup
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.tests.helpers import FOUND, jpeg, report
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.testing.factories import make_user
from safecampus.notify.models import Notification
from safecampus.orgs.roles import Role

DEADLINE = FOUND + datetime.timedelta(days=7)


@pytest.fixture
def hazard(teacher, world, categories):
    return report(teacher, world.school_a1, categories)


def test_a_teacher_reports_and_the_school_handlers_are_told(safety_officer, hazard, teacher):
    assert hazard.state == "reported" and hazard.finder == teacher
    assert hazard.org_path == hazard.org.path
    assert AuditEvent.objects.filter(verb="hazard.report", object_id=str(hazard.pk)).exists()
    assert Notification.objects.filter(user=safety_officer, kind="hazard.reported").exists()


def test_the_full_journey_closes_the_hazard(hazard, safety_officer, school_principal, teacher):
    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    assert (h.state, h.responsible, h.deadline) == ("assigned", teacher, DEADLINE)
    assert Notification.objects.filter(user=teacher, kind="hazard.assigned").exists()
    h = actions.do_start(teacher, h)
    h = actions.do_submit(teacher, h, note="已更换灭火器", photos=[("after", jpeg())])
    assert h.state == "awaiting_verification" and h.photos.filter(kind="after").count() == 1
    h = actions.do_verify(school_principal, h, opinion="验收合格")
    assert h.state == "closed" and h.closed_on is not None and h.verifier == school_principal
    verbs = list(HazardEvent.objects.filter(hazard=h).values_list("verb", flat=True))
    assert verbs == ["report", "assign", "start", "submit", "verify"]


def test_the_verifier_must_not_be_the_rectifier(hazard, safety_officer):
    h = actions.do_assign(safety_officer, hazard, responsible=safety_officer, deadline=DEADLINE)
    h = actions.do_submit(safety_officer, h, note="done")
    with pytest.raises(ActionError) as exc:
        actions.do_verify(safety_officer, h, opinion="ok")
    assert "verifier" in exc.value.errors
    assert Hazard.objects.get(pk=h.pk).state == "awaiting_verification"


def test_a_major_hazard_is_verified_by_the_bureau_above(
    teacher, world, categories, safety_officer, school_principal, county_staff
):
    h = report(teacher, world.school_a1, categories, severity="major")
    h = actions.do_assign(safety_officer, h, responsible=teacher, deadline=DEADLINE)
    h = actions.do_submit(teacher, h, note="done")
    with pytest.raises(PermissionDenied):
        actions.do_verify(school_principal, h, opinion="ok")
    assert actions.do_verify(county_staff, h, opinion="ok").state == "closed"


def test_a_stale_transition_is_a_conflict(hazard, safety_officer, teacher):
    actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    with pytest.raises(Conflict):
        actions.do_assign(
            safety_officer,
            hazard,
            responsible=teacher,
            deadline=DEADLINE,
            expected_state="reported",
        )
    with pytest.raises(Conflict):
        actions.do_verify(safety_officer, hazard, opinion="x")


def test_the_deadline_cannot_precede_the_find(hazard, safety_officer, teacher):
    with pytest.raises(ActionError) as exc:
        actions.do_assign(
            safety_officer, hazard, responsible=teacher, deadline=FOUND - datetime.timedelta(days=1)
        )
    assert "deadline" in exc.value.errors
    assert Hazard.objects.get(pk=hazard.pk).state == "reported"


def test_a_person_of_another_school_cannot_be_responsible(hazard, safety_officer, world):
    stranger = make_user("stranger", world.school_b1, Role.TEACHER)
    with pytest.raises(ActionError) as exc:
        actions.do_assign(safety_officer, hazard, responsible=stranger, deadline=DEADLINE)
    assert "responsible" in exc.value.errors


def test_fixed_on_the_spot_needs_both_photos(teacher, world, categories):
    with pytest.raises(ActionError):
        report(
            teacher,
            world.school_a1,
            categories,
            rectification_type="immediate",
            photos=[("before", jpeg())],
        )
    assert not Hazard.objects.exists()
    h = report(
        teacher,
        world.school_a1,
        categories,
        rectification_type="immediate",
        photos=[("before", jpeg()), ("after", jpeg())],
    )
    assert h.state == "awaiting_verification" and h.responsible == teacher


def test_a_retried_report_with_the_same_client_id_creates_one_hazard(teacher, world, categories):
    client_id = uuid.uuid4()
    values = {
        "source": "self_check",
        "category": categories["food"],
        "title": "过期食品",
        "found_on": FOUND,
    }
    first, created = actions.do_report_hazard(teacher, world.school_a1, values, client_id=client_id)
    again, created_again = actions.do_report_hazard(
        teacher, world.school_a1, values, client_id=client_id
    )
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Hazard.objects.count() == 1


def test_dismissal_and_restoration_by_the_bureau_above(hazard, safety_officer, county_staff):
    h = actions.do_dismiss(safety_officer, hazard, reason="重复上报")
    assert h.state == "dismissed"
    with pytest.raises(PermissionDenied):
        actions.do_restore(safety_officer, h)
    assert actions.do_restore(county_staff, h).state == "reported"


def test_a_read_only_viewer_cannot_assign(hazard, county_viewer, teacher):
    with pytest.raises(PermissionDenied):
        actions.do_assign(county_viewer, hazard, responsible=teacher, deadline=DEADLINE)


def test_a_recurred_revisit_reopens_the_hazard(
    hazard, safety_officer, school_principal, teacher, county_inspector, world
):
    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    h = actions.do_submit(teacher, h, note="done")
    h = actions.do_verify(school_principal, h, opinion="ok")
    actions_followup.do_record_revisit(
        county_inspector, h, org=world.county_a, result="recurred", note="灭火器又过期"
    )
    h.refresh_from_db()
    assert (h.state, h.reopened_count, h.closed_on) == ("rectifying", 1, None)


def test_supervised_hazards_close_only_with_the_supervisor_sign_off(
    teacher, world, categories, safety_officer, county_officer, county_staff, city_admin
):
    h = report(teacher, world.school_a1, categories, severity="major")
    h = actions.do_assign(safety_officer, h, responsible=teacher, deadline=DEADLINE)
    h = actions_followup.do_supervise(
        city_admin, h, supervising_org=world.city, supervisor=city_admin, report_interval_days=7
    )
    h = actions.do_submit(teacher, h, note="done")
    with pytest.raises(PermissionDenied):
        actions.do_verify(county_staff, h, opinion="ok")
    assert actions.do_verify(city_admin, h, opinion="ok").state == "closed"


def test_only_major_hazards_are_supervised(hazard, city_admin, world):
    with pytest.raises(ActionError):
        actions_followup.do_supervise(
            city_admin,
            hazard,
            supervising_org=world.city,
            supervisor=city_admin,
            report_interval_days=7,
        )

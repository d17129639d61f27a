"""The hazard detail page and its lifecycle steps, per persona; stale steps get 409."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.hazards import actions
from safecampus.hazards.models import Hazard, HazardEvent, HazardPhoto
from safecampus.hazards.tests.helpers import FOUND, jpeg, report

DEADLINE = timezone.localdate() + datetime.timedelta(days=14)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hazard(teacher, world, categories):
    return report(teacher, world.school_a1, categories, photos=[("before", jpeg())])


def _detail(h):
    return reverse("hazards:detail", args=[h.pk])


def _step(h, name):
    return reverse("hazards:step", args=[h.pk, name])


def _assign_data(h, person, **extra):
    data = {
        "assign-expected_state": h.state,
        "assign-responsible": person.pk,
        "assign-deadline": DEADLINE.isoformat(),
        "assign-severity": "general",
        "assign-interim_measures": "拉警戒线",
    }
    data.update(extra)
    return data


def _steps(response):
    return [item["step"] for item in response.context["forms"]]


def _state(h):
    return Hazard.objects.get(pk=h.pk).state


# --- the page -------------------------------------------------------------------------------


def test_the_safety_officer_sees_everything_and_may_assign_or_dismiss(
    as_user, safety_officer, hazard
):
    response = as_user(safety_officer).get(_detail(hazard))
    assert response.status_code == 200
    html = response.content.decode()
    assert hazard.number in html and "灭火器过期" in html and "教学楼二楼" in html
    assert reverse("hazards:photo_thumb", args=[hazard.photos.get().pk]) in html
    assert _steps(response) == ["assign", "dismiss"]
    assert [e["event"].verb for e in response.context["events"]] == ["report"]


def test_a_teacher_may_read_but_is_offered_no_step(as_user, teacher, hazard):
    response = as_user(teacher).get(_detail(hazard))
    assert response.status_code == 200 and _steps(response) == []


def test_the_read_only_viewer_reads_it_without_forms(as_user, county_viewer, hazard):
    response = as_user(county_viewer).get(_detail(hazard))
    assert response.status_code == 200 and _steps(response) == []


def test_the_outsider_gets_404(as_user, other_county_officer, hazard):
    client = as_user(other_county_officer)
    assert client.get(_detail(hazard)).status_code == 404
    response = client.post(_step(hazard, "dismiss"), {"dismiss-reason": "x"})
    assert response.status_code == 404 and _state(hazard) == "reported"


def test_the_responsible_person_is_picked_from_the_school_and_above(
    as_user, safety_officer, hazard, teacher, county_staff, other_county_officer
):
    response = as_user(safety_officer).get(_detail(hazard))
    form = next(i["form"] for i in response.context["forms"] if i["step"] == "assign")
    people = set(form.fields["responsible"].queryset)
    assert teacher in people and county_staff in people and other_county_officer not in people


def test_the_detail_page_query_count_is_bounded(
    as_user, safety_officer, hazard, django_assert_max_num_queries
):
    client = as_user(safety_officer)
    client.get(_detail(hazard))
    with django_assert_max_num_queries(25):
        client.get(_detail(hazard))


# --- the journey through the steps ----------------------------------------------------------


def test_the_whole_journey_through_the_page(
    as_user, safety_officer, teacher, school_principal, hazard
):
    officer = as_user(safety_officer)
    response = officer.post(_step(hazard, "assign"), _assign_data(hazard, teacher))
    assert response.status_code == 302 and _state(hazard) == "assigned"
    h = Hazard.objects.get(pk=hazard.pk)
    assert (h.responsible, h.deadline, h.interim_measures) == (teacher, DEADLINE, "拉警戒线")

    rectifier = as_user(teacher)
    assert _steps(rectifier.get(_detail(h))) == ["start", "submit"]
    response = rectifier.post(_step(h, "start"), {"start-expected_state": "assigned"})
    assert response.status_code == 302 and _state(h) == "rectifying"
    response = rectifier.post(
        _step(h, "submit"),
        {
            "submit-expected_state": "rectifying",
            "submit-note": "已更换灭火器",
            "submit-photos_after": [jpeg("after.jpg")],
        },
    )
    assert response.status_code == 302 and _state(h) == "awaiting_verification"
    assert HazardPhoto.objects.filter(hazard=h, kind="after").count() == 1

    principal = as_user(school_principal)
    assert _steps(principal.get(_detail(h))) == ["verify", "reject"]
    response = principal.post(
        _step(h, "verify"),
        {"verify-expected_state": "awaiting_verification", "verify-opinion": "验收合格"},
    )
    assert response.status_code == 302 and _state(h) == "closed"
    verbs = list(HazardEvent.objects.filter(hazard=h).values_list("verb", flat=True))
    assert verbs == ["report", "assign", "start", "submit", "verify"]
    page = principal.get(_detail(h)).content.decode()
    assert "验收合格" in page and "已更换灭火器" in page


def test_a_rejection_sends_it_back_with_the_reason(as_user, safety_officer, teacher, hazard):
    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    h = actions.do_submit(teacher, h, note="done")
    response = as_user(safety_officer).post(
        _step(h, "reject"),
        {"reject-expected_state": "awaiting_verification", "reject-reason": "照片不清楚"},
    )
    assert response.status_code == 302 and _state(h) == "rectifying"


def test_the_responsible_person_is_not_offered_verification(as_user, safety_officer, hazard):
    h = actions.do_assign(safety_officer, hazard, responsible=safety_officer, deadline=DEADLINE)
    h = actions.do_submit(safety_officer, h, note="done")
    client = as_user(safety_officer)
    assert "verify" not in _steps(client.get(_detail(h)))
    response = client.post(
        _step(h, "verify"), {"verify-expected_state": h.state, "verify-opinion": "ok"}
    )
    assert response.status_code == 422 and _state(h) == "awaiting_verification"


def test_dismiss_and_restore_by_the_bureau_above(as_user, safety_officer, county_staff, hazard):
    response = as_user(safety_officer).post(
        _step(hazard, "dismiss"), {"dismiss-expected_state": "reported", "dismiss-reason": "重复"}
    )
    assert response.status_code == 302 and _state(hazard) == "dismissed"
    officer = as_user(safety_officer)
    assert "restore" not in _steps(officer.get(_detail(hazard)))
    assert (
        officer.post(_step(hazard, "restore"), {"restore-expected_state": "dismissed"}).status_code
        == 403
    )
    bureau = as_user(county_staff)
    assert _steps(bureau.get(_detail(hazard))) == ["restore"]
    response = bureau.post(_step(hazard, "restore"), {"restore-expected_state": "dismissed"})
    assert response.status_code == 302 and _state(hazard) == "reported"


# --- refusals -------------------------------------------------------------------------------


def test_a_teacher_may_not_assign(as_user, teacher, hazard):
    response = as_user(teacher).post(_step(hazard, "assign"), _assign_data(hazard, teacher))
    assert response.status_code == 403 and _state(hazard) == "reported"


def test_the_read_only_viewer_gets_403_on_every_step(as_user, county_viewer, teacher, hazard):
    client = as_user(county_viewer)
    for step in (
        "assign",
        "start",
        "submit",
        "verify",
        "reject",
        "dismiss",
        "restore",
        "supervise",
    ):
        response = client.post(_step(hazard, step), {f"{step}-expected_state": "reported"})
        assert response.status_code == 403, step
    assert _state(hazard) == "reported"
    assert not HazardEvent.objects.exclude(verb="report").exists()


def test_an_unknown_step_is_refused(as_user, safety_officer, hazard):
    assert as_user(safety_officer).post(_step(hazard, "close-it")).status_code == 403


def test_a_get_on_a_step_is_not_allowed(as_user, safety_officer, hazard):
    assert as_user(safety_officer).get(_step(hazard, "assign")).status_code == 405


def test_a_deadline_before_the_found_date_is_refused(as_user, safety_officer, teacher, hazard):
    early = (FOUND - datetime.timedelta(days=1)).isoformat()
    response = as_user(safety_officer).post(
        _step(hazard, "assign"), _assign_data(hazard, teacher, **{"assign-deadline": early})
    )
    assert response.status_code == 422
    form = next(i["form"] for i in response.context["forms"] if i["step"] == "assign")
    assert "deadline" in form.errors
    assert _state(hazard) == "reported" and Hazard.objects.get(pk=hazard.pk).deadline is None


def test_a_missing_field_is_a_400_with_nothing_written(as_user, safety_officer, hazard):
    response = as_user(safety_officer).post(
        _step(hazard, "dismiss"), {"dismiss-expected_state": "reported", "dismiss-reason": ""}
    )
    assert response.status_code == 400 and _state(hazard) == "reported"


def test_a_person_of_another_school_cannot_be_made_responsible(
    as_user, safety_officer, hazard, other_county_officer
):
    response = as_user(safety_officer).post(
        _step(hazard, "assign"), _assign_data(hazard, other_county_officer)
    )
    assert response.status_code == 400 and _state(hazard) == "reported"


def test_submitting_an_immediate_fix_without_an_after_photo_is_refused(
    as_user, teacher, safety_officer, world, categories
):
    h = report(teacher, world.school_a1, categories)
    Hazard.objects.filter(pk=h.pk).update(rectification_type="immediate")
    h = actions.do_assign(safety_officer, h, responsible=teacher, deadline=DEADLINE)
    response = as_user(teacher).post(
        _step(h, "submit"), {"submit-expected_state": "assigned", "submit-note": "修好了"}
    )
    assert response.status_code == 422 and _state(h) == "assigned"


def test_a_non_image_after_photo_is_refused(as_user, teacher, safety_officer, hazard):
    from django.core.files.uploadedfile import SimpleUploadedFile

    h = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    response = as_user(teacher).post(
        _step(h, "submit"),
        {
            "submit-expected_state": "assigned",
            "submit-note": "done",
            "submit-photos_after": [SimpleUploadedFile("x.jpg", b"GIF89a-nope")],
        },
    )
    assert response.status_code == 422 and _state(h) == "assigned"
    assert not HazardPhoto.objects.filter(kind="after").exists()


# --- stale steps ----------------------------------------------------------------------------


def test_a_stale_step_gets_409_and_changes_nothing(as_user, safety_officer, teacher, hazard):
    actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=DEADLINE)
    # The officer's page still showed "reported" when they dismissed it.
    response = as_user(safety_officer).post(
        _step(hazard, "dismiss"), {"dismiss-expected_state": "reported", "dismiss-reason": "x"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "someone else" in html.lower() or "他人修改" in html
    assert _state(hazard) == "assigned"
    assert not HazardEvent.objects.filter(verb="dismiss").exists()


def test_a_stale_assign_does_not_overwrite_the_new_responsible(
    as_user, safety_officer, school_principal, teacher, hazard
):
    actions.do_assign(school_principal, hazard, responsible=school_principal, deadline=DEADLINE)
    actions.do_start(school_principal, hazard)
    response = as_user(safety_officer).post(
        _step(hazard, "assign"),
        _assign_data(hazard, teacher, **{"assign-expected_state": "reported"}),
    )
    assert response.status_code == 409
    assert Hazard.objects.get(pk=hazard.pk).responsible == school_principal


# --- supervision ----------------------------------------------------------------------------


def test_the_county_lists_a_major_hazard_for_supervision(
    as_user, county_officer, county_staff, teacher, world, categories
):
    h = report(teacher, world.school_a1, categories, severity="major")
    client = as_user(county_officer)
    assert "supervise" in _steps(client.get(_detail(h)))
    response = client.post(
        _step(h, "supervise"),
        {
            "supervise-expected_state": "reported",
            "supervise-supervising_org": world.county_a.pk,
            "supervise-supervisor": county_staff.pk,
            "supervise-report_interval_days": "7",
        },
    )
    assert response.status_code == 302
    h.refresh_from_db()
    assert (h.supervising_org, h.supervisor, h.report_interval_days) == (
        world.county_a,
        county_staff,
        7,
    )


def test_supervision_is_not_offered_to_the_school_or_for_general_hazards(
    as_user, safety_officer, county_officer, hazard
):
    assert "supervise" not in _steps(as_user(safety_officer).get(_detail(hazard)))
    assert "supervise" not in _steps(as_user(county_officer).get(_detail(hazard)))
    response = as_user(safety_officer).post(
        _step(hazard, "supervise"), {"supervise-expected_state": "reported"}
    )
    assert response.status_code == 403


def test_a_county_cannot_list_a_hazard_under_the_city(
    as_user, county_officer, teacher, world, categories
):
    h = report(teacher, world.school_a1, categories, severity="major")
    response = as_user(county_officer).post(
        _step(h, "supervise"),
        {
            "supervise-expected_state": "reported",
            "supervise-supervising_org": world.city.pk,
            "supervise-supervisor": county_officer.pk,
            "supervise-report_interval_days": "7",
        },
    )
    assert response.status_code == 400
    assert Hazard.objects.get(pk=h.pk).supervising_org is None

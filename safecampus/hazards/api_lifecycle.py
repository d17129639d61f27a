"""/api/v1/hazards/{id}/…: the lifecycle as POST sub-resources (each body carries the state
its sender saw: a stale one gets 409), photos, the rectification plan and revisits."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.files import UploadedFile
from ninja.params import FileEx, FormEx, P

from safecampus.hazards import actions, actions_followup
from safecampus.hazards.api_common import (
    choose,
    hazard_detail,
    person,
    plan_of,
    plan_out,
    revisit_out,
    visible_org,
)
from safecampus.hazards.choices import PhotoKind, RevisitResult, Severity, State
from safecampus.hazards.models import PlanMilestone
from safecampus.hazards.queries import get_hazard_for_user
from safecampus.hazards.schemas import (
    AssignIn,
    HazardDetailOut,
    MilestoneOut,
    MilestoneProgressIn,
    PlanIn,
    PlanOut,
    ReasonIn,
    RevisitIn,
    RevisitOut,
    StateIn,
    SubmitIn,
    SuperviseIn,
    VerifyIn,
)
from safecampus.lib.api import error_responses
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user

router = Router(tags=["hazards"])  # mounted under /hazards by hazards/api.py


# --- transitions ----------------------------------------------------------------------------

_TRANSITION_ERRORS = error_responses(403, 404, 409, 422)


def _expected(state: str) -> str:
    return choose(state, State.values, "expected_state")


@router.post(
    "/{int:hazard_id}/assign",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Assign (交办)",
    description="A responsible person and a deadline; on an assigned or rectifying hazard it "
    "re-assigns. 409 if the hazard is no longer in `expected_state`.",
)
def assign(request: HttpRequest, hazard_id: int, payload: AssignIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    severity = payload.severity
    if severity is not None:
        choose(severity, Severity.values, "severity")
    actions.do_assign(
        user,
        hazard,
        responsible=person(payload.responsible, "responsible"),
        deadline=payload.deadline,
        interim_measures=payload.interim_measures,
        severity=severity,
        expected_state=expected,
        request=request,
    )
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/start",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Start rectification (整改中)",
)
def start(request: HttpRequest, hazard_id: int, payload: StateIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    actions.do_start(user, hazard, expected_state=expected, request=request)
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/submit",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Submit for verification (待验收)",
    description="Upload the after photos first (POST …/photos, kind `after`); a hazard fixed "
    "on the spot cannot be submitted without one.",
)
def submit(request: HttpRequest, hazard_id: int, payload: SubmitIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    actions.do_submit(user, hazard, note=payload.note, expected_state=expected, request=request)
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/verify",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Verify and close (验收销号)",
    description="The verifier must not be the rectifier (422); a major hazard is verified by "
    "the bureau above the school, a supervised one by the supervising organisation (403).",
)
def verify(request: HttpRequest, hazard_id: int, payload: VerifyIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    actions.do_verify(
        user, hazard, opinion=payload.opinion, expected_state=expected, request=request
    )
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/reject",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Reject the rectification (back to rectifying)",
)
def reject(request: HttpRequest, hazard_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    actions.do_reject(user, hazard, reason=payload.reason, expected_state=expected, request=request)
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/dismiss",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Dismiss a report as not a hazard",
)
def dismiss(request: HttpRequest, hazard_id: int, payload: ReasonIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    actions.do_dismiss(
        user, hazard, reason=payload.reason, expected_state=expected, request=request
    )
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/restore",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="Restore a dismissed report",
    description="Only the bureau above the school may overrule a dismissal.",
)
def restore(request: HttpRequest, hazard_id: int, payload: StateIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    expected = _expected(payload.expected_state)
    actions.do_restore(user, hazard, expected_state=expected, request=request)
    return hazard_detail(user, hazard.pk)


@router.post(
    "/{int:hazard_id}/supervise",
    response={200: HazardDetailOut, **_TRANSITION_ERRORS},
    summary="List a major hazard for supervision (挂牌督办)",
)
def supervise(request: HttpRequest, hazard_id: int, payload: SuperviseIn) -> dict[str, Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    try:
        actions_followup.do_supervise(
            user,
            hazard,
            supervising_org=visible_org(user, payload.supervising_org, "supervising_org"),
            supervisor=person(payload.supervisor, "supervisor"),
            report_interval_days=payload.report_interval_days,
            request=request,
        )
    except ActionError as exc:
        # The action checks the supervisor with the responsible-person rule: name our field.
        if "responsible" in exc.errors:
            exc.errors["supervisor"] = exc.errors.pop("responsible")
        raise
    return hazard_detail(user, hazard.pk)


# --- photos, plan, revisits -----------------------------------------------------------------


@router.post(
    "/{int:hazard_id}/photos",
    response={201: HazardDetailOut, **error_responses(403, 404, 409, 422)},
    summary="Add a photo (multipart upload)",
    description=(
        "`multipart/form-data` with `kind` (before or after) and `file` (JPEG, PNG, WebP or "
        "HEIC, at most 15 MB). The photo is checked by its content and re-encoded; its EXIF "
        "data (with any GPS location) is dropped."
    ),
)
def add_photo(
    request: HttpRequest,
    hazard_id: int,
    kind: FormEx[str, P(description="before or after", example="after")],
    file: FileEx[UploadedFile, P(description="JPEG, PNG, WebP or HEIC, at most 15 MB.")],
) -> Status[dict[str, Any]]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    choose(kind, PhotoKind.values, "kind")
    actions.do_add_photos(user, hazard, [(kind, file)], request=request)
    return Status(201, hazard_detail(user, hazard.pk))


@router.get(
    "/{int:hazard_id}/plan",
    response={200: PlanOut | None, **error_responses(404)},
    summary="The rectification plan (整改方案)",
    description="null while the hazard has no plan.",
)
def get_plan(request: HttpRequest, hazard_id: int) -> dict[str, Any] | None:
    hazard = get_hazard_for_user(current_user(request), hazard_id)
    return plan_out(plan_of(hazard))


@router.put(
    "/{int:hazard_id}/plan",
    response={200: PlanOut, **error_responses(403, 404, 409, 422)},
    summary="Write the rectification plan",
    description="Replaces the plan's fields; the milestones sent are added to those already "
    "there (their progress is kept).",
)
def put_plan(request: HttpRequest, hazard_id: int, payload: PlanIn) -> dict[str, Any] | None:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    actions_followup.do_save_plan(
        user,
        hazard,
        measures=payload.measures,
        funds=payload.funds,
        responsible=person(payload.responsible, "responsible"),
        interim_measures=payload.interim_measures,
        contingency=payload.contingency,
        milestones=[(m.title, m.due_on) for m in payload.milestones],
        request=request,
    )
    return plan_out(plan_of(hazard))


@router.post(
    "/{int:hazard_id}/plan/milestones/{int:milestone_id}",
    response={200: MilestoneOut, **error_responses(403, 404, 422)},
    summary="Report progress on a milestone",
)
def milestone_progress(
    request: HttpRequest, hazard_id: int, milestone_id: int, payload: MilestoneProgressIn
) -> PlanMilestone:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    milestone = (
        PlanMilestone.objects.select_related("plan__hazard__org")
        .filter(pk=milestone_id, plan__hazard=hazard)
        .first()
    )
    if milestone is None:
        raise Http404("milestone")
    if not payload.progress.strip():
        raise ActionError(_("Describe the progress."), "progress")
    return actions_followup.do_update_milestone(
        user, milestone, progress=payload.progress, done_on=payload.done_on, request=request
    )


@router.post(
    "/{int:hazard_id}/revisits",
    response={201: RevisitOut, **error_responses(403, 404, 409, 422)},
    summary="Record a revisit (回头看)",
    description="Of a closed hazard, by a bureau above the school; `recurred` reopens it.",
)
def add_revisit(request: HttpRequest, hazard_id: int, payload: RevisitIn) -> Status[Any]:
    user = current_user(request)
    hazard = get_hazard_for_user(user, hazard_id)
    result = choose(payload.result, RevisitResult.values, "result")
    revisit = actions_followup.do_record_revisit(
        user,
        hazard,
        org=visible_org(user, payload.org, "org"),
        result=result,
        note=payload.note,
        visited_on=payload.visited_on,
        request=request,
    )
    return Status(201, revisit_out(revisit))

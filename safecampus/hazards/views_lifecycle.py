"""The hazard detail page and every lifecycle step on it (交办 → 整改 → 验收 → 销号, §4.1).

The page offers only the steps the person may take in the current state; the actions remain
the authority. Every POST carries the state the person saw: a stale one gets 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safecampus.hazards import actions, actions_followup
from safecampus.hazards.choices import (
    PhotoKind,
    Severity,
    State,
    Transition,
    target_state,
)
from safecampus.hazards.forms import (
    AssignForm,
    DismissForm,
    RejectForm,
    RestoreForm,
    StartForm,
    SubmitForm,
    SuperviseForm,
    TransitionForm,
    VerifyForm,
)
from safecampus.hazards.models import Hazard, RectificationPlan
from safecampus.hazards.queries import get_hazard_for_user, people_at_or_above, supervising_orgs
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.lib.scoping import scope_for
from safecampus.orgs.roles import CAPABILITIES, Cap

SUPERVISE = "supervise"
# The steps in the order the page shows them.
STEPS = [
    Transition.START,
    Transition.SUBMIT,
    Transition.VERIFY,
    Transition.REJECT,
    Transition.ASSIGN,
    Transition.DISMISS,
    Transition.RESTORE,
    SUPERVISE,
]
FORMS: dict[str, type[TransitionForm]] = {
    Transition.ASSIGN: AssignForm,
    Transition.START: StartForm,
    Transition.SUBMIT: SubmitForm,
    Transition.VERIFY: VerifyForm,
    Transition.REJECT: RejectForm,
    Transition.DISMISS: DismissForm,
    Transition.RESTORE: RestoreForm,
    SUPERVISE: SuperviseForm,
}
# What the timeline says for each recorded verb.
VERBS: dict[str, Any] = {
    "report": gettext_lazy("Reported"),
    "assign": gettext_lazy("Assigned"),
    "start": gettext_lazy("Rectification started"),
    "submit": gettext_lazy("Submitted for verification"),
    "verify": gettext_lazy("Verified and closed"),
    "reject": gettext_lazy("Verification rejected"),
    "dismiss": gettext_lazy("Dismissed as not a hazard"),
    "restore": gettext_lazy("Restored"),
    "reopen": gettext_lazy("Reopened after a revisit"),
    "supervise": gettext_lazy("Listed for supervision"),
    "plan": gettext_lazy("Rectification plan saved"),
    "progress": gettext_lazy("Progress recorded"),
    "revisit": gettext_lazy("Revisited: still fixed"),
    "photo": gettext_lazy("Photos added"),
}
SUPERVISE_LABEL = gettext_lazy("List for supervision (挂牌督办)")


# --- who may do what --------------------------------------------------------------------------


def held_above(user: Any, cap: str, hazard: Hazard) -> bool:
    """The user holds ``cap`` at a bureau strictly above the hazard's school."""
    school = hazard.org.path
    return any(
        school.startswith(g.path) and len(g.path) < len(school) and cap in CAPABILITIES[g.role]
        for g in scope_for(user).grants
    )


def capable(user: Any, hazard: Hazard, step: str) -> bool:
    """Whether the user's roles allow ``step`` on this hazard at all, whatever its state."""
    caps = scope_for(user).caps_at(hazard.org)
    if step in (Transition.ASSIGN, Transition.DISMISS):
        return Cap.HAZARD_ASSIGN in caps
    if step in (Transition.START, Transition.SUBMIT):
        return hazard.responsible_id == user.pk or Cap.HAZARD_RECTIFY in caps
    if step in (Transition.VERIFY, Transition.REJECT):
        return Cap.HAZARD_VERIFY in caps
    if step == Transition.RESTORE:
        return held_above(user, Cap.HAZARD_ASSIGN, hazard)
    if step == SUPERVISE:
        return supervising_orgs(user, hazard.org).exists()
    return False


def state_allows(hazard: Hazard, step: str) -> bool:
    if step == SUPERVISE:
        return hazard.is_open and hazard.severity == Severity.MAJOR
    return target_state(hazard.state, step) is not None


def allowed_steps(user: Any, hazard: Hazard) -> list[str]:
    """The steps to offer; verification also follows the sign-off rules (§4.1 step 6)."""
    allowed = [s for s in STEPS if state_allows(hazard, s) and capable(user, hazard, s)]
    if Transition.VERIFY in allowed:
        scope = scope_for(user)
        if (
            hazard.responsible_id == user.pk
            or (
                hazard.severity == Severity.MAJOR
                and not held_above(user, Cap.HAZARD_VERIFY, hazard)
            )
            or (
                hazard.supervising_org is not None
                and not scope.can(Cap.HAZARD_VERIFY, hazard.supervising_org)
            )
        ):
            allowed.remove(Transition.VERIFY)
    return allowed


def _label(step: str) -> Any:
    return SUPERVISE_LABEL if step == SUPERVISE else Transition(step).label


def make_form(
    step: str, hazard: Hazard, user: Any, data: Any = None, files: Any = None
) -> TransitionForm:
    extra: dict[str, Any] = {}
    if step == Transition.ASSIGN:
        extra["people"] = people_at_or_above(hazard.org)
    elif step == SUPERVISE:
        orgs = supervising_orgs(user, hazard.org)
        extra["orgs"] = orgs
        # People at the lowest bureau offered, which includes those at the bureaus above it.
        lowest = orgs.last()
        extra["people"] = people_at_or_above(lowest) if lowest else orgs.none()
    return FORMS[step](data, files, prefix=step, hazard=hazard, user=user, **extra)


# --- the page -------------------------------------------------------------------------------


def render_detail(
    request: HttpRequest,
    hazard: Hazard,
    *,
    bound: TransitionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    steps = allowed_steps(user, hazard)
    forms = []
    for step in steps:
        form = bound if bound is not None and bound.prefix == step else None
        forms.append(
            {"step": step, "label": _label(step), "form": form or make_form(step, hazard, user)}
        )
    photos = list(hazard.photos.all())
    plan = (
        RectificationPlan.objects.filter(hazard=hazard)
        .select_related("responsible")
        .prefetch_related("milestones")
        .first()
    )
    events = [
        {"event": e, "label": VERBS.get(e.verb, e.verb)}
        for e in hazard.events.select_related("actor")
    ]
    scope = scope_for(user)
    return render(
        request,
        "hazards/detail.html",
        {
            "hazard": hazard,
            "forms": forms,
            "before": [p for p in photos if p.kind == PhotoKind.BEFORE],
            "after": [p for p in photos if p.kind == PhotoKind.AFTER],
            "plan": plan,
            "events": events,
            "revisits": hazard.revisits.select_related("org", "by"),
            "can_plan": hazard.is_open and scope.can(Cap.HAZARD_ASSIGN, hazard.org),
        },
        status=status,
    )


def _hazard_with_people(user: Any, pk: int) -> Hazard:
    hazard = get_hazard_for_user(user, pk)
    # The detail page names these people; fetch them with the hazard rather than one by one.
    return (
        Hazard.objects.select_related(
            "org",
            "category",
            "responsible",
            "supervising_org",
            "finder",
            "verifier",
            "supervisor",
        )
        .filter(pk=hazard.pk)
        .get()
    )


@login_required
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = _hazard_with_people(request.user, pk)
    return render_detail(request, hazard)


def _conflict(request: HttpRequest, hazard: Hazard, message: str | None = None) -> HttpResponse:
    fresh = _hazard_with_people(request.user, hazard.pk)
    messages.error(
        request,
        message
        or _(
            "Someone else has changed this hazard while you were looking at it; it is now "
            "“%(state)s”. Nothing was saved. Check it below and try again."
        )
        % {"state": State(fresh.state).label},
    )
    return render_detail(request, fresh, status=409)


Runner = Callable[[Any, Hazard, dict[str, Any], HttpRequest], Any]


def _assign(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_assign(
        user,
        hazard,
        responsible=data["responsible"],
        deadline=data["deadline"],
        interim_measures=data["interim_measures"],
        severity=data["severity"],
        expected_state=data["expected_state"],
        request=request,
    )


def _start(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_start(user, hazard, expected_state=data["expected_state"], request=request)


def _submit(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_submit(
        user,
        hazard,
        note=data["note"],
        photos=[(PhotoKind.AFTER, p) for p in data["photos_after"]],
        expected_state=data["expected_state"],
        request=request,
    )


def _verify(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_verify(
        user,
        hazard,
        opinion=data["opinion"],
        expected_state=data["expected_state"],
        request=request,
    )


def _reject(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_reject(
        user, hazard, reason=data["reason"], expected_state=data["expected_state"], request=request
    )


def _dismiss(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_dismiss(
        user, hazard, reason=data["reason"], expected_state=data["expected_state"], request=request
    )


def _restore(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions.do_restore(user, hazard, expected_state=data["expected_state"], request=request)


def _supervise(user: Any, hazard: Hazard, data: dict[str, Any], request: HttpRequest) -> Any:
    return actions_followup.do_supervise(
        user,
        hazard,
        supervising_org=data["supervising_org"],
        supervisor=data["supervisor"],
        report_interval_days=data["report_interval_days"],
        request=request,
    )


RUNNERS: dict[str, Runner] = {
    Transition.ASSIGN: _assign,
    Transition.START: _start,
    Transition.SUBMIT: _submit,
    Transition.VERIFY: _verify,
    Transition.REJECT: _reject,
    Transition.DISMISS: _dismiss,
    Transition.RESTORE: _restore,
    SUPERVISE: _supervise,
}
DONE: dict[str, Any] = {
    Transition.ASSIGN: gettext_lazy("Assigned."),
    Transition.START: gettext_lazy("Rectification has started."),
    Transition.SUBMIT: gettext_lazy("Submitted for verification."),
    Transition.VERIFY: gettext_lazy("Verified: the hazard is closed (销号)."),
    Transition.REJECT: gettext_lazy("Sent back for rectification."),
    Transition.DISMISS: gettext_lazy("Dismissed as not a hazard."),
    Transition.RESTORE: gettext_lazy("Restored: the report is open again."),
    SUPERVISE: gettext_lazy("Listed for supervision."),
}


@login_required
@require_POST
def hazard_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One lifecycle step posted from the detail page."""
    user = current_user(request)
    hazard = _hazard_with_people(user, pk)
    if step not in FORMS:
        raise PermissionDenied(step)
    if not capable(user, hazard, step):
        raise PermissionDenied(step)
    seen = request.POST.get(f"{step}-expected_state")
    if seen and seen != hazard.state:
        return _conflict(request, hazard)
    form = make_form(step, hazard, user, request.POST, request.FILES)
    if not form.is_valid():
        return render_detail(request, hazard, bound=form, status=400)
    try:
        RUNNERS[step](user, hazard, form.cleaned_data, request)
    except ActionError as exc:
        apply_action_error(form, exc)
        return render_detail(request, hazard, bound=form, status=422)
    except Conflict as exc:
        return _conflict(request, hazard, str(exc))
    messages.success(request, str(DONE[step]))
    return redirect("hazards:detail", pk=hazard.pk)

"""The rectification plan (整改方案) of a hard case and its milestones' progress (§4.1 step 4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.hazards import actions_followup
from safecampus.hazards.forms import MilestoneFormSet, MilestoneProgressForm, PlanForm
from safecampus.hazards.models import Hazard, PlanMilestone, RectificationPlan
from safecampus.hazards.queries import get_hazard_for_user, people_at_or_above
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.roles import Cap


def _plan_of(hazard: Hazard) -> RectificationPlan | None:
    return (
        RectificationPlan.objects.filter(hazard=hazard)
        .select_related("responsible")
        .prefetch_related("milestones")
        .first()
    )


def _may_record_progress(user: Any, hazard: Hazard) -> bool:
    # The responsible person always reports progress on their own hazard (actions.may_rectify).
    return hazard.responsible_id == user.pk or scope_for(user).can(Cap.HAZARD_RECTIFY, hazard.org)


def _plan_form(hazard: Hazard, plan: RectificationPlan | None, data: Any = None) -> PlanForm:
    if plan is not None:
        initial = {
            "measures": plan.measures,
            "funds": plan.funds,
            "responsible": plan.responsible_id,
            "interim_measures": plan.interim_measures,
            "contingency": plan.contingency,
        }
    else:
        initial = {
            "responsible": hazard.responsible_id,
            "interim_measures": hazard.interim_measures,
            "funds": hazard.cost_note,
        }
    return PlanForm(data, initial=initial, people=people_at_or_above(hazard.org))


def _render(
    request: HttpRequest,
    hazard: Hazard,
    *,
    form: PlanForm | None = None,
    milestones: Any = None,
    progress: MilestoneProgressForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    plan = _plan_of(hazard)
    can_edit = hazard.is_open and scope_for(user).can(Cap.HAZARD_ASSIGN, hazard.org)
    may_progress = hazard.is_open and _may_record_progress(user, hazard)
    rows = []
    for milestone in plan.milestones.all() if plan else []:
        prefix = f"m{milestone.pk}"
        bound = progress if progress is not None and progress.prefix == prefix else None
        rows.append(
            {
                "milestone": milestone,
                "form": bound
                or MilestoneProgressForm(
                    prefix=prefix,
                    initial={"progress": milestone.progress, "done_on": milestone.done_on},
                ),
            }
        )
    return render(
        request,
        "hazards/plan.html",
        {
            "hazard": hazard,
            "plan": plan,
            "rows": rows,
            "can_edit": can_edit,
            "may_progress": may_progress,
            "form": form or (_plan_form(hazard, plan) if can_edit else None),
            "milestones": milestones or (MilestoneFormSet(prefix="ms") if can_edit else None),
        },
        status=status,
    )


@login_required
def hazard_plan(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    hazard = get_hazard_for_user(user, pk)
    if request.method != "POST":
        return _render(request, hazard)
    require(user, Cap.HAZARD_ASSIGN, hazard.org)
    form = _plan_form(hazard, _plan_of(hazard), request.POST)
    milestones = MilestoneFormSet(request.POST, prefix="ms")
    if not (form.is_valid() and milestones.is_valid()):
        return _render(request, hazard, form=form, milestones=milestones, status=400)
    data = form.cleaned_data
    try:
        actions_followup.do_save_plan(
            user,
            hazard,
            measures=data["measures"],
            funds=data["funds"],
            responsible=data["responsible"],
            interim_measures=data["interim_measures"],
            contingency=data["contingency"],
            milestones=[
                (row["title"], row["due_on"])
                for row in milestones.cleaned_data
                if row.get("title") and row.get("due_on")
            ],
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render(request, hazard, form=form, milestones=milestones, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
        return _render(request, hazard, status=409)
    messages.success(request, _("The rectification plan has been saved."))
    return redirect("hazards:plan", pk=hazard.pk)


@login_required
@require_POST
def milestone_progress(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    user = current_user(request)
    hazard = get_hazard_for_user(user, pk)
    try:
        milestone = PlanMilestone.objects.select_related("plan__hazard__org").get(
            pk=milestone_pk, plan__hazard=hazard
        )
    except PlanMilestone.DoesNotExist:
        raise Http404("milestone") from None
    if not _may_record_progress(user, hazard):
        raise PermissionDenied(Cap.HAZARD_RECTIFY)
    if not hazard.is_open:
        messages.error(request, _("This hazard is already closed."))
        return _render(request, hazard, status=409)
    form = MilestoneProgressForm(request.POST, prefix=f"m{milestone.pk}")
    if not form.is_valid():
        return _render(request, hazard, progress=form, status=400)
    actions_followup.do_update_milestone(
        user,
        milestone,
        progress=form.cleaned_data["progress"],
        done_on=form.cleaned_data["done_on"],
        request=request,
    )
    messages.success(request, _("Progress recorded."))
    return redirect("hazards:plan", pk=hazard.pk)

"""Follow-up on hazards (§4.1): listed supervision (挂牌督办), rectification plans with
milestones, and revisits (回头看). Same rules as actions.py: atomic, locked, audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.hazards import notifications
from safecampus.hazards.actions import add_event, check_responsible, may_rectify, transition
from safecampus.hazards.choices import RevisitResult, Severity, State, Transition
from safecampus.hazards.models import Hazard, PlanMilestone, RectificationPlan, Revisit
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap


@transaction.atomic
def do_supervise(
    actor: Any,
    hazard: Hazard,
    *,
    supervising_org: Organization,
    supervisor: Any,
    report_interval_days: int,
    request: HttpRequest | None = None,
) -> Hazard:
    """挂牌督办: a county or city lists a major hazard for supervision (§4.1)."""
    require(actor, Cap.HAZARD_SUPERVISE, supervising_org)
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if supervising_org.level not in (Level.CITY, Level.COUNTY) or not locked.org.path.startswith(
        supervising_org.path
    ):
        raise ActionError(
            _("Choose the county or city bureau above the school."), "supervising_org"
        )
    if locked.severity != Severity.MAJOR:
        raise ActionError(_("Only major hazards are listed for supervision."), "severity")
    if not locked.is_open:
        raise Conflict(_("This hazard is already closed."))
    if not 1 <= report_interval_days <= 90:
        raise ActionError(_("Choose a reporting interval of 1 to 90 days."), "report_interval_days")
    check_responsible(supervisor, supervising_org)
    locked.supervising_org, locked.supervisor = supervising_org, supervisor
    locked.report_interval_days = report_interval_days
    locked.supervised_on = timezone.localdate()
    locked.save(
        update_fields=[
            "supervising_org",
            "supervisor",
            "report_interval_days",
            "supervised_on",
            "updated_at",
        ]
    )
    add_event(locked, actor, "supervise", locked.state, supervising_org.name)
    record(
        "hazard.supervise",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={
            "supervising_org": supervising_org.code,
            "supervisor": supervisor.pk,
            "report_interval_days": report_interval_days,
        },
    )
    notifications.hazard_moved(locked, "supervise", actor)
    return locked


@transaction.atomic
def do_save_plan(
    actor: Any,
    hazard: Hazard,
    *,
    measures: str,
    funds: str,
    responsible: Any,
    interim_measures: str,
    contingency: str,
    milestones: Iterable[tuple[str, datetime.date]] = (),
    request: HttpRequest | None = None,
) -> RectificationPlan:
    """整改方案 for a hard case (五落实: responsibility, measures, funds, deadline, contingency)."""
    require(actor, Cap.HAZARD_ASSIGN, hazard.org)
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if not locked.is_open:
        raise Conflict(_("This hazard is already closed."))
    if not measures.strip():
        raise ActionError(_("Describe the measures."), "measures")
    check_responsible(responsible, locked.org)
    plan, created = RectificationPlan.objects.update_or_create(
        hazard=locked,
        defaults={
            "measures": measures,
            "funds": funds,
            "responsible": responsible,
            "interim_measures": interim_measures,
            "contingency": contingency,
        },
    )
    new_milestones = [PlanMilestone(plan=plan, title=t, due_on=d) for t, d in milestones if t]
    PlanMilestone.objects.bulk_create(new_milestones)
    add_event(locked, actor, "plan", locked.state, measures[:200])
    record(
        "hazard.plan",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"created": created, "milestones": len(new_milestones), "funds": funds},
    )
    return plan


@transaction.atomic
def do_update_milestone(
    actor: Any,
    milestone: PlanMilestone,
    *,
    progress: str,
    done_on: datetime.date | None,
    request: HttpRequest | None = None,
) -> PlanMilestone:
    hazard = milestone.plan.hazard
    may_rectify(actor, hazard)
    locked = PlanMilestone.objects.select_for_update().get(pk=milestone.pk)
    locked.progress, locked.done_on = progress, done_on
    locked.save(update_fields=["progress", "done_on"])
    add_event(hazard, actor, "progress", hazard.state, f"{locked.title}: {progress}"[:200])
    record(
        "hazard.progress",
        actor=actor,
        org=hazard.org,
        obj=hazard,
        request=request,
        changes={"milestone": locked.title, "done_on": done_on, "progress": progress[:200]},
    )
    return locked


@transaction.atomic
def do_record_revisit(
    actor: Any,
    hazard: Hazard,
    *,
    org: Organization,
    result: str,
    note: str = "",
    visited_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Revisit:
    """回头看 of a closed hazard; "recurred" reopens it (§4.1 step 7)."""
    require(actor, Cap.HAZARD_REVISIT, org)
    if not hazard.org.path.startswith(org.path) or org.level == Level.SCHOOL:
        raise ActionError(_("A revisit is made by a bureau above the school."), "org")
    if result not in RevisitResult.values:
        raise ActionError(_("Choose the result."), "result")
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if locked.state != State.CLOSED:
        raise Conflict(_("Only closed hazards are revisited."))
    revisit = Revisit.objects.create(
        hazard=locked,
        org=org,
        by=actor,
        result=result,
        note=note,
        visited_on=visited_on or timezone.localdate(),
    )
    record(
        "hazard.revisit",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"result": result, "note": note[:200]},
    )
    if result == RevisitResult.RECURRED:

        def change(h: Hazard) -> dict[str, Any]:
            h.reopened_count += 1
            h.closed_on = None
            h.escalation_level = 0
            return {"reopened_count": h.reopened_count}

        transition(
            actor,
            locked,
            Transition.REOPEN,
            Cap.HAZARD_REVISIT,
            change=change,
            note=note,
            request=request,
        )
    else:
        add_event(locked, actor, "revisit", locked.state, note)
    return revisit

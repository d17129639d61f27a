"""What the hazard API modules share: the JSON shapes of hazards and what hangs off them, and
the checks of ids and choices sent in bodies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from safecampus.hazards.choices import TRANSITIONS, Transition
from safecampus.hazards.models import Hazard, HazardCategory, RectificationPlan
from safecampus.hazards.queries import get_hazard_for_user
from safecampus.lib.errors import ActionError
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import visible_orgs

# --- shapes ---------------------------------------------------------------------------------


def org_ref(org: Organization | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.pk, "code": org.code, "name": org.name, "level": org.level}


def user_ref(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "display_name": user.display_name}


def category_ref(category: HazardCategory) -> dict[str, Any]:
    return {"id": category.pk, "code": category.code, "name": str(category)}


def hazard_out(hazard: Hazard) -> dict[str, Any]:
    """A ledger row: the fields ``ledger()`` selects with it, so a page costs one query."""
    return {
        "id": hazard.pk,
        "number": hazard.number,
        "org": org_ref(hazard.org),
        "source": hazard.source,
        "category": category_ref(hazard.category),
        "severity": hazard.severity,
        "title": hazard.title,
        "location": hazard.location,
        "found_on": hazard.found_on,
        "state": hazard.state,
        "rectification_type": hazard.rectification_type,
        "responsible": user_ref(hazard.responsible),
        "deadline": hazard.deadline,
        "overdue": hazard.is_overdue,
        "supervising_org": org_ref(hazard.supervising_org),
        "closed_on": hazard.closed_on,
        "reopened_count": hazard.reopened_count,
        "escalation_level": hazard.escalation_level,
        "created_at": hazard.created_at,
        "updated_at": hazard.updated_at,
    }


def plan_out(plan: RectificationPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "measures": plan.measures,
        "funds": plan.funds,
        "responsible": user_ref(plan.responsible),
        "interim_measures": plan.interim_measures,
        "contingency": plan.contingency,
        "milestones": list(plan.milestones.all()),
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def plan_of(hazard: Hazard) -> RectificationPlan | None:
    return (
        RectificationPlan.objects.filter(hazard=hazard)
        .select_related("responsible")
        .prefetch_related("milestones")
        .first()
    )


def hazard_detail(user: Any, pk: int) -> dict[str, Any]:
    hazard = get_hazard_for_user(user, pk)
    transitions = {t for (state, t) in TRANSITIONS if state == hazard.state}
    return {
        **hazard_out(hazard),
        "description": hazard.description,
        "risk_point": hazard.risk_point_id,
        "finder": user_ref(hazard.finder),
        "finder_name": hazard.finder_name,
        "interim_measures": hazard.interim_measures,
        "cost_note": hazard.cost_note,
        "rectification_note": hazard.rectification_note,
        "verifier": user_ref(hazard.verifier),
        "verification_opinion": hazard.verification_opinion,
        "dismissed_reason": hazard.dismissed_reason,
        "supervisor": user_ref(hazard.supervisor),
        "report_interval_days": hazard.report_interval_days,
        "supervised_on": hazard.supervised_on,
        "tracking_code": hazard.tracking_code,
        "reporter_contact": hazard.reporter_contact,
        "transitions": [t.value for t in Transition if t in transitions],
        "events": [
            {
                "id": e.pk,
                "verb": e.verb,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "actor": user_ref(e.actor),
                "created_at": e.created_at,
            }
            for e in hazard.events.select_related("actor")
        ],
        "photos": [
            {
                "id": p.pk,
                "kind": p.kind,
                # The permission-checked photo views (hazards/views.py), never a media URL.
                "url": reverse("hazards:photo", args=[p.pk]),
                "thumbnail_url": reverse("hazards:photo_thumb", args=[p.pk]),
                "created_at": p.created_at,
            }
            for p in hazard.photos.all()
        ],
        "plan": plan_out(plan_of(hazard)),
        "revisits": [revisit_out(r) for r in hazard.revisits.select_related("org", "by")],
    }


def revisit_out(revisit: Any) -> dict[str, Any]:
    return {
        "id": revisit.pk,
        "org": org_ref(revisit.org),
        "by": user_ref(revisit.by),
        "visited_on": revisit.visited_on,
        "result": revisit.result,
        "note": revisit.note,
        "created_at": revisit.created_at,
    }


# --- input helpers --------------------------------------------------------------------------


def choose(value: str, allowed: list[str], field: str) -> str:
    if value not in allowed:
        message = _("Choose one of: %(levels)s.") % {"levels": ", ".join(allowed)}
        raise ActionError(message, field)
    return value


def person(pk: int, field: str) -> Any:
    """A person named by id in a body. Whether they may take the job is the action's rule;
    an unknown id gets the action's answer, so ids of other counties' people reveal nothing."""
    person = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise ActionError(
            _("The responsible person must hold a role at this school or a bureau above it."),
            field,
        )
    return person


def visible_org(user: Any, pk: int, field: str) -> Organization:
    org = visible_orgs(user).filter(pk=pk).first()
    if org is None:
        raise ActionError(_("Choose an organisation in your area."), field)
    return org

"""Scoped reads of hazards."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from safecampus.hazards.choices import OPEN_STATES
from safecampus.hazards.models import Hazard, HazardEvent, HazardPhoto
from safecampus.lib.scoping import path_and_ancestors, scope_for, under_paths
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import CAPABILITIES, Cap


def visible_hazards(user: Any) -> QuerySet[Hazard]:
    """Hazards of the schools under every org where the user may view hazards: one indexed
    prefix filter on hazard.org_path, no join."""
    return Hazard.objects.filter(under_paths(scope_for(user).paths_with(Cap.HAZARD_VIEW)))


def ledger(user: Any) -> QuerySet[Hazard]:
    """The list as pages, the API and the export read it (no N+1)."""
    return visible_hazards(user).select_related("org", "category", "responsible", "supervising_org")


def get_hazard_for_user(user: Any, pk: Any) -> Hazard:
    try:
        return ledger(user).get(pk=int(pk))
    except (Hazard.DoesNotExist, ValueError, TypeError):
        raise Http404("hazard") from None


def get_photo_for_user(user: Any, pk: Any) -> HazardPhoto:
    try:
        return HazardPhoto.objects.select_related("hazard").get(
            pk=int(pk), hazard__in=visible_hazards(user)
        )
    except (HazardPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("photo") from None


def open_counts(qs: QuerySet[Hazard]) -> dict[str, int]:
    """Open, overdue and awaiting-verification hazards of ``qs`` in one aggregate query (the
    home page card). Overdue is derived from the deadline, not a state (DOMAIN.md §4.1)."""
    from safecampus.analytics.hazards import measures

    wanted = measures(timezone.localdate())
    # All three are open hazards: saying so lets PostgreSQL read the few open ones through the
    # state index instead of every hazard of the area (a city's 98,807: 17 instead of 142 ms,
    # bench/README.md "Load test").
    counts = qs.filter(state__in=OPEN_STATES).aggregate(
        open=wanted["in_rectification"],
        overdue=wanted["overdue"],
        awaiting=wanted["awaiting_verification"],
    )
    return counts


# --- pickers and boards of the hazard pages -------------------------------------------------


def people_at_or_above(org: Organization) -> QuerySet[Any]:
    """Who may be made responsible for a hazard of ``org`` (or supervise at ``org``): active
    people with a role at it or at a bureau above it (the rule actions.check_responsible keeps)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__org__path__in=path_and_ancestors(org.path))
        .distinct()
        .order_by("display_name", "username")
    )


def report_schools(user: Any) -> QuerySet[Organization]:
    """Active schools where the user may report a hazard."""
    return Organization.objects.filter(
        scope_for(user).q_with(Cap.HAZARD_REPORT), level=Level.SCHOOL, status=OrgStatus.ACTIVE
    ).order_by("path")


def supervising_orgs(user: Any, school: Organization) -> QuerySet[Organization]:
    """The county and city bureaus above ``school`` where the user may list it for supervision
    (挂牌督办, §4.1)."""
    return Organization.objects.filter(
        scope_for(user).q_with(Cap.HAZARD_SUPERVISE),
        path__in=path_and_ancestors(school.path),
        level__in=[Level.CITY, Level.COUNTY],
    ).order_by("path")


def revisit_areas(user: Any) -> QuerySet[Organization]:
    """Bureaus whose closed hazards the user may revisit (回头看, §4.1 step 7)."""
    return (
        Organization.objects.filter(scope_for(user).q_with(Cap.HAZARD_REVISIT))
        .exclude(level=Level.SCHOOL)
        .order_by("path")
    )


def bureau_board_paths(user: Any) -> list[str]:
    """Paths of the bureaus where the user sees the supervision board (hazard view or
    supervise held at a bureau, not at a school)."""
    wanted = {Cap.HAZARD_VIEW, Cap.HAZARD_SUPERVISE}
    return sorted(
        {
            g.path
            for g in scope_for(user).grants
            if g.level != Level.SCHOOL and wanted & CAPABILITIES[g.role]
        }
    )


def supervised_board(user: Any) -> QuerySet[Hazard]:
    """Open hazards listed for supervision by a bureau inside the user's scope, with their last
    recorded activity, soonest deadline first; one query."""
    paths = bureau_board_paths(user)
    under = Q(pk__in=[])
    for path in paths:
        under |= Q(supervising_org__path__startswith=path)
    latest = (
        HazardEvent.objects.filter(hazard=OuterRef("pk"))
        .exclude(verb="supervise")
        .order_by("-created_at", "-id")
    )
    return (
        ledger(user)
        .select_related("supervisor")
        .filter(under, state__in=OPEN_STATES)
        .annotate(
            last_activity_at=Subquery(latest.values("created_at")[:1]),
            last_activity_verb=Subquery(latest.values("verb")[:1]),
            last_activity_note=Subquery(latest.values("note")[:1]),
        )
        .order_by(F("deadline").asc(nulls_last=True), "id")
    )

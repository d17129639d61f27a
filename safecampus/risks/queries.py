"""Scoped reads of risk registers, the library and grading rules."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from safecampus.hazards.choices import OPEN_STATES, Severity
from safecampus.hazards.models import Hazard
from safecampus.lib.scoping import path_and_ancestors, scope_for, under_paths
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap
from safecampus.risks.choices import Level
from safecampus.risks.grading import Policy, default_policy
from safecampus.risks.models import CampusArea, GradingPolicy, LibraryItem, RiskPoint


def open_major_hazard() -> Exists:
    """An open major hazard raised from the point: it shows the point red (直接判定, §3.3)."""
    return Exists(
        Hazard.objects.filter(
            risk_point=OuterRef("pk"), severity=Severity.MAJOR, state__in=OPEN_STATES
        )
    )


def visible_points(user: Any) -> QuerySet[RiskPoint]:
    """Risk points of the schools under every org where the user may view risks, each with
    ``has_open_major`` (one EXISTS per row, on an indexed foreign key)."""
    paths = scope_for(user).paths_with(Cap.RISK_VIEW)
    return (
        RiskPoint.objects.filter(under_paths(paths))
        .select_related("school", "category", "area", "responsible", "library_item")
        .annotate(has_open_major=open_major_hazard())
    )


def get_point_for_user(user: Any, pk: Any) -> RiskPoint:
    try:
        return visible_points(user).get(pk=int(pk))
    except (RiskPoint.DoesNotExist, ValueError, TypeError):
        raise Http404("risk point") from None


def displayed_level(point: RiskPoint) -> str:
    """The point's level, raised to red while an open major hazard hangs on it."""
    if getattr(point, "has_open_major", False):
        return Level.RED
    return point.level


def policy_for(org: Organization) -> Policy:
    """The grading rules of the nearest bureau at or above ``org`` that set its own."""
    own = (
        GradingPolicy.objects.filter(org__path__in=path_and_ancestors(org.path))
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )
    if own is None:
        return default_policy()
    return Policy(own.method, own.red_above, own.orange_above, own.yellow_above)


def library_for(org: Organization) -> QuerySet[LibraryItem]:
    """The current library entries an org may use: the standard ones and those of every
    bureau at or above it (the city owns the catalogue, counties add to it, §3.2)."""
    return (
        LibraryItem.objects.filter(is_current=True)
        .filter(Q(owner__isnull=True) | Q(owner__path__in=path_and_ancestors(org.path)))
        .select_related("category", "owner")
    )


# --- pickers and summaries of the register pages --------------------------------------------


def people_at(school: Organization) -> QuerySet[Any]:
    """Who may be responsible for a risk point: active people with a role at the school (the
    rule actions.check_person_at keeps)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__org=school)
        .distinct()
        .order_by("display_name", "username")
    )


def areas_of(school: Organization) -> QuerySet[CampusArea]:
    return CampusArea.objects.filter(school=school).order_by("sort", "name")


def register_schools(user: Any, within: Organization | None) -> QuerySet[Organization]:
    """Open schools whose register the user may see, under ``within`` (the active org), each
    with its count of points per level (one grouped query for the page)."""
    scope = scope_for(user)
    schools = Organization.objects.filter(
        scope.q_with(Cap.RISK_VIEW), level=OrgLevel.SCHOOL, status=OrgStatus.ACTIVE
    )
    if within is not None:
        schools = schools.filter(path__startswith=within.path)
    live = Q(risk_points__active=True)
    return schools.annotate(
        points=Count("risk_points", filter=live),
        **{
            f"n_{level}": Count("risk_points", filter=live & Q(risk_points__level=level))
            for level in Level.values
        },
    ).order_by("path")


def level_counts(points: QuerySet[RiskPoint]) -> dict[str, int]:
    """How many points show each level (an open major hazard shows red), and how many are
    not graded yet: one aggregate query."""
    from safecampus.risks.filters import displayed_level_q

    totals = points.aggregate(
        total=Count("pk"),
        ungraded=Count("pk", filter=Q(level="") & Q(has_open_major=False)),
        **{level: Count("pk", filter=displayed_level_q(level)) for level in Level.values},
    )
    return {key: value or 0 for key, value in totals.items()}


def get_library_item_for_user(user: Any, pk: Any) -> LibraryItem:
    """A library entry (any version) the user may see: standard ones, and those of a bureau
    in or above the user's scope with the risk capability."""
    scope = scope_for(user)
    if not scope.can_anywhere(Cap.RISK_VIEW):
        raise Http404("library item")
    try:
        item = LibraryItem.objects.select_related("category", "owner").get(pk=int(pk))
    except (LibraryItem.DoesNotExist, ValueError, TypeError):
        raise Http404("library item") from None
    if item.owner is None:
        return item
    owner_path = item.owner.path
    # Visible from the bureau itself, anything under it, or above it.
    if any(
        owner_path.startswith(path) or path.startswith(owner_path)
        for path in scope.paths_with(Cap.RISK_VIEW)
    ):
        return item
    raise Http404("library item")


def versions_of(item: LibraryItem) -> QuerySet[LibraryItem]:
    """Every version of an entry, newest first, with how many register points each feeds."""
    return (
        LibraryItem.objects.filter(owner=item.owner, code=item.code)
        .select_related("created_by")
        .annotate(used=Count("points"))
        .order_by("-version")
    )

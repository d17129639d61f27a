"""Scoped reads of risk registers, the library and grading rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from safecampus.hazards.choices import OPEN_STATES, Severity
from safecampus.hazards.models import Hazard
from safecampus.lib.scoping import scope_for
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap
from safecampus.risks.choices import RANK, Level
from safecampus.risks.grading import Policy, default_policy
from safecampus.risks.models import GradingPolicy, LibraryItem, RiskPoint


def _under(paths: list[str], field: str = "org_path") -> Q:
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


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
        RiskPoint.objects.filter(_under(paths))
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
    step = Organization.steplen
    paths = [org.path[: i * step] for i in range(1, len(org.path) // step + 1)]
    own = (
        GradingPolicy.objects.filter(org__path__in=paths)
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
    step = Organization.steplen
    paths = [org.path[: i * step] for i in range(1, len(org.path) // step + 1)]
    return (
        LibraryItem.objects.filter(is_current=True)
        .filter(Q(owner__isnull=True) | Q(owner__path__in=paths))
        .select_related("category", "owner")
    )


def rank(level: str) -> int:
    return RANK.get(level, 0)

"""Scoped reads of hazards."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.lib.scoping import scope_for
from safecampus.orgs.roles import Cap


def _paths_q(paths: list[str]) -> Q:
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(org_path__startswith=path)
    return query


def visible_hazards(user: Any) -> QuerySet[Hazard]:
    """Hazards of the schools under every org where the user may view hazards: one indexed
    prefix filter on hazard.org_path, no join."""
    return Hazard.objects.filter(_paths_q(scope_for(user).paths_with(Cap.HAZARD_VIEW)))


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

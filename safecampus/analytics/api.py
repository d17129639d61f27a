"""/api/v1/warning: the early-warning list of an area (the same numbers as the page)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from safecampus.analytics.warning import FACTORS, area_rollup, school_warnings
from safecampus.lib.api import error_responses
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import get_org_for_user
from safecampus.orgs.roles import Cap

router = Router(tags=["early warning"])


class SchoolWarningOut(Schema):
    school_id: int
    school: str
    index: int
    level: str
    counts: dict[str, int]


class AreaWarningOut(Schema):
    org_id: int | None
    org: str | None
    schools: int
    by_level: dict[str, int]
    highest_index: int
    level: str


class WarningOut(Schema):
    root_id: int
    weights: dict[str, int]
    thresholds: dict[str, int]
    schools: list[SchoolWarningOut]
    areas: list[AreaWarningOut]


@router.get(
    "",
    response={200: WarningOut, **error_responses(403, 404)},
    summary="Early warning: schools by safety index",
    description=(
        "Every active school under `org` (default: the caller's top organisation) with its "
        "counts, safety index and warning level, most urgent first, and the roll-up by child "
        "area. Formula and weights: docs/risks.md, section Early warning."
    ),
)
def warning(request: HttpRequest, org: int | None = None) -> dict[str, Any]:
    user = current_user(request)
    if org is not None:
        root = get_org_for_user(user, org)
    else:
        paths = scope_for(user).paths_with(Cap.RISK_VIEW)
        root = Organization.objects.filter(path__in=paths).order_by("depth", "path").first()
        if root is None:
            raise PermissionDenied(Cap.RISK_VIEW)
    require(user, Cap.RISK_VIEW, root)
    rows = school_warnings(root, timezone.localdate())
    return {
        "root_id": root.pk,
        "weights": settings.SAFETY_INDEX_WEIGHTS,
        "thresholds": settings.SAFETY_WARNING_LEVELS,
        "schools": [
            {
                "school_id": row.school.pk,
                "school": row.school.name,
                "index": row.index,
                "level": row.level,
                "counts": {name: row.counts.get(name, 0) for name in FACTORS},
            }
            for row in rows
        ],
        "areas": [
            {
                "org_id": area.org.pk if area.org else None,
                "org": area.org.name if area.org else None,
                "schools": area.schools,
                "by_level": area.by_level,
                "highest_index": area.highest_index,
                "level": area.level,
            }
            for area in area_rollup(root, rows)
        ],
    }

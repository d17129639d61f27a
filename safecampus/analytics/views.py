"""Early-warning pages (预警): the schools of an area by safety index, most urgent first."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safecampus.analytics.warning import (
    FACTORS,
    WARNING_LABELS,
    WARNING_ORDER,
    area_rollup,
    school_warnings,
)
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.queries import get_org_for_user
from safecampus.orgs.roles import Cap
from safecampus.risks.choices import Level


@login_required
@require_GET
def warning_page(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("org")
    root = get_org_for_user(request.user, chosen) if chosen else active_org(request)
    if root is None or not scope_for(request.user).can_anywhere(Cap.RISK_VIEW):
        raise PermissionDenied(Cap.RISK_VIEW)
    require(request.user, Cap.RISK_VIEW, root)
    rows = school_warnings(root, timezone.localdate())
    level = request.GET.get("level")
    shown = [row for row in rows if row.level == level] if level in Level.values else rows
    return render(
        request,
        "analytics/warning.html",
        {
            "root": root,
            "rows": shown[:500],
            "truncated": len(shown) > 500,
            "total": len(rows),
            "level": level if level in Level.values else "",
            "levels": [
                (value, WARNING_LABELS[value], sum(row.level == value for row in rows))
                for value in WARNING_ORDER
            ],
            "areas": area_rollup(root, rows) if root.level != OrgLevel.SCHOOL else [],
            "factors": FACTORS,
            "weights": settings.SAFETY_INDEX_WEIGHTS,
            "thresholds": settings.SAFETY_WARNING_LEVELS,
        },
    )

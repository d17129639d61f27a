"""Hazard ledger (台账) with keyset pagination, the supervision board (挂牌督办) and the
permission-checked photo view. Lifecycle, report, plan and revisit pages live in views_*.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.listing import (
    DEFAULT_SORT,
    SORTS,
    hazard_filter,
    keyset_page,
)
from safecampus.hazards.queries import (
    bureau_board_paths,
    get_photo_for_user,
    supervised_board,
)
from safecampus.lib.forms import bureau_select
from safecampus.lib.scoping import scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.roles import Cap

BOARD_LIMIT = 500


# --- ledger ---------------------------------------------------------------------------------


def ledger_filter(request: HttpRequest) -> HazardFilter:
    """The ledger's filters (listing.hazard_filter: without an org chosen, the active org's
    subtree), with "within" as a picker of the bureaus in scope and a school user's school."""
    filterset = hazard_filter(request)
    current = active_org(request)
    widget = bureau_select(request.user)
    choices = list(widget.choices)
    if current is not None and str(current.pk) not in {str(value) for value, _label in choices}:
        choices.append((str(current.pk), current.name))
    widget.choices = choices
    filterset.form.fields["org"].widget = widget
    return filterset


# What the ledger table shows: loading only these makes a page ~25% cheaper (bench/README.md).
LEDGER_COLUMNS = (
    "id",
    "org_path",
    "found_on",
    "deadline",
    "state",
    "severity",
    "title",
    "org__id",
    "org__name",
    "category__id",
    "category__name_zh",
    "category__name_en",
    "responsible__id",
    "responsible__username",
    "responsible__display_name",
    "supervising_org__id",
    "supervising_org__name",
)


@login_required
@require_GET
def hazard_ledger(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.can_anywhere(Cap.HAZARD_VIEW):
        raise PermissionDenied(Cap.HAZARD_VIEW)
    filterset = ledger_filter(request)
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    rows, next_cursor = keyset_page(
        filterset.qs.only(*LEDGER_COLUMNS), sort, request.GET.get("after")
    )
    params = filterset.data.copy()
    params.pop("sort", None)
    filters_only = params.urlencode()
    params["sort"] = sort
    return render(
        request,
        "hazards/ledger.html",
        {
            "filter": filterset,
            "hazards": rows,
            "sort": sort,
            "next_cursor": next_cursor,
            "is_first_page": not request.GET.get("after"),
            "query": params.urlencode(),
            "filters_query": filters_only,
            "can_report": scope.can_anywhere(Cap.HAZARD_REPORT),
            "can_export": scope.can_anywhere(Cap.HAZARD_EXPORT),
            "can_import": scope.can_anywhere(Cap.HAZARD_IMPORT),
            "can_board": bool(bureau_board_paths(request.user)),
            "can_revisit": scope.can_anywhere(Cap.HAZARD_REVISIT),
        },
    )


# --- supervision board ----------------------------------------------------------------------


@login_required
@require_GET
def supervised(request: HttpRequest) -> HttpResponse:
    """挂牌督办: major hazards listed by a bureau in scope, until they close (§4.1)."""
    if not bureau_board_paths(request.user):
        raise PermissionDenied(Cap.HAZARD_VIEW)
    today = timezone.localdate()
    rows: list[dict[str, Any]] = []
    for hazard in supervised_board(request.user)[:BOARD_LIMIT]:
        interval = hazard.report_interval_days
        last = getattr(hazard, "last_activity_at", None)
        last_day = timezone.localtime(last).date() if last else hazard.supervised_on
        days_left = (hazard.deadline - today).days if hazard.deadline else None
        rows.append(
            {
                "hazard": hazard,
                "days_left": days_left,
                "days_overdue": -days_left if days_left is not None and days_left < 0 else 0,
                "last_at": last,
                "last_verb": getattr(hazard, "last_activity_verb", ""),
                "last_note": getattr(hazard, "last_activity_note", ""),
                # A progress report is due every `interval` days while it stays listed.
                "report_late": bool(interval and last_day and (today - last_day).days > interval),
            }
        )
    return render(
        request,
        "hazards/supervised.html",
        {"rows": rows, "limited": len(rows) >= BOARD_LIMIT},
    )


# --- photos ---------------------------------------------------------------------------------


def _photo_response(request: HttpRequest, pk: int, thumbnail: bool) -> FileResponse:
    photo = get_photo_for_user(request.user, pk)
    stored = photo.thumbnail if thumbnail else photo.image
    response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    # Private: the file sits behind a permission check, never in a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = f'inline; filename="hazard-{photo.hazard_id}-{photo.pk}.jpg"'
    return response


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    return _photo_response(request, pk, thumbnail=False)


@login_required
@require_GET
def photo_thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    return _photo_response(request, pk, thumbnail=True)

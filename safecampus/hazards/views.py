"""Hazard ledger (台账) with keyset pagination, the supervision board (挂牌督办) and the
permission-checked photo view. Lifecycle, report, plan and revisit pages live in views_*.py."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.listing import hazard_filter
from safecampus.hazards.models import Hazard
from safecampus.hazards.queries import (
    bureau_board_paths,
    get_photo_for_user,
    supervised_board,
)
from safecampus.lib.forms import bureau_select
from safecampus.lib.scoping import scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.roles import Cap

PAGE_SIZE = 50
BOARD_LIMIT = 500
# Sort key in the URL -> (field, descending). Anything else falls back to the default.
SORTS: dict[str, tuple[str, bool]] = {
    "-found_on": ("found_on", True),
    "found_on": ("found_on", False),
    "deadline": ("deadline", False),
    "-deadline": ("deadline", True),
}
DEFAULT_SORT = "-found_on"


# --- keyset pagination ----------------------------------------------------------------------
# Big ledgers (a province has a million hazards) are paged by "rows after this one" on an
# indexed (key, id) order rather than OFFSET, which reads and throws away every earlier row.


def encode_cursor(value: datetime.date | None, pk: int) -> str:
    raw = json.dumps([value.isoformat() if value else None, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime.date | None, int] | None:
    """The (key, id) of the last row shown, or None for a token we did not write."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, pk = json.loads(raw)
        date = datetime.date.fromisoformat(value) if value is not None else None
        if not isinstance(pk, int):
            return None
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    return date, pk


def keyset_page(
    queryset: QuerySet[Hazard], sort: str, after: str | None, size: int | None = None
) -> tuple[list[Hazard], str | None]:
    """One page in (key, id) order, NULL keys last, and the cursor of the next page."""
    size = size or PAGE_SIZE
    field, descending = SORTS[sort]
    # NULLS LAST only where the column can be NULL: on found_on (never NULL) it would stop
    # PostgreSQL from reading the (found_on, id) index and make it sort the whole area.
    nulls_last = True if getattr(Hazard._meta.get_field(field), "null", False) else None
    key = (
        F(field).desc(nulls_last=nulls_last) if descending else F(field).asc(nulls_last=nulls_last)
    )
    pk_order = "-id" if descending else "id"
    beyond = "lt" if descending else "gt"
    cursor = decode_cursor(after) if after else None
    if cursor is not None:
        value, pk = cursor
        if value is None:  # already among the rows without a key
            queryset = queryset.filter(**{f"{field}__isnull": True, f"pk__{beyond}": pk})
        else:
            queryset = queryset.filter(
                Q(**{f"{field}__{beyond}": value})
                | Q(**{field: value, f"pk__{beyond}": pk})
                | Q(**{f"{field}__isnull": True})
            )
    rows = list(queryset.order_by(key, pk_order)[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, encode_cursor(getattr(last, field), last.pk)


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

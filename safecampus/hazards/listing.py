"""The hazard ledger's filters for a request, shared by the statistics and the export so that
they count and list the same hazards as the ledger page for the same query string; and the
ledger's keyset pages, shared by the page and the API."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, QueryDict

from safecampus.analytics.counts import Area
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.models import Hazard
from safecampus.hazards.queries import ledger
from safecampus.lib.scoping import scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import CAPABILITIES, Cap


def hazard_filter(request: HttpRequest) -> HazardFilter:
    """The ledger's filters over the user's hazards; with no "within" given, the subtree of
    the active organisation (the org switcher). The page cursor ("after") is not a filter.

    The same rows as ``views.ledger_filter``, which adds the page's "within" picker.
    """
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    data.pop("after", None)
    current = active_org(request)
    if not data.get("org") and current is not None:
        data["org"] = str(current.pk)
    return HazardFilter(data, queryset=ledger(request.user), request=request)


# The filters the pre-counted statistics can answer (a whole area over whole months).
PRECOUNTED_FILTERS = {"org", "found_from", "found_to"}


def precounted_area(filterset: HazardFilter, user: Any, root: Organization | None) -> Area | None:
    """The area whose statistics may come from the pre-counted cells: when the filters select
    exactly every hazard under some bureaus that the user sees whole (nothing but the area and
    whole months of found dates filtered); None otherwise."""
    if not filterset.is_valid():
        return None
    data = filterset.form.cleaned_data
    used = {name for name, value in data.items() if value not in (None, "", [], ())}
    if used - PRECOUNTED_FILTERS:
        return None
    grants = [g for g in scope_for(user).grants if Cap.HAZARD_VIEW in CAPABILITIES[g.role]]
    if data.get("org") is not None:
        # the chosen area, when the user sees all of it (``root`` is the chosen org)
        if root is None or root.pk != data["org"] or root.level == Level.SCHOOL:
            return None
        if not any(root.path.startswith(grant.path) for grant in grants):
            return None
        paths = [root.path]
    else:
        # everything the user sees: the top-most of their areas, if they are all bureaus
        levels = {grant.path: grant.level for grant in grants}
        paths = [p for p in levels if not any(p != o and p.startswith(o) for o in levels)]
        if any(levels[path] == Level.SCHOOL for path in paths):
            return None
    return Area.of(paths, data.get("found_from"), data.get("found_to"))


PAGE_SIZE = 50
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

"""The hazard ledger's filters for a request, shared by the statistics and the export so that
they count and list the same hazards as the ledger page for the same query string."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.queries import ledger
from safecampus.orgs.active import active_org


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

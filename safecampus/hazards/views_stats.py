"""The hazard statistics page (隐患统计): the ledger's filters, the numbers of
analytics.hazards.hazard_stats, and links from every number to the ledger rows behind it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from safecampus.analytics.hazards import RATES, hazard_stats
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.listing import hazard_filter, precounted_area
from safecampus.lib.forms import bureau_select
from safecampus.lib.scoping import scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import visible_orgs
from safecampus.orgs.roles import Cap

# The headline cards: measure, label, and what the number adds to the ledger's query string
# to list its rows (None: a rate or a count the ledger cannot filter on).
HEADLINE: list[tuple[str, Any, dict[str, str] | None]] = [
    ("found", _("Found (发现)"), {}),
    ("closed", _("Closed (销号)"), {"state": "closed"}),
    ("in_rectification", _("In rectification"), {"open": "true"}),
    ("overdue", _("Overdue"), {"overdue": "true"}),
    ("rectification_rate", _("Rectification rate"), None),
    ("on_time_rate", _("Closed on time"), None),
    ("immediate", _("Fixed on the spot (立查立改)"), {"rectification_type": "immediate"}),
    ("supervised", _("Major hazards under supervision"), {"open": "true", "supervised": "true"}),
    ("major", _("Major hazards (重大)"), {"severity": "major"}),
    ("reopened", _("Reopened after a revisit"), None),
    ("dismissed", _("Not hazards (dismissed)"), {"state": "dismissed"}),
]


def _query(base: QueryDict, **changes: str) -> str | None:
    """The ledger query listing the rows behind a number: the page's filters AND the number's
    own condition. None when the two contradict (the number is then 0: nothing to list)."""
    params = base.copy()
    params.pop("after", None)
    for name, value in changes.items():
        chosen = [v for v in params.getlist(name) if v]
        if chosen and value not in chosen and name != "org":  # a child org narrows "within"
            return None
        params.setlist(name, [value])
    return params.urlencode()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _stats_filter(request: HttpRequest) -> HazardFilter:
    """Exactly the ledger's filters (default: the active org's subtree), with the bureaus in
    scope as the "within" picker (and a school user's own school)."""
    filterset = hazard_filter(request)
    current = active_org(request)
    widget = bureau_select(request.user)
    choices = list(widget.choices)
    if current is not None and str(current.pk) not in {str(value) for value, _l in choices}:
        choices.append((str(current.pk), current.name))
    widget.choices = choices
    filterset.form.fields["org"].widget = widget
    return filterset


def _root(request: HttpRequest, filterset: HazardFilter) -> Organization | None:
    filterset.is_valid()
    chosen = filterset.form.cleaned_data.get("org")
    if chosen is None:
        return None
    return visible_orgs(request.user).filter(pk=int(chosen)).first()


def _url(page: str, query: str | None) -> str | None:
    return None if query is None else f"{page}?{query}"


def _shape(rows: list[dict[str, Any]], base: QueryDict, param: str, page: str) -> None:
    """Display strings for the rates, and the link to the rows behind each row."""
    for row in rows:
        row["rectification_pct"] = _percent(row["rectification_rate"])
        row["on_time_pct"] = _percent(row["on_time_rate"])
        if param == "org":
            value = str(row["org"].pk) if row["org"] is not None else None
        else:
            value = str(row["category"].pk) if param == "category" else row["key"]
        row["url"] = _url(page, _query(base, **{param: value})) if value else None


@login_required
@require_GET
def hazard_stats_page(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_anywhere(Cap.HAZARD_VIEW):
        raise PermissionDenied(Cap.HAZARD_VIEW)
    filterset = _stats_filter(request)
    root = _root(request, filterset)
    area = precounted_area(filterset, request.user, root)
    stats = hazard_stats(filterset.qs, today=timezone.localdate(), root=root, precounted=area)
    base: QueryDict = filterset.data.copy()
    ledger_url, stats_url = reverse("hazards:ledger"), reverse("hazards:stats")
    for name, param in (
        ("by_category", "category"),
        ("by_severity", "severity"),
        ("by_source", "source"),
        ("by_state", "state"),
    ):
        _shape(stats[name], base, param, ledger_url)
    _shape(stats["by_org"], base, "org", stats_url)  # an area's row drills down
    headline = [
        {
            "key": name,
            "label": label,
            "value": _percent(stats[name]) if name in RATES else intcomma(stats[name]),
            "url": None if extra is None else _url(ledger_url, _query(base, **extra)),
        }
        for name, label, extra in HEADLINE
    ]
    return render(
        request,
        "hazards/stats.html",
        {
            "filter": filterset,
            "stats": stats,
            "headline": headline,
            "ledger_url": _url(ledger_url, _query(base)),
            "root": root,
        },
    )

"""The hazard ledger as an Excel sheet (台账导出): the ledger's rows for a request, and each
hazard as one row of cells. ``views_excel.export`` streams them into the file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.hazards.choices import OVERDUE_STATES, RectificationType, Severity, Source, State
from safecampus.hazards.listing import DEFAULT_SORT, SORTS
from safecampus.hazards.models import Hazard, HazardCategory
from safecampus.hazards.views import ledger_filter
from safecampus.lib.scoping import Scope, under_paths
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

EXPORT_CHUNK = 2000
# The export's columns: a bilingual header (data, so that one file reads in either language).
EXPORT_HEADER = [
    ("编号", "Number", 14),
    ("学校", "School", 24),
    ("区县", "County", 14),
    ("隐患类别", "Category", 14),
    ("隐患等级", "Severity", 10),
    ("隐患来源", "Source", 14),
    ("隐患名称", "Title", 28),
    ("隐患描述", "Description", 36),
    ("隐患部位", "Location", 18),
    ("发现日期", "Found on", 12),
    ("发现人", "Finder", 12),
    ("状态", "State", 12),
    ("整改责任人", "Responsible", 12),
    ("整改时限", "Deadline", 12),
    ("是否逾期", "Overdue", 8),
    ("整改类型", "Rectification type", 14),
    ("临时管控措施", "Interim measures", 28),
    ("整改情况", "Rectification done", 28),
    ("验收人", "Verifier", 12),
    ("验收意见", "Verification opinion", 24),
    ("销号日期", "Closed on", 12),
    ("督办单位", "Supervised by", 16),
]


def export_queryset(request: HttpRequest, scope: Scope) -> tuple[Any, QuerySet[Hazard]]:
    """The ledger's filterset and its rows in the ledger's order, limited to the schools
    where the user may export (for everybody with one role these are the ledger's rows)."""
    filterset = ledger_filter(request)
    sort = request.GET.get("sort", DEFAULT_SORT)
    field, descending = SORTS.get(sort, SORTS[DEFAULT_SORT])
    key = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    queryset = (
        filterset.qs.filter(under_paths(scope.paths_with(Cap.HAZARD_EXPORT)))
        .select_related(None)
        .order_by(key, "-id" if descending else "id")
    )
    return filterset, queryset


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


# Read as plain values: building a model instance (and four related ones) per row would cost
# more than writing the row.
EXPORT_FIELDS = (
    "pk",
    "found_on",
    "org__name",
    "org_path",
    "category_id",
    "severity",
    "source",
    "title",
    "description",
    "location",
    "finder_name",
    "state",
    "responsible__display_name",
    "responsible__username",
    "deadline",
    "rectification_type",
    "interim_measures",
    "rectification_note",
    "verifier__display_name",
    "verifier__username",
    "verification_opinion",
    "closed_on",
    "supervising_org__name",
)


def _person(name: str | None, username: str | None) -> str:
    return name or username or ""  # as User.__str__


def export_rows(
    queryset: QuerySet[Hazard], scope: Scope, counter: list[int]
) -> Iterator[list[Any]]:
    yes, no = _("Yes"), _("No")
    today = timezone.localdate()
    states, severities = _labels(State), _labels(Severity)
    sources, types = _labels(Source), _labels(RectificationType)
    categories = {c.pk: str(c) for c in HazardCategory.objects.all()}
    counties = _CountyNames(scope)
    for h in queryset.values(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
        counter[0] += 1
        state, deadline = h["state"], h["deadline"]
        overdue = state in OVERDUE_STATES and deadline is not None and deadline < today
        yield [
            f"YH{h['found_on']:%Y}-{h['pk']:06d}",  # as Hazard.number
            h["org__name"],
            counties.of(h["org_path"]),
            categories.get(h["category_id"], ""),
            severities.get(h["severity"], h["severity"]),
            sources.get(h["source"], h["source"]),
            h["title"],
            h["description"],
            h["location"],
            h["found_on"],
            h["finder_name"],
            states.get(state, state),
            _person(h["responsible__display_name"], h["responsible__username"]),
            deadline,
            yes if overdue else no,
            types.get(h["rectification_type"], h["rectification_type"]),
            h["interim_measures"],
            h["rectification_note"],
            _person(h["verifier__display_name"], h["verifier__username"]),
            h["verification_opinion"],
            h["closed_on"],
            h["supervising_org__name"] or "",
        ]


class _CountyNames:
    """The county (区县) a school belongs to, found from its path without a query per row:
    the counties above or inside the user's area are read once. A school directly under the
    city (市直) has no county."""

    def __init__(self, scope: Scope):
        steplen = Organization.steplen
        above = {
            root[:end] for root in scope.root_paths for end in range(steplen, len(root), steplen)
        }
        query = Q(path__in=sorted(above))
        for root in scope.root_paths:
            query |= Q(path__startswith=root)
        self.names = dict(
            Organization.objects.filter(query, level=Level.COUNTY).values_list("path", "name")
        )
        self.cache: dict[str, str] = {}

    def of(self, path: str) -> str:
        if path not in self.cache:
            step = Organization.steplen
            self.cache[path] = next(
                (
                    self.names[path[:end]]
                    for end in range(len(path), 0, -step)
                    if path[:end] in self.names
                ),
                "",
            )
        return self.cache[path]

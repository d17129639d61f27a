"""The one FilterSet of a risk register (the register page, the API list and the export) and
the library browser's."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import SchoolKind
from safecampus.orgs.filters import BOOL_CHOICES
from safecampus.risks.choices import RANK, Level
from safecampus.risks.models import CampusArea, LibraryItem, RiskCategory, RiskPoint

# "Due for review soon": within a month, the shortest review interval (REVIEW_DAYS red).
DUE_SOON_DAYS = 30


class Due:
    OVERDUE = "overdue"
    SOON = "soon"
    UNASSESSED = "unassessed"


DUE_CHOICES = [
    (Due.OVERDUE, _("Review overdue")),
    (Due.SOON, _("Review due within 30 days")),
    (Due.UNASSESSED, _("Not assessed yet")),
]


def rose_q() -> Q:
    """The latest assessment graded the point higher than the one before (RANK order)."""
    query = Q(pk__in=[])
    for level, rank in RANK.items():
        lower = [other for other, r in RANK.items() if r < rank]
        if lower:
            query |= Q(level=level, previous_level__in=lower)
    return query


def displayed_level_q(level: str) -> Q:
    """Points shown at ``level``: an open major hazard shows a point red (displayed_level)."""
    if level == Level.RED:
        return Q(level=Level.RED) | Q(has_open_major=True)
    return Q(level=level, has_open_major=False)


class RiskPointFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    school = django_filters.NumberFilter(field_name="school_id", label=_("School"))
    org = django_filters.NumberFilter(method="filter_org", label=_("Within"))
    category = django_filters.ModelChoiceFilter(
        queryset=RiskCategory.objects.all(), label=_("Category")
    )
    level = django_filters.ChoiceFilter(
        choices=Level.choices, method="filter_level", label=_("Level")
    )
    area = django_filters.ModelChoiceFilter(
        queryset=CampusArea.objects.all(), label=_("Campus area")
    )
    due = django_filters.ChoiceFilter(choices=DUE_CHOICES, method="filter_due", label=_("Review"))
    rose = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES,
        coerce=lambda v: v == "true",
        method="filter_rose",
        label=_("Grade rose"),
    )
    active = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES,
        coerce=lambda v: v == "true",
        method="filter_active",
        label=_("In the register"),
    )

    class Meta:
        model = RiskPoint
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    @property
    def qs(self) -> QuerySet[RiskPoint]:
        queryset = super().qs
        # Retired points stay out of the register unless asked for.
        if not (self.form.is_bound and self.form.is_valid() and self.data.get("active")):
            queryset = queryset.filter(active=True)
        return queryset

    def filter_text(self, queryset: QuerySet[RiskPoint], name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(hazard__icontains=value)
            | Q(location__icontains=value)
            | Q(responsible_post__icontains=value)
            | Q(area__name__icontains=value)
        )

    def filter_org(self, queryset: QuerySet[RiskPoint], name: str, value: Any) -> Any:
        from safecampus.orgs.models import Organization

        org = Organization.objects.filter(pk=int(value)).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(org_path__startswith=org.path)

    def filter_level(self, queryset: QuerySet[RiskPoint], name: str, value: str) -> Any:
        return queryset.filter(displayed_level_q(value)) if value else queryset

    def filter_due(self, queryset: QuerySet[RiskPoint], name: str, value: str) -> Any:
        if value == Due.OVERDUE:
            return queryset.filter(review_on__lt=self.today)
        if value == Due.SOON:
            return queryset.filter(
                review_on__lte=self.today + datetime.timedelta(days=DUE_SOON_DAYS)
            )
        if value == Due.UNASSESSED:
            return queryset.filter(level="")
        return queryset

    def filter_rose(self, queryset: QuerySet[RiskPoint], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(rose_q()) if value else queryset.exclude(rose_q())

    def filter_active(self, queryset: QuerySet[RiskPoint], name: str, value: bool | None) -> Any:
        return queryset if value is None else queryset.filter(active=value)


KIND_CHOICES = [("all", _("All school kinds")), *SchoolKind.choices]


class LibraryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    category = django_filters.ModelChoiceFilter(
        queryset=RiskCategory.objects.all(), label=_("Category")
    )
    kind = django_filters.ChoiceFilter(
        choices=KIND_CHOICES, method="filter_kind", label=_("School kind")
    )
    own = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES,
        coerce=lambda v: v == "true",
        method="filter_own",
        label=_("Bureau's own entries"),
    )

    class Meta:
        model = LibraryItem
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[LibraryItem], name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(hazard_zh__icontains=value)
            | Q(hazard_en__icontains=value)
            | Q(measures_zh__icontains=value)
            | Q(measures_en__icontains=value)
        )

    def filter_kind(self, queryset: QuerySet[LibraryItem], name: str, value: str) -> Any:
        if not value:
            return queryset
        # school_kinds is a JSON list; a text match on the quoted value works on every database.
        if value == "all":
            return queryset.filter(school_kinds__icontains='"all"')
        return queryset.filter(
            Q(school_kinds__icontains=f'"{value}"') | Q(school_kinds__icontains='"all"')
        )

    def filter_own(self, queryset: QuerySet[LibraryItem], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(owner__isnull=not value)

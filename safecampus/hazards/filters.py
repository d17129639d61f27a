"""The one FilterSet of the hazard ledger: the page, the API list, the export and the stats."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.hazards.choices import OPEN_STATES, RectificationType, Severity, Source, State
from safecampus.hazards.models import Hazard, HazardCategory, overdue_q
from safecampus.lib.scoping import scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.filters import BOOL_CHOICES
from safecampus.orgs.models import Organization

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class HazardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    org = django_filters.NumberFilter(method="filter_org", label=_("Within"))
    category = django_filters.ModelChoiceFilter(
        queryset=HazardCategory.objects.all(), label=_("Category")
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    # A column of the hazard itself: no join can repeat a row, and the SELECT DISTINCT that
    # MultipleChoiceFilter adds by default makes PostgreSQL join and sort every matching hazard
    # before the page's LIMIT (a city's rectifying ones: 25 instead of 37 ms, bench/README.md).
    state = django_filters.MultipleChoiceFilter(
        choices=State.choices, label=_("State"), distinct=False
    )
    open = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES, coerce=lambda v: v == "true", method="filter_open", label=_("Open")
    )
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Source"))
    rectification_type = django_filters.ChoiceFilter(
        choices=RectificationType.choices, label=_("Rectification type")
    )
    overdue = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES,
        coerce=lambda v: v == "true",
        method="filter_overdue",
        label=_("Overdue"),
    )
    supervised = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES,
        coerce=lambda v: v == "true",
        method="filter_supervised",
        label=_("Supervised"),
    )
    found_from = django_filters.DateFilter(
        field_name="found_on", lookup_expr="gte", label=_("Found from"), **DATE
    )
    found_to = django_filters.DateFilter(
        field_name="found_on", lookup_expr="lte", label=_("Found to"), **DATE
    )
    deadline_from = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=_("Deadline from"), **DATE
    )
    deadline_to = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=_("Deadline to"), **DATE
    )
    responsible = django_filters.CharFilter(method="filter_responsible", label=_("Responsible"))

    class Meta:
        model = Hazard
        fields: list[str] = []

    def filter_text(self, qs: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        value = value.strip()
        if not value:
            return qs
        query = Q(title__icontains=value) | Q(location__icontains=value)
        if value.upper().startswith("YH") and "-" in value:
            tail = value.rsplit("-", 1)[1]
            if tail.isdigit():
                query |= Q(pk=int(tail))
        return qs.filter(query)

    def filter_org(self, qs: QuerySet[Hazard], name: str, value: int) -> QuerySet[Hazard]:
        # The caller's own queryset is already scoped; an outside org simply matches nothing.
        # The default "within" is the request's active org, already loaded: no second lookup.
        # So is an org the user holds a role at (loaded with the user's scope).
        if value != int(value):
            return qs.none()  # no organisation has id 2.5
        current = active_org(self.request) if self.request is not None else None
        held = scope_for(self.request.user).orgs if self.request is not None else {}
        if current is not None and current.pk == value:
            org: Organization | None = current
        elif int(value) in held:
            org = held[int(value)]
        else:
            org = Organization.objects.filter(pk=value).only("path").first()
        return qs.filter(org_path__startswith=org.path) if org else qs.none()

    def filter_open(self, qs: QuerySet[Hazard], name: str, value: bool) -> QuerySet[Hazard]:
        return qs.filter(state__in=OPEN_STATES) if value else qs.exclude(state__in=OPEN_STATES)

    def filter_overdue(self, qs: QuerySet[Hazard], name: str, value: bool) -> QuerySet[Hazard]:
        return qs.filter(overdue_q()) if value else qs.exclude(overdue_q())

    def filter_supervised(self, qs: QuerySet[Hazard], name: str, value: bool) -> QuerySet[Hazard]:
        return qs.filter(supervising_org__isnull=not value)

    def filter_responsible(self, qs: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(responsible__username__iexact=value) | Q(responsible__display_name__icontains=value)
        )

"""The one FilterSet for organisation lists: HTML list, API list and Excel export."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.orgs.choices import Level, OrgStatus, Ownership, SchoolKind
from safecampus.orgs.models import Organization

# Starts with a blank choice: an unset yes/no filter must not show (and apply) "Yes".
BOOL_CHOICES = [("", "---------"), ("true", _("Yes")), ("false", _("No"))]


class OrgFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    under = django_filters.NumberFilter(method="filter_under", label=_("Within"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))
    school_kind = django_filters.ChoiceFilter(choices=SchoolKind.choices, label=_("School kind"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label=_("Ownership"))
    licensed = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES, coerce=lambda v: v == "true", label=_("Licensed")
    )
    boarding = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES, coerce=lambda v: v == "true", label=_("Boarding")
    )
    status = django_filters.ChoiceFilter(choices=OrgStatus.choices, label=_("Status"))

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_text(
        self, qs: QuerySet[Organization], name: str, value: str
    ) -> QuerySet[Organization]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(name__icontains=value) | Q(code__icontains=value) | Q(principal_name__icontains=value)
        )

    def filter_under(
        self, qs: QuerySet[Organization], name: str, value: int
    ) -> QuerySet[Organization]:
        # Only orgs the caller may see can be the subtree root (self.queryset is the scoped
        # base; qs may already be narrowed by other filters such as the search box).
        root = self.queryset.filter(pk=value).only("path").first()
        if root is None:
            return qs.none()
        return qs.filter(path__startswith=root.path)

"""The one FilterSet for user lists (HTML and API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.accounts.models import User
from safecampus.orgs.filters import BOOL_CHOICES
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Role


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    org = django_filters.NumberFilter(method="filter_org", label=_("Within"))
    role = django_filters.ChoiceFilter(
        choices=Role.choices, field_name="memberships__role", label=_("Role"), distinct=True
    )
    is_active = django_filters.TypedChoiceFilter(
        choices=BOOL_CHOICES, coerce=lambda v: v == "true", label=_("Active")
    )

    class Meta:
        model = User
        fields: list[str] = []

    def filter_text(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(username__icontains=value)
            | Q(display_name__icontains=value)
            | Q(phone__icontains=value)
        )

    def filter_org(self, qs: QuerySet[User], name: str, value: int) -> QuerySet[User]:
        root = Organization.objects.filter(pk=value).only("path").first()
        if root is None:
            return qs.none()
        return qs.filter(memberships__org__path__startswith=root.path).distinct()

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.audit.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label=_("Actor")
    )
    verb = django_filters.CharFilter(lookup_expr="startswith", label=_("Action"))
    object = django_filters.CharFilter(method="filter_object", label=_("Object"))
    org = django_filters.NumberFilter(method="filter_org", label=_("Organisation"))
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_object(
        self, qs: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        return qs.filter(object_repr__icontains=value)

    def filter_org(self, qs: QuerySet[AuditEvent], name: str, value: int) -> QuerySet[AuditEvent]:
        from safecampus.orgs.models import Organization

        org = Organization.objects.filter(pk=value).only("path").first()
        if org is None:
            return qs.none()
        return qs.filter(org__path__startswith=org.path)

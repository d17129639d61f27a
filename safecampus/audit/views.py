"""The audit trail viewer (filtered, scoped)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from safecampus.audit.filters import AuditEventFilter
from safecampus.audit.queries import visible_events
from safecampus.lib.forms import bureau_select
from safecampus.lib.scoping import scope_for
from safecampus.orgs.roles import Cap


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can_anywhere(Cap.AUDIT_VIEW):
        raise PermissionDenied(Cap.AUDIT_VIEW)
    events = visible_events(request.user).select_related("org").order_by("-id")
    filterset = AuditEventFilter(request.GET or None, queryset=events)
    filterset.form.fields["org"].widget = bureau_select(request.user)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"filter": filterset, "page": page, "query": params.urlencode()},
    )

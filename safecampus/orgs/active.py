"""The organisation a bureau user is working in (org switcher); lists and home start from it."""

from __future__ import annotations

from django.http import HttpRequest

from safecampus.lib.scoping import scope_for
from safecampus.orgs.models import Organization

SESSION_KEY = "_sc_active_org"
_ATTR = "_sc_active_org"


def active_org(request: HttpRequest) -> Organization | None:
    """The chosen org if still in scope, else the user's top-most one. Cached per request."""
    if hasattr(request, _ATTR):
        return getattr(request, _ATTR)
    org = None
    user = request.user
    if user.is_authenticated:
        scope = scope_for(user)
        chosen = request.session.get(SESSION_KEY)
        if chosen:
            org = (
                scope.orgs.get(chosen) or Organization.objects.filter(scope.q(), pk=chosen).first()
            )
        if org is None and scope.root_paths:
            top = scope.root_paths[0]
            org = next((o for o in scope.orgs.values() if o.path == top), None)
            if org is None:
                org = Organization.objects.filter(path=top).first()
    setattr(request, _ATTR, org)
    return org


def set_active_org(request: HttpRequest, org: Organization) -> None:
    request.session[SESSION_KEY] = org.pk
    setattr(request, _ATTR, org)

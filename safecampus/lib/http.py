"""Request helpers for views."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from safecampus.lib.scoping import Scope, scope_for

if TYPE_CHECKING:
    from safecampus.accounts.models import User


def current_user(request: HttpRequest) -> User:
    """The logged-in user of a view behind @login_required (or token-authenticated API)."""
    user = request.user
    assert user.is_authenticated
    return user


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for lockout and the audit log (AXES_CLIENT_IP_CALLABLE).

    Behind PROXY_COUNT trusted reverse proxies, each of which appends the address it saw to
    X-Forwarded-For, the client is the PROXY_COUNT-th entry from the right; entries further
    left were written by the client and cannot be trusted. Without proxies: REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count: int = getattr(settings, "PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if len(hops) < count:
        return remote  # not through the configured proxies (e.g. a local health check)
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def require_anywhere(request: HttpRequest, cap: str) -> Scope:
    """The user's scope, if they hold ``cap`` somewhere (a page that is not about one
    organisation, such as an export or an import); otherwise 403."""
    scope = scope_for(request.user)
    if not scope.can_anywhere(cap):
        raise PermissionDenied(cap)
    return scope

"""Scoped reads of the audit log."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from safecampus.audit.models import AuditEvent
from safecampus.lib.scoping import scope_for
from safecampus.orgs.roles import Cap


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    """Events about organisations where the user may view the audit trail. Events tied to no
    organisation (e.g. a failed login for an unknown name) are for the top-level admins only."""
    scope = scope_for(user)
    query = scope.q_with(Cap.AUDIT_VIEW, "org")
    if any(len(path) == 4 for path in scope.paths_with(Cap.AUDIT_VIEW)):
        query |= Q(org__isnull=True)
    return AuditEvent.objects.filter(query)

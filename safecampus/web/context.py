"""What every page's shell needs: navigation by capability, the org switcher, languages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.lib.scoping import scope_for
from safecampus.notify.queries import unread_count
from safecampus.orgs.active import active_org
from safecampus.orgs.queries import switchable_choices
from safecampus.orgs.roles import Cap

NAV = [
    ("web:home", _("Home"), None),
    ("orgs:list", _("Organisations"), Cap.ORG_VIEW),
    ("hazards:ledger", _("Hidden hazards"), Cap.HAZARD_VIEW),
    ("accounts:user_list", _("Users"), Cap.USER_VIEW),
    ("audit:list", _("Audit trail"), Cap.AUDIT_VIEW),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    nav = [
        {
            "url": reverse(name),
            "label": label,
            "active": current.split(":")[0] == name.split(":")[0],
        }
        for name, label, cap in NAV
        if cap is None or scope.can_anywhere(cap)
    ]
    return {
        "nav": nav,
        "active_org": active_org(request),
        "switchable_orgs": switchable_choices(user),
        "inbox_unread": unread_count(user),  # one indexed COUNT (user, read_at)
    }

"""What every page's shell needs: navigation by capability, the org switcher, languages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safecampus.duties.queries import has_lists
from safecampus.lib.scoping import scope_for
from safecampus.notify.queries import unread_count
from safecampus.orgs.active import active_org
from safecampus.orgs.queries import switchable_choices
from safecampus.orgs.roles import Cap

NAV = [
    ("web:home", _("Home"), None),
    ("orgs:list", _("Organisations"), Cap.ORG_VIEW),
    ("hazards:ledger", _("Hidden hazards"), Cap.HAZARD_VIEW),
    ("risks:home", _("Risks"), Cap.RISK_VIEW),
    ("duties:home", _("Responsibilities"), Cap.DUTY_VIEW),
    ("accounts:user_list", _("Users"), Cap.USER_VIEW),
    ("audit:list", _("Audit trail"), Cap.AUDIT_VIEW),
]


def _holds_list(name: str, user: Any) -> bool:
    # A teacher or guard sees "Responsibilities" to sign their own list (no duty.view needed).
    if name != "duties:home":
        return False
    return has_lists(user)


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
        if cap is None or scope.can_anywhere(cap) or _holds_list(name, user)
    ]
    return {
        "nav": nav,
        "active_org": active_org(request),
        "switchable_orgs": switchable_choices(user),
        "inbox_unread": unread_count(user),  # one indexed COUNT (user, read_at)
    }

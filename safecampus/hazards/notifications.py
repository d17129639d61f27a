"""Who hears about a hazard, and what they read (inbox, email, group robots)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from safecampus.hazards.choices import Transition
from safecampus.hazards.models import Hazard
from safecampus.notify.outbox import enqueue
from safecampus.orgs.models import Membership
from safecampus.orgs.roles import Cap, roles_with


def _people_with(cap: str, path: str, exact: bool = False) -> list[Any]:
    """Holders of ``cap`` at ``path`` (exact) or at any org above it (or at it)."""
    prefixes = [path] if exact else [path[:i] for i in range(4, len(path) + 1, 4)]
    rows = Membership.objects.filter(
        org__path__in=prefixes, role__in=roles_with(cap), user__is_active=True
    ).select_related("user")
    return [m.user for m in rows]


def _school_handlers(hazard: Hazard) -> list[Any]:
    return _people_with(Cap.HAZARD_ASSIGN, hazard.org_path, exact=True)


def _link(hazard: Hazard) -> str:
    return f"/hazards/{hazard.pk}/"  # the detail page (hazards/urls.py)


def _send(hazard: Hazard, kind: str, key: str, users: list[Any], title: str) -> None:
    body = f"{hazard.org.name} · {hazard.title}"
    enqueue(
        kind=kind,
        key=key,
        users=users,
        title=title,
        body=body,
        link=_link(hazard),
        org_path=hazard.org_path,
    )


def hazard_reported(hazard: Hazard) -> None:
    # Messages are written in the site's language (zh-hans by default): they reach group chats
    # and inboxes of people whose language the action does not know.
    with translation.override(settings.LANGUAGE_CODE):
        _reported(hazard)


def _reported(hazard: Hazard) -> None:
    _send(
        hazard,
        "hazard.reported",
        f"reported:{hazard.pk}",
        _school_handlers(hazard),
        _("New hazard reported: %(title)s") % {"title": hazard.title},
    )


def hazard_moved(hazard: Hazard, transition: str, actor: Any) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _moved(hazard, transition)


def _moved(hazard: Hazard, transition: str) -> None:
    version = hazard.events.count()
    key = f"{transition}:{hazard.pk}:{version}"
    if transition == Transition.ASSIGN:
        _send(
            hazard,
            "hazard.assigned",
            key,
            [hazard.responsible],
            _("A hazard was assigned to you: %(title)s (deadline %(deadline)s)")
            % {"title": hazard.title, "deadline": hazard.deadline},
        )
    elif transition == Transition.REJECT:
        _send(
            hazard,
            "hazard.rejected",
            key,
            [hazard.responsible],
            _("Rectification not accepted: %(title)s") % {"title": hazard.title},
        )
    elif transition == Transition.VERIFY:
        _send(
            hazard,
            "hazard.closed",
            key,
            [hazard.responsible, *_school_handlers(hazard)],
            _("Hazard verified and closed: %(title)s") % {"title": hazard.title},
        )
    elif transition == Transition.SUBMIT:
        _send(
            hazard,
            "hazard.submitted",
            key,
            _school_handlers(hazard),
            _("Rectification done, awaiting verification: %(title)s") % {"title": hazard.title},
        )
    elif transition == "supervise":
        _send(
            hazard,
            "hazard.supervised",
            key,
            [hazard.supervisor, hazard.responsible],
            _("Major hazard listed for supervision: %(title)s") % {"title": hazard.title},
        )

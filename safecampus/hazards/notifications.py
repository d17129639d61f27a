"""Who hears about a hazard, and what they read (inbox, email, group robots)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from safecampus.hazards.choices import Severity, Transition
from safecampus.hazards.models import Hazard
from safecampus.lib.scoping import path_and_ancestors
from safecampus.notify.outbox import enqueue
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Cap, roles_with


def _people_with(cap: str, path: str, exact: bool = False) -> list[Any]:
    """Holders of ``cap`` at ``path`` (exact) or at any org above it (or at it)."""
    prefixes = [path] if exact else path_and_ancestors(path)
    rows = Membership.objects.filter(
        org__path__in=prefixes, role__in=roles_with(cap), user__is_active=True
    ).select_related("user")
    return [m.user for m in rows]


def people_with_by_path(cap: str, paths: Iterable[str]) -> dict[str, list[Any]]:
    """Holders of ``cap`` at exactly each of ``paths``, in one query (for the periodic jobs)."""
    found: dict[str, list[Any]] = defaultdict(list)
    rows = Membership.objects.filter(
        org__path__in=set(paths), role__in=roles_with(cap), user__is_active=True
    ).select_related("user", "org")
    for m in rows:
        found[m.org.path].append(m.user)
    return found


def _school_handlers(hazard: Hazard) -> list[Any]:
    return _people_with(Cap.HAZARD_ASSIGN, hazard.org_path, exact=True)


def _link(hazard: Hazard) -> str:
    return f"/hazards/{hazard.pk}/"  # the detail page (hazards/urls.py)


def _send(
    hazard: Hazard,
    kind: str,
    key: str,
    users: list[Any],
    title: str,
    robots_from: str = "",
) -> bool:
    body = f"{hazard.org.name} · {hazard.title}"
    robots_from = robots_from or _robot_root(hazard)
    return enqueue(
        kind=kind,
        key=key,
        users=users,
        title=title,
        body=body,
        link=_link(hazard),
        org_path=hazard.org_path,
        robots_from=robots_from,
    )


def _robot_root(hazard: Hazard) -> str:
    """Whose group chats hear about day-to-day steps: the school's; for a major hazard also
    the bureau directly above; for a supervised one, from the supervising bureau down."""
    if hazard.supervising_org_id:
        return hazard.supervising_org.path  # type: ignore[union-attr]
    if hazard.severity == Severity.MAJOR:
        return hazard.org_path[: -Organization.steplen]
    return hazard.org_path


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


# --- from the periodic job (hazards/jobs.py); each key makes a message go out once ----------
# Reminders reach the school's group robots only; an escalation reaches the robots from the
# bureau it escalates to down to the school (outbox.enqueue ``robots_from``).


def deadline_near_key(hazard: Hazard, days: int) -> str:
    return f"deadline-near:{hazard.pk}:{hazard.deadline}:{days}"


def overdue_key(hazard: Hazard) -> str:
    return f"overdue:{hazard.pk}:{hazard.deadline}"


def escalated_key(hazard: Hazard, level: int) -> str:
    # The deadline is part of the key: a re-assignment with a new deadline resets the level
    # (actions.do_assign), and a second lapse escalates afresh.
    return f"escalate:{hazard.pk}:{hazard.deadline}:{level}"


def progress_due_key(hazard: Hazard, period: int) -> str:
    # supervised_on too: listing the hazard again starts the count of periods again.
    return f"progress-due:{hazard.pk}:{hazard.supervised_on}:{period}"


def deadline_near(hazard: Hazard, days: int, handlers: list[Any] | None = None) -> bool:
    """The deadline is ``days`` away: the responsible person and the school's handlers."""
    handlers = _school_handlers(hazard) if handlers is None else handlers
    with translation.override(settings.LANGUAGE_CODE):
        title = ngettext(
            "Deadline in %(days)d day: %(title)s (due %(deadline)s)",
            "Deadline in %(days)d days: %(title)s (due %(deadline)s)",
            days,
        ) % {"days": days, "title": hazard.title, "deadline": hazard.deadline}
        return _send(
            hazard,
            "hazard.deadline_near",
            deadline_near_key(hazard, days),
            [hazard.responsible, *handlers],
            title,
            robots_from=hazard.org_path,
        )


def overdue(hazard: Hazard, handlers: list[Any] | None = None) -> bool:
    """Past the deadline and still open: once per deadline (a new deadline starts again)."""
    handlers = _school_handlers(hazard) if handlers is None else handlers
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Overdue: %(title)s (deadline was %(deadline)s)") % {
            "title": hazard.title,
            "deadline": hazard.deadline,
        }
        return _send(
            hazard,
            "hazard.overdue",
            overdue_key(hazard),
            [hazard.responsible, *handlers],
            title,
            robots_from=hazard.org_path,
        )


def escalated(
    hazard: Hazard,
    level: int,
    bureau: Any,
    bureau_people: list[Any],
    handlers: list[Any] | None = None,
) -> bool:
    """Escalated to ``bureau`` (level 1 county, 2 city): its hazard handlers, and the school."""
    handlers = _school_handlers(hazard) if handlers is None else handlers
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Escalated to %(bureau)s: %(title)s (deadline was %(deadline)s)") % {
            "bureau": bureau.name,
            "deadline": hazard.deadline,
            "title": hazard.title,
        }
        return _send(
            hazard,
            "hazard.escalated",
            escalated_key(hazard, level),
            [*bureau_people, hazard.responsible, *handlers],
            title,
            robots_from=bureau.path,
        )


def progress_report_due(hazard: Hazard, period: int, handlers: list[Any] | None = None) -> bool:
    """A supervised hazard (挂牌督办) owes its ``period``-th progress report."""
    if hazard.responsible is not None:
        users = [hazard.responsible]
    else:
        users = _school_handlers(hazard) if handlers is None else handlers
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Progress report due for the supervised hazard: %(title)s") % {
            "title": hazard.title
        }
        return _send(
            hazard,
            "hazard.progress_due",
            progress_due_key(hazard, period),
            users,
            title,
            robots_from=hazard.org_path,
        )

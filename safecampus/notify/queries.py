"""Scoped reads: a person's own inbox; the group robots of the orgs they administer."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from safecampus.lib.scoping import scope_for
from safecampus.notify.models import Notification, OutboxMessage, WebhookEndpoint
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import CAPABILITIES, Cap


def inbox_of(user: Any) -> QuerySet[Notification]:
    """Only ever the user's own messages, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def get_notification_for_user(user: Any, pk: Any) -> Notification:
    try:
        return inbox_of(user).get(pk=int(pk))
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("notification") from None


def robot_orgs(user: Any, include: Any = None) -> QuerySet[Organization]:
    """Where the user may add robots (orgs they administer users of, Cap.USER_MANAGE).

    The picker offers the bureaus and the user's own schools; a bureau administrator reaches
    one of the schools below through ``include`` (the org detail page links with ?org=).
    """
    scope = scope_for(user)
    own = [g.org_id for g in scope.grants if Cap.USER_MANAGE in CAPABILITIES[g.role]]
    shown = ~Q(level=Level.SCHOOL) | Q(pk__in=own)
    with contextlib.suppress(TypeError, ValueError):
        shown |= Q(pk=int(include))
    return Organization.objects.filter(scope.q_with(Cap.USER_MANAGE)).filter(shown).order_by("path")


def managed_robots(user: Any) -> QuerySet[WebhookEndpoint]:
    """The robots of orgs the user administers, with the outcome of the last message sent."""
    last = OutboxMessage.objects.filter(target=OuterRef("url")).order_by("-id")
    return (
        WebhookEndpoint.objects.filter(scope_for(user).q_with(Cap.USER_MANAGE, "org"))
        .select_related("org")
        .annotate(
            last_state=Subquery(last.values("state")[:1]),
            last_error=Subquery(last.values("last_error")[:1]),
            last_sent_at=Subquery(last.values("sent_at")[:1]),
        )
        .order_by("org__path", "name", "id")
    )


def get_robot_for_user(user: Any, pk: Any) -> WebhookEndpoint:
    """A robot of an org in the user's scope (404 outside it; callers check the capability)."""
    try:
        return WebhookEndpoint.objects.select_related("org").get(
            scope_for(user).q("org"), pk=int(pk)
        )
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError):
        raise Http404("robot") from None

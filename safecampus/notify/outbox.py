"""Queueing messages: inbox rows at once, outside channels through the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from safecampus.notify.choices import Channel
from safecampus.notify.models import (
    Notification,
    NotificationEvent,
    OutboxMessage,
    WebhookEndpoint,
)


def enqueue(
    *,
    kind: str,
    key: str,
    users: Iterable[Any],
    title: str,
    body: str = "",
    link: str = "",
    org_path: str = "",
    robots_from: str = "",
) -> bool:
    """Tell ``users`` (inbox + email) and the group robots of every org above ``org_path``.

    ``robots_from`` (a path above ``org_path``) keeps the robots of the orgs higher up out of
    it: a school's deadline reminder reaches the school's group chat, not the city's.
    ``key`` names the event (e.g. "overdue:123:2026-11-24"): queuing the same key again sends
    nothing. Runs inside the caller's transaction. Returns False when the key was already used.
    """
    try:
        with transaction.atomic():
            NotificationEvent.objects.create(key=key[:200])
    except IntegrityError:
        return False
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    # Outside SafeCampus a relative link means nothing: give the full address, if known.
    outside = f"{body}\n{settings.SITE_URL}{link}" if settings.SITE_URL and link else body
    Notification.objects.bulk_create(
        [
            Notification(user=u, kind=kind, title=title, body=body, link=link)
            for u in recipients.values()
        ]
    )
    messages = [
        OutboxMessage(
            channel=Channel.EMAIL,
            target=u.email,
            subject=title,
            body=outside,
            dedupe_key=f"{key}|email|{u.pk}"[:200],
        )
        for u in recipients.values()
        if u.email
    ]
    if org_path:
        start = max(4, len(robots_from)) if org_path.startswith(robots_from) else 4
        prefixes = [org_path[:i] for i in range(start, len(org_path) + 1, 4)]
        for hook in WebhookEndpoint.objects.filter(active=True, org__path__in=prefixes):
            messages.append(
                OutboxMessage(
                    channel=hook.channel,
                    target=hook.url,
                    subject=title,
                    body=outside,
                    dedupe_key=f"{key}|hook|{hook.pk}"[:200],
                )
            )
    OutboxMessage.objects.bulk_create(messages)
    return True

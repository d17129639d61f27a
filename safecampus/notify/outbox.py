"""Queueing messages: inbox rows at once, outside channels through the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
) -> int:
    """Tell ``users`` (inbox + email) and the group robots of every org above ``org_path``.

    ``key`` names the event (e.g. "overdue:123:2026-11-24"): queuing the same key again sends
    nothing. Runs inside the caller's transaction. Returns the number of inbox rows written.
    """
    try:
        with transaction.atomic():
            NotificationEvent.objects.create(key=key[:200])
    except IntegrityError:
        return 0
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
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
            body=body,
            dedupe_key=f"{key}|email|{u.pk}"[:200],
        )
        for u in recipients.values()
        if u.email
    ]
    if org_path:
        prefixes = [org_path[:i] for i in range(4, len(org_path) + 1, 4)]
        for hook in WebhookEndpoint.objects.filter(active=True, org__path__in=prefixes):
            messages.append(
                OutboxMessage(
                    channel=hook.channel,
                    target=hook.url,
                    subject=title,
                    body=body,
                    dedupe_key=f"{key}|hook|{hook.pk}"[:200],
                )
            )
    OutboxMessage.objects.bulk_create(messages)
    return len(recipients)

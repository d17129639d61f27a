"""Delivering the outbox (email, group robots) with retries and backoff; run by ``tick``.

A message is claimed in a short transaction (rows locked with SKIP LOCKED on PostgreSQL, so
two ticks never take the same message; SQLite serialises writers anyway) and moved a few
minutes into the future; it is then sent outside any transaction, so a slow robot never holds
a lock, and the outcome is written. A tick that dies in between leaves the message to be
tried again when the claim runs out: a message may rarely arrive twice, never not at all.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from safecampus.notify import delivery
from safecampus.notify.choices import Channel, OutboxState
from safecampus.notify.models import OutboxMessage
from safecampus.notify.robots import mask_url

logger = logging.getLogger(__name__)

# Wait after the 1st, 2nd, ... failed try; the last wait repeats until NOTIFY_MAX_ATTEMPTS.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)
# How long a claimed message is left alone by other ticks (far longer than one send).
CLAIM = datetime.timedelta(minutes=10)


@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # gave up after NOTIFY_MAX_ATTEMPTS
    deferred: int = 0  # not tried: its channel was found unreachable earlier in this run


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed try."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def _claim(now: datetime.datetime, limit: int) -> list[OutboxMessage]:
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            state=OutboxState.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
            next_attempt_at=now + CLAIM
        )
    return rows


def _channel_key(message: OutboxMessage) -> str:
    return "email" if message.channel == Channel.EMAIL else message.target


def deliver_outbox(now: datetime.datetime | None = None, limit: int = 500) -> Delivered:
    """Send up to ``limit`` due messages once each; record sent, retry later or give up."""
    now = now or timezone.now()
    result = Delivered()
    unreachable: dict[str, datetime.datetime] = {}
    mail = None
    for message in _claim(now, limit):
        key = _channel_key(message)
        if key in unreachable:
            # Down a moment ago: don't spend a timeout on each message, and don't count a try.
            message.next_attempt_at = unreachable[key]
            message.save(update_fields=["next_attempt_at"])
            result.deferred += 1
            continue
        if message.channel == Channel.EMAIL and mail is None:
            mail = get_connection(fail_silently=False)
        message.attempts += 1
        try:
            delivery.send(message.channel, message.target, message.subject, message.body, mail)
        except delivery.DeliveryError as exc:
            message.last_error = str(exc)[:400]
            if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                message.state = OutboxState.FAILED
                result.failed += 1
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                result.retrying += 1
                if exc.unreachable:
                    unreachable[key] = message.next_attempt_at
            target = message.target if message.channel == Channel.EMAIL else mask_url(key)
            logger.warning(
                "outbox %s to %s failed (try %s): %s",
                message.pk,
                target,
                message.attempts,
                exc,
            )
            message.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        else:
            message.state, message.sent_at, message.last_error = OutboxState.SENT, now, ""
            message.save(update_fields=["attempts", "last_error", "state", "sent_at"])
            result.sent += 1
    if mail is not None:
        mail.close()
    return result

"""In-app inbox (always works, no network) and the outbox for email and group robots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.notify.choices import Channel, OutboxState


class Notification(models.Model):
    """One message in a person's in-app inbox (站内消息)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class WebhookEndpoint(models.Model):
    """A WeCom or DingTalk group robot of an organisation; gets its subtree's messages."""

    org = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(
        _("kind"),
        max_length=10,
        choices=[(Channel.WECOM, Channel.WECOM.label), (Channel.DINGTALK, Channel.DINGTALK.label)],
    )
    name = models.CharField(_("name"), max_length=60)
    url = models.URLField(_("robot address"), max_length=400)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """A message to send outside SafeCampus, written in the action's transaction and sent by a
    job with retries and backoff; a failure never touches the action that caused it."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=400)  # email address or webhook URL
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # Makes sending idempotent: the same reminder for the same hazard and day is queued once.
    dedupe_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            # The robot page shows each robot's last message (notify.queries.managed_robots).
            models.Index(fields=["target", "-id"], name="outbox_target_last"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.subject}"


class NotificationEvent(models.Model):
    """One row per event ever notified: the guard that makes queuing idempotent."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key

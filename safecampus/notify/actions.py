"""Changes to the inbox and to group robots."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require
from safecampus.notify.choices import OutboxState
from safecampus.notify.models import Notification, OutboxMessage, WebhookEndpoint
from safecampus.notify.robots import check_robot_url, mask_url
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

# Reading one's own messages is not audited: it is personal state, not safety data, and one
# audit row per click would bury what the trail is for.


def do_mark_read(user: Any, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def do_mark_all_read(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def do_add_robot(
    actor: Any,
    org: Organization,
    *,
    channel: str,
    name: str,
    url: str,
    request: HttpRequest | None = None,
) -> WebhookEndpoint:
    """Connect a WeCom or DingTalk group robot to an org; it hears about the org's subtree."""
    require(actor, Cap.USER_MANAGE, org)
    url = check_robot_url(channel, url)
    name = name.strip()
    if not name:
        raise ActionError(_("Give the robot a name, e.g. the group chat's name."), "name")
    if WebhookEndpoint.objects.filter(org=org, url=url).exists():
        raise ActionError(_("This robot is already connected to this organisation."), "url")
    robot = WebhookEndpoint.objects.create(org=org, channel=channel, name=name[:60], url=url)
    record(
        "notify.robot_add",
        actor=actor,
        org=org,
        obj=robot,
        request=request,
        changes={"channel": channel, "name": robot.name, "url": mask_url(url)},
    )
    return robot


@transaction.atomic
def do_set_robot_active(
    actor: Any, robot: WebhookEndpoint, *, active: bool, request: HttpRequest | None = None
) -> WebhookEndpoint:
    """Turn a robot off (its waiting messages are dropped) or on again."""
    require(actor, Cap.USER_MANAGE, robot.org)
    locked = WebhookEndpoint.objects.select_for_update().select_related("org").get(pk=robot.pk)
    if locked.active == active:
        return locked
    locked.active = active
    locked.save(update_fields=["active"])
    dropped = 0
    still_used = WebhookEndpoint.objects.filter(url=locked.url, active=True).exists()
    if not active and not still_used:
        dropped = OutboxMessage.objects.filter(
            target=locked.url, channel=locked.channel, state=OutboxState.PENDING
        ).update(state=OutboxState.FAILED, last_error="robot turned off")
    record(
        "notify.robot_enable" if active else "notify.robot_disable",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"active": [not active, active], "dropped_messages": dropped},
    )
    return locked


@transaction.atomic
def do_test_robot(
    actor: Any, robot: WebhookEndpoint, *, request: HttpRequest | None = None
) -> OutboxMessage:
    """Queue a test message to one robot; the next tick sends it (views never wait on it)."""
    require(actor, Cap.USER_MANAGE, robot.org)
    if not robot.active:
        raise Conflict(_("This robot is turned off; turn it on to send a test message."))
    message = OutboxMessage.objects.create(
        channel=robot.channel,
        target=robot.url,
        subject=_("SafeCampus test message"),
        body=_("This group robot is connected to SafeCampus for %(org)s (sent by %(user)s).")
        % {"org": robot.org.name, "user": str(actor)},
        dedupe_key=f"robot-test:{robot.pk}:{uuid.uuid4().hex}",
    )
    record(
        "notify.robot_test",
        actor=actor,
        org=robot.org,
        obj=robot,
        request=request,
        changes={"url": mask_url(robot.url)},
    )
    return message

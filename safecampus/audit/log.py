"""Writing to the audit log: ``record()`` is the only way in."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from safecampus.audit.models import GENESIS_HASH, AuditEvent

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that orders the chain.
_CHAIN_LOCK_KEY = 7_305_114_001


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    ip = get_client_ip_address(request)
    return ip or None


def _normalise(value: Any) -> Any:
    """What is hashed must be exactly what the JSON column gives back."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def record(
    verb: str,
    *,
    actor: Any = None,
    org: Any = None,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the chain. Joins the caller's transaction if there is one."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        # On SQLite the IMMEDIATE transaction already holds the database write lock.
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            created_at=timezone.now().astimezone(UTC),
            actor=actor,
            actor_label=actor_label or (actor.get_username() if actor else ""),
            org=org,
            verb=verb,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
            object_repr=str(obj)[:200] if obj is not None else "",
            changes=_normalise(changes or {}),
            ip=client_ip(request),
            prev_hash=prev or GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event

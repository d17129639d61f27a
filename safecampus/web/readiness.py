"""The checks behind /readyz: is this installation doing all of its work?

/healthz answers "is this web process alive and can it reach the database" (for the load
balancer and systemd). /readyz is for monitoring: it also fails when Redis is down, the
background work has stopped or the outbox is not being sent, none of which stops the pages
from being served. Each check returns a small dict with a ``status`` and numbers only: no
addresses, no error texts (those go to the log).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min
from django.utils import timezone

from safecampus.notify.choices import OutboxState
from safecampus.notify.models import OutboxMessage
from safecampus.web import heartbeat

logger = logging.getLogger(__name__)

OK, ERROR, STALE, PENDING, NOT_CONFIGURED = "ok", "error", "stale", "pending", "not configured"
Result = dict[str, Any]

# Once every migration was found applied, this code's migrations stay applied until the next
# deploy restarts the process: don't load the migration files on every probe after that.
_migrations_applied = False


def _seconds(delta: datetime.timedelta) -> int:
    return max(int(delta.total_seconds()), 0)


def database() -> Result:
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                return {"status": PENDING, "unapplied_migrations": len(plan)}
            _migrations_applied = True
    except DatabaseError as exc:
        logger.warning("readyz: database check failed: %s: %s", type(exc).__name__, exc)
        return {"status": ERROR}
    return {"status": OK}


def _ping(url: str) -> Result:
    client = redis.Redis.from_url(url, **settings.REDIS_SOCKET_OPTIONS)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        logger.warning("readyz: Redis check failed: %s: %s", type(exc).__name__, exc)
        return {"status": ERROR}
    finally:
        client.close()
    return {"status": OK}


def redis_cache() -> Result:
    if not settings.REDIS_URL:
        return {"status": NOT_CONFIGURED}
    return _ping(settings.REDIS_URL)


def broker() -> Result | None:
    """A Redis broker other than the cache's Redis (the same one is checked once)."""
    url = settings.CELERY_BROKER_URL
    if not url or url == settings.REDIS_URL or not url.startswith(("redis://", "rediss://")):
        return None
    return _ping(url)


def worker(now: datetime.datetime) -> Result:
    """Is the periodic work running? The fresher of the Celery heartbeat (beat-scheduled
    every minute: proves beat, broker and a worker) and the last tick (from Celery or from
    cron). Either will do: an installation may set REDIS_URL for the cache and still run
    ``manage.py tick`` from a timer instead of Celery."""
    try:
        seen = heartbeat.last_seen_all([heartbeat.WORKER, heartbeat.TICK])
    except DatabaseError:
        return {"status": ERROR}
    if not seen:
        return {"status": STALE, "source": None, "age_seconds": None}
    name, at = max(seen.items(), key=lambda item: item[1])
    age = _seconds(now - at)
    fresh = age <= settings.READYZ_WORKER_STALE_MINUTES * 60
    source = "celery" if name == heartbeat.WORKER else "tick"
    return {"status": OK if fresh else STALE, "source": source, "age_seconds": age}


def outbox(now: datetime.datetime) -> Result:
    """How long the longest-waiting message has been due. Messages waiting for a retry after
    a failed send are not due yet, so an unreachable robot does not make this stale; a
    stopped delivery job does."""
    try:
        oldest = OutboxMessage.objects.filter(
            state=OutboxState.PENDING, next_attempt_at__lte=now
        ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    except DatabaseError:
        return {"status": ERROR}
    waited = _seconds(now - oldest) if oldest is not None else 0
    fresh = waited <= settings.READYZ_OUTBOX_STALE_MINUTES * 60
    return {"status": OK if fresh else STALE, "oldest_due_seconds": waited}


def run_checks(now: datetime.datetime | None = None) -> tuple[bool, dict[str, Result]]:
    """(all required checks passed, {check name: result})."""
    now = now or timezone.now()
    checks: dict[str, Result] = {"database": database(), "redis": redis_cache()}
    broker_result = broker()
    if broker_result is not None:
        checks["broker"] = broker_result
    checks["worker"] = worker(now)
    checks["outbox"] = outbox(now)
    ready = all(result["status"] in (OK, NOT_CONFIGURED) for result in checks.values())
    return ready, checks

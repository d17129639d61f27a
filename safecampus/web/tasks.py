"""Celery tasks: thin wrappers around the same plain functions ``manage.py tick`` runs.

Scheduled by Celery beat (settings.CELERY_BEAT_SCHEDULE). Each is safe to run twice, also at
the same time (safecampus/web/jobs.py says why), which is what ``acks_late`` needs: a task
whose worker died is delivered again and simply runs again.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import shared_task

from safecampus.notify import jobs as notify_jobs
from safecampus.web import heartbeat as heartbeats
from safecampus.web.jobs import run_tick

logger = logging.getLogger(__name__)


class TickFailed(RuntimeError):
    """Some hazard jobs raised (each is logged); the others ran."""


@shared_task(name="safecampus.tick")
def tick(today: str | None = None) -> dict[str, Any]:
    """The hazard jobs (reminders, overdue notices, escalation); delivery is its own task."""
    day = datetime.date.fromisoformat(today) if today else None
    result = run_tick(day, send=False)
    logger.info("tick: %s", result.counts)
    if result.failed:
        # Marks the task failed in Celery's events; not retried: the next tick runs anyway.
        raise TickFailed("tick: failed jobs: " + ", ".join(result.failed))
    return result.as_dict()


@shared_task(name="safecampus.deliver_outbox")
def deliver_outbox(limit: int = 500) -> dict[str, int]:
    """Send due email and group-robot messages (rows claimed with SKIP LOCKED)."""
    done = notify_jobs.deliver_outbox(limit=max(limit, 0))
    if done.sent or done.retrying or done.failed:
        logger.info("delivery: %s", vars(done))
    return vars(done)


@shared_task(name="safecampus.heartbeat")
def heartbeat() -> None:
    """Proves that beat, the broker and a worker all work (read by /readyz)."""
    heartbeats.beat(heartbeats.WORKER)

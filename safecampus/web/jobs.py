"""The periodic work in one plain function, run by ``manage.py tick`` (cron) and by the
Celery tasks (safecampus/web/tasks.py) alike, so both ways do exactly the same thing.

Safe to run twice at once, so no lock is taken here: every hazard message is guarded by its
unique event key (notify.outbox.enqueue; a second run blocks on the key's insert and then
skips it), escalation locks the hazard row and only ever raises the level, and delivery
claims outbox rows with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (notify/jobs.py;
SQLite serialises writers), so two runs never send the same message.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from safecampus.hazards import jobs as hazard_jobs
from safecampus.notify import jobs as notify_jobs
from safecampus.notify.jobs import Delivered
from safecampus.risks import jobs as risk_jobs
from safecampus.web import heartbeat

logger = logging.getLogger(__name__)

# Every periodic job, in the order a tick runs them, and what ``tick`` prints for each.
JOBS = [*hazard_jobs.JOBS, *risk_jobs.JOBS]
LABELS = {**hazard_jobs.LABELS, **risk_jobs.LABELS}


@dataclass
class TickResult:
    counts: dict[str, int] = field(default_factory=dict)  # job name -> messages or escalations
    failed: list[str] = field(default_factory=list)  # names of the jobs that raised
    delivered: Delivered | None = None  # None when sending was not asked for

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable (what the Celery task returns and logs)."""
        return {
            "counts": dict(self.counts),
            "failed": list(self.failed),
            "delivered": vars(self.delivered) if self.delivered is not None else None,
        }


def run_tick(today: datetime.date | None = None, limit: int = 500, send: bool = True) -> TickResult:
    """Every periodic job once, then (``send``) up to ``limit`` email and robot messages.

    One broken job does not stop the others nor the sending: it is logged and named in
    ``failed``. The run is recorded as the "tick" heartbeat that /readyz reads.
    """
    result = TickResult()
    for name, job in JOBS:
        try:
            result.counts[name] = job(today)
        except Exception:
            logger.exception("tick: %s failed", name)
            result.failed.append(name)
    if send:
        result.delivered = notify_jobs.deliver_outbox(limit=max(limit, 0))
    heartbeat.beat(heartbeat.TICK)
    return result

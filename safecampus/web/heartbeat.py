"""Recording and reading "last seen" times (web.Heartbeat).

Not an action in the STYLE.md sense: a heartbeat is bookkeeping about the machinery, not a
change to anything a person owns, so it writes no audit row (one a minute would bury the log).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from safecampus.web.models import Heartbeat

WORKER = "worker"  # the beat-scheduled heartbeat task: beat, broker and a worker all work
TICK = "tick"  # the end of a run of the periodic hazard jobs (manage.py tick or Celery)


def beat(name: str, now: datetime.datetime | None = None) -> None:
    """Record that ``name`` is alive now; one upsert, safe from any number of processes."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, seen_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["seen_at"],
    )


def last_seen(name: str) -> datetime.datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("seen_at", flat=True).first()


def last_seen_all(names: list[str]) -> dict[str, datetime.datetime]:
    """{name: last seen} for those of ``names`` seen at least once, in one query."""
    return dict(Heartbeat.objects.filter(name__in=names).values_list("name", "seen_at"))

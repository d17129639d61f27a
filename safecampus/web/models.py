"""When the background work last ran, for /readyz (docs/deploy.md "Health and readiness")."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic job or the Celery worker was seen alive, one row per name.

    Kept in the database rather than in Redis: /readyz must still tell how fresh the worker
    is when Redis is the thing that is down.
    """

    name = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"

"""Pre-counted hazard statistics (PostgreSQL): what lets a province-wide statistics page answer
in milliseconds instead of scanning a million hazards (bench/README.md, "province statistics").
"""

from __future__ import annotations

from django.db import models


class HazardCount(models.Model):
    """Hazards counted per (bureau, month found, breakdown, key): one row per value of each
    breakdown (category, severity, source, state), so every hazard is counted once in each
    breakdown. Kept exact by database triggers on the hazard table (analytics/counts.py),
    in the same transaction as the change, on PostgreSQL only; SQLite leaves it empty and
    counts the hazards themselves.

    ``parent_path`` is the tree path of the bureau directly above the hazard's school: enough to
    count by county or city, not by school. Overdue depends on the day and is never pre-counted.
    """

    parent_path = models.CharField(max_length=255)
    found_month = models.DateField()
    dim = models.CharField(max_length=10)
    key = models.CharField(max_length=40)
    found = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    in_rectification = models.IntegerField(default=0)
    awaiting_verification = models.IntegerField(default=0)
    immediate = models.IntegerField(default=0)
    dismissed = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    major = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["parent_path", "found_month", "dim", "key"], name="hazard_count_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent_path} {self.found_month:%Y-%m} {self.dim}={self.key}"

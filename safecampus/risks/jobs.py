"""Periodic risk work: re-assessment reminders (DOMAIN.md §3.3 "Re-evaluate yearly, and on
any change"). Each graded point has a review date (its level's interval, choices.REVIEW_DAYS);
once it has passed, the people who keep the school's register hear about it, one message per
school per week however many points are late, until the points are assessed again.

Run by ``manage.py tick`` and the Celery tick task with the hazard jobs; idempotent (the
message key names the school and the ISO week).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.hazards.notifications import people_with_by_path
from safecampus.notify.outbox import enqueue
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.roles import Cap
from safecampus.risks.models import RiskPoint


def review_key(school_id: int, today: datetime.date) -> str:
    year, week, _day = today.isocalendar()
    return f"risk-review:{school_id}:{year}-W{week:02d}"


def remind_reviews(today: datetime.date | None = None) -> int:
    """One reminder per school with overdue reviews this week; the number of messages."""
    today = today or timezone.localdate()
    late = (
        RiskPoint.objects.filter(active=True, review_on__lt=today, school__status=OrgStatus.ACTIVE)
        .values("school_id", "school__name", "org_path")
        .annotate(points=Count("pk"))
        .order_by("org_path")
    )
    rows = list(late)
    keepers = people_with_by_path(Cap.RISK_MANAGE, [row["org_path"] for row in rows])
    sent = 0
    for row in rows:
        title = _("%(n)d risk points of %(school)s are due for re-assessment") % {
            "n": row["points"],
            "school": row["school__name"],
        }
        sent += enqueue(
            kind="risk_review",
            key=review_key(row["school_id"], today),
            users=keepers.get(row["org_path"], []),
            title=title,
            body=_(
                "Their review date has passed: assess them again (every point at least yearly, "
                "and after any incident or major change)."
            ),
            link=f"/risks/schools/{row['school_id']}/?due=overdue",
        )
    return sent


JOBS: list[tuple[str, Callable[[datetime.date | None], int]]] = [
    ("risk review reminders", remind_reviews),
]
LABELS = {"risk review reminders": gettext_lazy("risk review reminders")}

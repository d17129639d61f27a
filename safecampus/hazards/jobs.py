"""Periodic hazard work (§4.1 "Overdue"): so that no hazard can be forgotten.

- deadline reminders N days before the deadline (settings.HAZARD_REMINDER_DAYS);
- an overdue notice once the deadline has passed (once per deadline);
- escalation after HAZARD_ESCALATE_COUNTY_DAYS overdue to the county bureau, after
  HAZARD_ESCALATE_CITY_DAYS to the city (``do_escalate``, the job's one action);
- progress-report reminders for supervised hazards (挂牌督办), one per reporting period.

Run by ``manage.py tick`` (cron) and callable from Celery beat as they are. Every function
takes ``today`` (the local date; tests and catch-up runs set it) and is idempotent: each
message has a key (notify.outbox.enqueue), so running twice on one day sends nothing twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.audit.log import record
from safecampus.hazards import notifications
from safecampus.hazards.choices import State
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.notify.models import NotificationEvent
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

# Reminders go to whoever still has to fix it; once submitted, the verifiers are late, not them.
REMINDABLE = (State.ASSIGNED, State.RECTIFYING)
BATCH = 500
COUNTY, CITY = 1, 2


def _batches(hazards: QuerySet[Hazard], size: int = BATCH) -> Iterator[list[Hazard]]:
    """Keyset-paged (by id) so that a city's worth of hazards is never loaded at once."""
    last = 0
    while True:
        batch = list(hazards.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def _fresh(batch: list[Hazard], keys: dict[int, str]) -> list[Hazard]:
    """The hazards whose message (``keys``: hazard id -> message key) was not sent yet: one
    query instead of a failed insert each, as the overdue job sees every overdue hazard on
    every run."""
    used = set(
        NotificationEvent.objects.filter(key__in=keys.values()).values_list("key", flat=True)
    )
    return [h for h in batch if keys[h.pk] not in used]


def _handlers(batch: list[Hazard]) -> dict[str, list[Any]]:
    """Each school's hazard handlers (Cap.HAZARD_ASSIGN held at the school), in one query."""
    return notifications.people_with_by_path(Cap.HAZARD_ASSIGN, {h.org_path for h in batch})


def remind_deadlines(today: datetime.date | None = None) -> int:
    """Hazards whose deadline is exactly N days away, for N in HAZARD_REMINDER_DAYS."""
    today = today or timezone.localdate()
    days_by_date = {today + datetime.timedelta(days=n): n for n in settings.HAZARD_REMINDER_DAYS}
    hazards = Hazard.objects.filter(
        state__in=REMINDABLE, deadline__in=list(days_by_date)
    ).select_related("org", "responsible")
    sent = 0
    for batch in _batches(hazards):
        days = {h.pk: days_by_date[h.deadline] for h in batch if h.deadline is not None}
        todo = _fresh(batch, {h.pk: notifications.deadline_near_key(h, days[h.pk]) for h in batch})
        handlers = _handlers(todo)
        for hazard in todo:
            with transaction.atomic():
                sent += notifications.deadline_near(
                    hazard, days[hazard.pk], handlers.get(hazard.org_path, [])
                )
    return sent


def notify_overdue(today: datetime.date | None = None) -> int:
    """Open hazards past their deadline: the responsible person and the school, once."""
    today = today or timezone.localdate()
    hazards = Hazard.objects.overdue(today).select_related("org", "responsible")
    sent = 0
    for batch in _batches(hazards):
        todo = _fresh(batch, {h.pk: notifications.overdue_key(h) for h in batch})
        handlers = _handlers(todo)
        for hazard in todo:
            with transaction.atomic():
                sent += notifications.overdue(hazard, handlers.get(hazard.org_path, []))
    return sent


def _bureau_for(hazard: Hazard, level: int) -> Organization:
    """The county above the school for level 1 (the city for a city-direct school), the
    city for level 2."""
    paths = [hazard.org_path[:i] for i in range(4, len(hazard.org_path), 4)]
    above = list(Organization.objects.filter(path__in=paths).order_by("-depth"))
    wanted = [Level.COUNTY, Level.CITY] if level == COUNTY else [Level.CITY]
    for kind in wanted:
        for org in above:
            if org.level == kind:
                return org
    return above[-1]  # the root: a tree without a city level still escalates somewhere


@transaction.atomic
def do_escalate(hazard: Hazard, level: int, *, today: datetime.date | None = None) -> bool:
    """Raise an overdue hazard's escalation level (1 county, 2 city) and tell that bureau.

    The periodic job's one action: locks the row, only ever raises the level, skips a hazard
    that is no longer open and overdue (closed or given a new deadline meanwhile), writes the
    timeline event and the audit row (actor "tick"), and queues the messages. Returns whether
    it escalated.
    """
    if level not in (COUNTY, CITY):
        raise ValueError(f"escalation level must be 1 or 2, got {level}")
    today = today or timezone.localdate()
    locked = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("org", "responsible")
        .get(pk=hazard.pk)
    )
    overdue = Hazard.objects.filter(pk=locked.pk).overdue(today).exists()
    if locked.escalation_level >= level or not overdue:
        return False
    bureau = _bureau_for(locked, level)
    before = locked.escalation_level
    locked.escalation_level = level
    locked.save(update_fields=["escalation_level", "updated_at"])
    HazardEvent.objects.create(
        hazard=locked,
        actor=None,
        verb="escalate",
        from_state=locked.state,
        to_state=locked.state,
        note=bureau.name,
    )
    record(
        "hazard.escalate",
        actor=None,
        actor_label="tick",
        org=locked.org,
        obj=locked,
        changes={
            "escalation_level": [before, level],
            "deadline": locked.deadline,
            "bureau": bureau.code,
        },
    )
    people = notifications.people_with_by_path(Cap.HAZARD_ASSIGN, [bureau.path])
    notifications.escalated(locked, level, bureau, people.get(bureau.path, []))
    hazard.escalation_level = level
    return True


def escalate_overdue(today: datetime.date | None = None) -> int:
    """County after HAZARD_ESCALATE_COUNTY_DAYS overdue, city after HAZARD_ESCALATE_CITY_DAYS;
    a hazard that jumps both thresholds at once (the job did not run) goes through both."""
    today = today or timezone.localdate()
    county_by = today - datetime.timedelta(days=settings.HAZARD_ESCALATE_COUNTY_DAYS)
    city_by = today - datetime.timedelta(days=settings.HAZARD_ESCALATE_CITY_DAYS)
    due = Hazard.objects.overdue(today).filter(
        Q(escalation_level__lt=COUNTY, deadline__lte=county_by)
        | Q(escalation_level__lt=CITY, deadline__lte=city_by)
    )
    raised = 0
    for batch in _batches(due.only("pk", "deadline", "escalation_level")):
        for hazard in batch:
            assert hazard.deadline is not None
            target = CITY if hazard.deadline <= city_by else COUNTY
            for level in range(hazard.escalation_level + 1, target + 1):
                raised += do_escalate(hazard, level, today=today)
    return raised


def remind_progress_reports(today: datetime.date | None = None) -> int:
    """A supervised hazard owes a progress report every report_interval_days since it was
    listed; one reminder per period (a missed day is caught up, not repeated)."""
    today = today or timezone.localdate()
    supervised = (
        Hazard.objects.open()
        .filter(
            supervising_org__isnull=False,
            report_interval_days__gte=1,
            supervised_on__lt=today,
        )
        .select_related("org", "responsible")
    )

    def period(hazard: Hazard) -> int:
        assert hazard.supervised_on is not None and hazard.report_interval_days
        return (today - hazard.supervised_on).days // hazard.report_interval_days

    sent = 0
    for batch in _batches(supervised):
        due = [h for h in batch if period(h) >= 1]
        todo = _fresh(due, {h.pk: notifications.progress_due_key(h, period(h)) for h in due})
        handlers = _handlers([h for h in todo if h.responsible is None])
        for hazard in todo:
            with transaction.atomic():
                sent += notifications.progress_report_due(
                    hazard, period(hazard), handlers.get(hazard.org_path, [])
                )
    return sent


JOBS: list[tuple[str, Callable[[datetime.date | None], int]]] = [
    ("deadline reminders", remind_deadlines),
    ("overdue notices", notify_overdue),
    ("escalations", escalate_overdue),
    ("progress-report reminders", remind_progress_reports),
]
# What ``tick`` prints for each job.
LABELS = {
    "deadline reminders": _("deadline reminders"),
    "overdue notices": _("overdue notices"),
    "escalations": _("escalations"),
    "progress-report reminders": _("progress-report reminders"),
}


def run_all(today: datetime.date | None = None) -> dict[str, int]:
    """Every hazard job once, in order; {job name: messages or escalations}."""
    today = today or timezone.localdate()
    return {name: job(today) for name, job in JOBS}

"""``manage.py tick``: the periodic work, once. Run it from cron every few minutes
(docs/notifications.md), or let Celery beat run the same work (safecampus/web/tasks.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from safecampus.web import jobs as web_jobs


class Command(BaseCommand):
    help = (
        "Run the periodic work once: hazard deadline reminders, overdue notices, escalation, "
        "progress-report reminders, then send waiting email and group-robot messages. "
        "Idempotent: safe to run every few minutes and twice at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="The local date to run the hazard jobs for (YYYY-MM-DD; default today).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="Most email and robot messages to try in this run (default 500).",
        )
        parser.add_argument(
            "--no-send", action="store_true", help="Run the hazard jobs but send nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = web_jobs.run_tick(
            options["today"], limit=options["limit"], send=not options["no_send"]
        )
        for name, _job in web_jobs.JOBS:
            label = web_jobs.LABELS.get(name, name)
            if name in result.failed:
                self.stdout.write(_("%(job)s: FAILED (see the log)") % {"job": label})
            else:
                self.stdout.write(f"{label}: {result.counts[name]}")
        if result.delivered is not None:
            self.stdout.write(
                _(
                    "delivery: %(sent)d sent, %(retrying)d to retry, %(failed)d gave up, "
                    "%(deferred)d deferred"
                )
                % vars(result.delivered)
            )
        if result.failed:
            raise CommandError("tick: failed jobs: " + ", ".join(result.failed))

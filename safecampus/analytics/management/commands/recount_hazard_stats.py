"""``manage.py recount_hazard_stats``: count every hazard into the statistics cells afresh."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from safecampus.analytics import counts


class Command(BaseCommand):
    help = (
        "PostgreSQL: recount the pre-counted hazard statistics from the hazards. Never needed "
        "in normal use (triggers keep them exact); after hazards were changed with the triggers "
        "disabled, e.g. by hand in psql with session_replication_role = replica."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            message = _("Statistics are pre-counted on PostgreSQL only: nothing to do on SQLite.")
            raise CommandError(message)
        cells = counts.recount()
        self.stdout.write(_("Recounted the hazard statistics: %(cells)d cells.") % {"cells": cells})

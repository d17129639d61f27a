"""``manage.py demo_province``: a province-sized demo database for benchmarks (DESIGN.md
"Scale": ~30,000 schools, 1,000,000 hazards over 3 years). PostgreSQL; SQLite only small."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.models import User
from safecampus.demo import sink
from safecampus.demo.actions import HazardOptions, do_generate_demo_province
from safecampus.demo.city import MIN_SCHOOLS
from safecampus.demo.management.commands.demo_city import DEMO_PASSWORD
from safecampus.demo.province import (
    DEFAULT_CITIES,
    DEFAULT_HAZARDS,
    DEFAULT_SCHOOLS,
    DEFAULT_SEED,
    DEFAULT_YEARS,
    WRITTEN,
    plan_province,
)
from safecampus.lib.errors import Conflict

# Beyond this SQLite takes too long and the numbers mean nothing for production (PostgreSQL).
SQLITE_MAX_SCHOOLS = 5_000
SQLITE_MAX_HAZARDS = 100_000
MAX_CITIES = 99
MAX_SCHOOLS = 200_000
MAX_HAZARDS = 20_000_000


class Command(BaseCommand):
    # Start of the phase being timed (planning, organisations, users, hazards, indexes).
    _phase_started = 0.0
    _hazards_started = 0.0

    help = (
        "Build a demo province for benchmarks: ~14 cities (each a root of the tree), 30,000 "
        "schools with ~300,000 logins and 1,000,000 hidden hazards over 3 years. Needs an empty "
        "database; use PostgreSQL (DATABASE_URL) for the full size."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("Random seed."))
        parser.add_argument(
            "--cities", type=int, default=DEFAULT_CITIES, help=_("Number of cities (14).")
        )
        parser.add_argument(
            "--schools",
            type=int,
            default=DEFAULT_SCHOOLS,
            help=_("Schools in all cities (30000)."),
        )
        parser.add_argument(
            "--hazards",
            type=int,
            default=DEFAULT_HAZARDS,
            help=_("Hidden hazards in all (1000000)."),
        )
        parser.add_argument(
            "--years",
            type=int,
            default=DEFAULT_YEARS,
            help=_("Years of history the hazards are spread over (3)."),
        )
        parser.add_argument(
            "--no-timeline",
            action="store_true",
            help=_("Skip the hazards' timeline events (about 5 per hazard)."),
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=_("The password every demo account gets (must meet the policy)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cities, schools, hazards = options["cities"], options["schools"], options["hazards"]
        years = options["years"]
        self._check_sizes(cities, schools, hazards, years)
        try:
            validate_password(options["password"], User(username="990100_admin"))
        except ValidationError as error:
            raise CommandError(
                _("--password does not meet the password policy: %(reasons)s")
                % {"reasons": " ".join(error.messages)}
            ) from None

        started = time.monotonic()
        plans = plan_province(options["seed"], cities, schools)
        self._phase_started = time.monotonic()
        self.stdout.write(
            _("Planned %(cities)s cities in %(seconds).1f s; writing ...")
            % {"cities": len(plans), "seconds": self._phase_started - started}
        )
        hazard_options = HazardOptions(
            count=hazards,
            seed=options["seed"],
            today=timezone.localdate(),
            now=timezone.now(),
            days=365 * years,
        )
        try:
            counts = do_generate_demo_province(
                plans,
                make_password(options["password"]),
                hazard_options,
                timeline=not options["no_timeline"],
                progress=lambda what, n: self._progress(what, n, started),
            )
        except Conflict as error:
            raise CommandError(str(error)) from None
        written = time.monotonic()
        self.stdout.write(
            _(
                "  Hazards written in %(hazards).0f s; indexes, foreign keys and commit "
                "%(indexes).0f s"
            )
            % {
                "hazards": self._phase_started - self._hazards_started,
                "indexes": written - self._phase_started,
            }
        )
        sink.analyze(WRITTEN)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo province written in %(seconds).0f s (statistics %(analyze).0f s): "
                    "%(cities)s cities, %(schools)s schools, %(users)s users, %(risk_points)s "
                    "risk points with %(risk_assessments)s assessments in %(campus_areas)s "
                    "campus areas, %(hazards)s hazards (%(hazards_from_risk_points)s raised from "
                    "risk points), %(events)s timeline events, %(plans)s plans, %(revisits)s "
                    "revisits."
                )
                % {
                    **counts,
                    "seconds": written - started,
                    "analyze": time.monotonic() - written,
                }
            )
        )

    def _check_sizes(self, cities: int, schools: int, hazards: int, years: int) -> None:
        if not 1 <= cities <= MAX_CITIES:
            raise CommandError(_("--cities must be between 1 and %(max)s.") % {"max": MAX_CITIES})
        if not cities * MIN_SCHOOLS <= schools <= MAX_SCHOOLS:
            raise CommandError(
                _("--schools must be between %(min)s (10 per city) and %(max)s.")
                % {"min": cities * MIN_SCHOOLS, "max": MAX_SCHOOLS}
            )
        if not 0 <= hazards <= MAX_HAZARDS:
            raise CommandError(_("--hazards must be between 0 and %(max)s.") % {"max": MAX_HAZARDS})
        if not 1 <= years <= 10:
            raise CommandError(_("--years must be between 1 and 10."))
        if connection.vendor != "postgresql" and (
            schools > SQLITE_MAX_SCHOOLS or hazards > SQLITE_MAX_HAZARDS
        ):
            raise CommandError(
                _(
                    "A province of this size needs PostgreSQL: on %(vendor)s this command "
                    "writes at most %(schools)s schools and %(hazards)s hazards. Point "
                    "DATABASE_URL at an empty PostgreSQL database and run manage.py migrate "
                    "first."
                )
                % {
                    "vendor": connection.display_name,
                    "schools": SQLITE_MAX_SCHOOLS,
                    "hazards": SQLITE_MAX_HAZARDS,
                }
            )

    def _progress(self, what: str, count: int, started: float) -> None:
        """Prints each phase's own time and the time so far; hazards come in chunks, so their
        phase ends with the last chunk (printed in handle)."""
        now = time.monotonic()
        seconds, phase = now - started, now - self._phase_started
        self._phase_started = now
        if what == "orgs":
            self.stdout.write(
                _("  %(n)s organisations and their campuses written in %(phase).1f s (%(s).0f s)")
                % {"n": count, "phase": phase, "s": seconds}
            )
        elif what == "users":
            self._hazards_started = now
            self.stdout.write(
                _("  %(n)s users and their memberships written in %(phase).1f s (%(s).0f s)")
                % {"n": count, "phase": phase, "s": seconds}
            )
        elif what == "risks":
            self._hazards_started = now
            self.stdout.write(
                _(
                    "  %(n)s risk points with their assessments and campus areas written in "
                    "%(phase).1f s (%(s).0f s)"
                )
                % {"n": count, "phase": phase, "s": seconds}
            )
        elif count % 100_000 < 20_000 or count < 100_000:
            self.stdout.write(_("  %(n)s hazards written (%(s).0f s)") % {"n": count, "s": seconds})

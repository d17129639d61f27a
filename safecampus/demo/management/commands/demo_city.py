"""``manage.py demo_city``: a realistic demo city (DOMAIN.md §2.1, §12) with a login per role."""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.models import User
from safecampus.demo import hazards as demo_hazards
from safecampus.demo import queries
from safecampus.demo.actions import HazardOptions, do_generate_demo_city
from safecampus.demo.city import (
    ADMIN_USERNAME,
    DEFAULT_SCHOOLS,
    DEFAULT_SEED,
    MAX_SCHOOLS,
    MIN_SCHOOLS,
    plan_city,
)
from safecampus.hazards.choices import OPEN_STATES, Severity, State
from safecampus.hazards.models import Hazard, overdue_q
from safecampus.lib.errors import Conflict
from safecampus.orgs.choices import Level, SchoolKind
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Role

DEMO_PASSWORD = "Jiangcheng-2012"  # noqa: S105 (printed on purpose: it is the demo's)
MAX_HAZARDS = 200_000
URL = "http://127.0.0.1:8000/"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = (
        "Build a demo city: counties, ~1,935 schools and kindergartens, campuses and a login "
        "for every role, all sharing one printed demo password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("Random seed; the same seed gives the same city (default 2012)."),
        )
        parser.add_argument(
            "--schools",
            type=int,
            default=DEFAULT_SCHOOLS,
            help=_(
                "Number of schools; counties and the mix of kinds scale with it (default 1935)."
            ),
        )
        parser.add_argument(
            "--hazards",
            type=int,
            default=None,
            help=_(
                "Hidden hazards found over the last year (default: about 0.65 per school, "
                "at least 60; 0 for none)."
            ),
        )
        parser.add_argument(
            "--logins-json",
            help=_("Write every demo login (username, password, role, org) here."),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_(
                "If the demo city already exists, only print its logins again (for `make demo`)."
            ),
        )
        parser.add_argument(
            "--url",
            default=URL,
            help=_("The address printed for logging in (default %(default)s)."),
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=_("The password every demo account gets (must meet the policy)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password: str = options["password"]
        schools: int = options["schools"]
        # call_command() passes options through unparsed: a str path arrives as a str.
        json_path = Path(options["logins_json"]) if options["logins_json"] else None
        if not MIN_SCHOOLS <= schools <= MAX_SCHOOLS:
            raise CommandError(
                _("--schools must be between %(min)s and %(max)s.")
                % {"min": MIN_SCHOOLS, "max": MAX_SCHOOLS}
            )
        hazards = options["hazards"]
        if hazards is None:
            hazards = demo_hazards.default_count(schools)
        if not 0 <= hazards <= MAX_HAZARDS:
            raise CommandError(_("--hazards must be between 0 and %(max)s.") % {"max": MAX_HAZARDS})
        try:
            validate_password(password, User(username=ADMIN_USERNAME))
        except ValidationError as error:
            raise CommandError(
                _("--password does not meet the password policy: %(reasons)s")
                % {"reasons": " ".join(error.messages)}
            ) from None

        existing = queries.demo_city()
        if existing is not None or Organization.objects.exists():
            if not options["if_empty"]:
                raise CommandError(
                    _(
                        "The database already holds organisations, so no demo city was added: "
                        "demo data is never mixed into existing data, and it cannot be wiped "
                        "again because the audit log keeps it. To start over, point "
                        "SAFECAMPUS_VAR_DIR (SQLite) or DATABASE_URL at an empty database and "
                        "run manage.py migrate first. To list the logins of an existing demo "
                        "city, add --if-empty."
                    )
                )
            if existing is None:
                self.stdout.write(
                    _("The database already holds organisations; no demo city was added.")
                )
                return
            self.stdout.write(
                _("The demo city %(name)s already exists; nothing was changed.")
                % {"name": existing.name}
            )
            self._print_logins(existing, password, json_path, options["url"])
            return

        started = time.monotonic()
        plan = plan_city(options["seed"], schools)
        hazard_options = HazardOptions(
            count=hazards, seed=options["seed"], today=timezone.localdate(), now=timezone.now()
        )
        try:
            city = do_generate_demo_city(plan, make_password(password), hazard_options)
        except Conflict as error:
            raise CommandError(str(error)) from None
        except IntegrityError as error:  # another demo_city committed the same rows first
            raise CommandError(
                _("The demo city could not be written: %(error)s") % {"error": error}
            ) from None
        self._print_summary(city, options["seed"], time.monotonic() - started)
        self._print_logins(city, password, json_path, options["url"])

    def _print_summary(self, city: Organization, seed: int, seconds: float) -> None:
        totals = queries.level_counts(city)
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                _("Demo city %(name)s generated in %(seconds).1f s (seed %(seed)s).")
                % {"name": city.name, "seconds": seconds, "seed": seed}
            )
        )
        out.write(
            _(
                "  %(counties)s counties/districts; %(schools)s schools and kindergartens, "
                "%(direct)s of them city-direct; %(sites)s campus sites; %(boarding)s boarding "
                "schools; %(users)s user accounts."
            )
            % {
                "counties": totals["counties"],
                "schools": totals["schools"],
                "direct": totals["city_direct"],
                "sites": totals["sites"],
                "boarding": totals["boarding"],
                "users": totals["users"],
            }
        )
        for kind, count, unlicensed in queries.kind_counts(city):
            line = f"  {_pad(str(SchoolKind(kind).label), 32)}{count:>6}"
            if unlicensed:
                line += "  " + _("(%(n)s unlicensed)") % {"n": unlicensed}
            out.write(line)
        self._print_risks(city)
        self._print_duties(city)
        self._print_hazards(city)

    def _print_duties(self, city: Organization) -> None:
        counts = queries.duty_counts(city)
        if not counts["posts"]:
            return
        self.stdout.write(
            _(
                "  %(posts)s posts with their responsibility lists; %(signed)s of their "
                "%(assigned)s holders have signed, %(unsigned)s not yet."
            )
            % counts
        )

    def _print_risks(self, city: Organization) -> None:
        counts = queries.risk_counts(city)
        if not counts["points"]:
            return
        self.stdout.write(
            _(
                "  %(points)s risk points in the registers of %(schools)s schools: %(red)s red, "
                "%(orange)s orange, %(yellow)s yellow, %(blue)s blue, %(ungraded)s not graded "
                "yet, %(rose)s graded higher at their last assessment; %(areas)s campus areas; "
                "%(raised)s open hazards raised from risk points."
            )
            % counts
        )

    def _print_hazards(self, city: Organization) -> None:
        today = timezone.localdate()
        is_open = Q(state__in=OPEN_STATES)
        counts = Hazard.objects.filter(org_path__startswith=city.path).aggregate(
            total=Count("pk"),
            closed=Count("pk", filter=Q(state=State.CLOSED)),
            open=Count("pk", filter=is_open),
            overdue=Count("pk", filter=overdue_q(today)),
            dismissed=Count("pk", filter=Q(state=State.DISMISSED)),
            major=Count("pk", filter=Q(severity=Severity.MAJOR)),
            supervised=Count("pk", filter=Q(supervising_org__isnull=False)),
        )
        if not counts["total"]:
            return
        self.stdout.write(
            _(
                "  %(total)s hidden hazards found in the last year: %(closed)s closed, "
                "%(open)s open (%(overdue)s overdue), %(dismissed)s dismissed; %(major)s major, "
                "%(supervised)s listed for supervision."
            )
            % counts
        )

    def _print_logins(
        self, city: Organization, password: str, json_path: Path | None, url: str = URL
    ) -> None:
        logins = queries.demo_logins(city, password)
        if logins is None:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The given password is not the demo password of this city; pass the one "
                        "it was generated with as --password to list its logins."
                    )
                )
            )
            return
        if json_path is not None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(
                json.dumps([x.as_json(password) for x in logins], ensure_ascii=False, indent=1)
            )
        levels = {str(k): str(v) for k, v in Level.choices}
        rows = [
            (
                f"{Role(x.role).label} ({levels.get(x.org_level, x.org_level)})",
                x.username,
                f"{x.org_name} [{x.org_code}]",
            )
            for x in queries.examples_per_role(logins)
        ]
        header = (_("Role"), _("Username"), _("Organisation"))
        widths = [max(_width(str(r[i])) for r in [header, *rows]) + 2 for i in range(2)]
        out = self.stdout
        out.write("")
        out.write(_("Example logins (one per role; %(n)s accounts in all):") % {"n": len(logins)})
        for row in [tuple(str(h) for h in header), *rows]:
            out.write("  " + _pad(row[0], widths[0]) + _pad(row[1], widths[1]) + row[2])
        out.write("")
        if json_path is not None:
            out.write(_("Every login is listed in %(path)s.") % {"path": json_path})
        out.write(
            self.style.SUCCESS(
                _("Log in at %(url)s as %(username)s with the password %(password)s")
                % {"url": url, "username": ADMIN_USERNAME, "password": password}
            )
        )
        out.write(_("(every demo account uses the same password)"))

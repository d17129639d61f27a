from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from safecampus.lib.errors import ActionError
from safecampus.orgs.actions import do_bootstrap_city


class Command(BaseCommand):
    help = "Create a city (the root of the organisation tree) and its first administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="City name, e.g. 江城市")
        parser.add_argument("--code", required=True, help="Code, e.g. the division code 439900")
        parser.add_argument("--admin", required=True, help="Username of the city administrator")
        parser.add_argument("--admin-name", default="", help="Full name of the administrator")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            city, admin, password = do_bootstrap_city(
                name=options["name"],
                code=options["code"],
                admin_username=options["admin"],
                admin_name=options["admin_name"],
            )
        except ActionError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("Created %(city)s [%(code)s] and its administrator %(username)s.")
            % {"city": city.name, "code": city.code, "username": admin.username}
        )
        self.stdout.write(
            _("First password (shown once; it must be changed at the first login): %(password)s")
            % {"password": password}
        )

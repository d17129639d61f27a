"""``manage.py issue_token USERNAME [--name NAME]``: a personal API token for scripts and BI.

Prints only the secret on stdout (``TOKEN=$(manage.py issue_token bi-robot)``); the note
goes to stderr. Issued through do_issue_token, so it is audited like one made on the page.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from safecampus.accounts.actions import do_issue_token
from safecampus.accounts.models import User
from safecampus.lib.errors import ActionError


class Command(BaseCommand):
    help = "Issue a personal API token for a user and print its secret (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="manage.py issue_token", help="What the token is for."
        )

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user named “%(username)s”.") % {"username": username})
        if not user.is_active:
            raise CommandError(
                _("The account “%(username)s” is deactivated; activate it first.")
                % {"username": username}
            )
        try:
            token, secret = do_issue_token(user, name)
        except ActionError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            _(
                "Token “%(name)s” (%(prefix)s…) issued for %(username)s. Keep the secret below: "
                "it is not shown again. Send it as “Authorization: Bearer <secret>”."
            )
            % {"name": token.name, "prefix": token.prefix, "username": user.username}
        )
        self.stdout.write(secret)

"""Password policy: ≥ 8 characters, at least 3 of upper/lower/digit/symbol, not the username."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    return sum(
        [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class ComplexityValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < 3:
            raise ValidationError(
                _(
                    "The password must mix at least 3 of: upper-case letters, lower-case letters, "
                    "digits, symbols."
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Use at least 3 of: upper-case letters, lower-case letters, digits, symbols.")


class NotUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        username = getattr(user, "username", "") if user is not None else ""
        if username and password.casefold() == username.casefold():
            raise ValidationError(
                _("The password must not be the same as the username."),
                code="password_is_username",
            )

    def get_help_text(self) -> str:
        return _("The password must not be the same as the username.")

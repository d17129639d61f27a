"""Request helpers for views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from safecampus.accounts.models import User


def current_user(request: HttpRequest) -> User:
    """The logged-in user of a view behind @login_required (or token-authenticated API)."""
    user = request.user
    assert user.is_authenticated
    return user

"""Logins, logouts, failures and lockouts go to the audit log (issue: security)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from safecampus.audit.log import record


def _home_org(user: Any) -> Any:
    membership = user.memberships.select_related("org").order_by("org__path").first()
    return membership.org if membership else None


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("auth.login", actor=user, org=_home_org(user), obj=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("auth.logout", actor=user, org=_home_org(user), obj=user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(
        "auth.login_failed", actor_label=username, request=request, changes={"username": username}
    )


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str | None = None, **kw: Any) -> None:
    record(
        "auth.locked_out",
        actor_label=(username or "")[:150],
        request=request,
        changes={"username": username or ""},
    )

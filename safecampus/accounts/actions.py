"""Every change to users, roles and tokens. Atomic, capability-checked, audited."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.models import ApiToken, User, hash_token
from safecampus.accounts.queries import can_manage_user
from safecampus.audit.log import diff, record, snapshot
from safecampus.lib.errors import ActionError
from safecampus.lib.scoping import forget_scope, scope_for
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import ROLE_LEVELS, Cap, can_grant

USER_FIELDS = ["display_name", "phone", "email"]
TOKEN_PREFIX = "sc_"  # noqa: S105 (a prefix, not a secret)


def generate_password(length: int = 14) -> str:
    """An admin-issued password that meets the policy (all four character classes)."""
    pools = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "-_!@#%+="]
    chars = [secrets.choice(pool) for pool in pools]
    alphabet = "".join(pools)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _check_grant(actor: Any, org: Organization, role: str) -> None:
    if org.level not in ROLE_LEVELS.get(role, ()):
        raise ActionError(_("This role cannot be held at this kind of organisation."), "role")
    if not can_grant(scope_for(actor).caps_at(org), role):
        raise PermissionDenied(Cap.USER_MANAGE)


def _require_manage(actor: Any, target: User) -> None:
    if not can_manage_user(actor, target):
        raise PermissionDenied(Cap.USER_MANAGE)


@transaction.atomic
def do_create_user(
    actor: Any,
    *,
    username: str,
    org: Organization,
    role: str,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """Create a person with a role at ``org``; returns the admin-issued password (shown once)."""
    _check_grant(actor, org, role)
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError(_("This username is already taken."), "username")
    password = generate_password()
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        email=email,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    Membership.objects.create(user=user, org=org, role=role, granted_by=actor)
    record(
        "user.create",
        actor=actor,
        org=org,
        obj=user,
        request=request,
        changes={"username": username, "role": role, **snapshot(user, USER_FIELDS)},
    )
    return user, password


@transaction.atomic
def do_update_user(
    actor: Any, target: User, *, request: HttpRequest | None = None, **fields: Any
) -> User:
    _require_manage(actor, target)
    target = User.objects.select_for_update().get(pk=target.pk)
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ActionError(_("These fields cannot be changed here."), sorted(unknown)[0])
    before = snapshot(target, USER_FIELDS)
    for name, value in fields.items():
        setattr(target, name, value)
    changes = diff(before, snapshot(target, USER_FIELDS))
    if changes:
        target.save(update_fields=list(changes))
        record(
            "user.update",
            actor=actor,
            org=_home_org(target),
            obj=target,
            request=request,
            changes=changes,
        )
    return target


def _home_org(user: User) -> Organization | None:
    membership = user.memberships.select_related("org").order_by("org__path").first()
    return membership.org if membership else None


@transaction.atomic
def do_set_active(
    actor: Any, target: User, active: bool, *, request: HttpRequest | None = None
) -> User:
    """Deactivating ends every session of the user and stops their tokens working."""
    _require_manage(actor, target)
    target = User.objects.select_for_update().get(pk=target.pk)
    if target.is_active == active:
        return target
    target.is_active = active
    target.session_version += 1
    target.save(update_fields=["is_active", "session_version"])
    record(
        "user.activate" if active else "user.deactivate",
        actor=actor,
        org=_home_org(target),
        obj=target,
        request=request,
        changes={"is_active": [not active, active]},
    )
    return target


@transaction.atomic
def do_reset_password(actor: Any, target: User, *, request: HttpRequest | None = None) -> str:
    """Issue a new password that must be changed at the next login; ends current sessions."""
    _require_manage(actor, target)
    target = User.objects.select_for_update().get(pk=target.pk)
    password = generate_password()
    target.set_password(password)
    target.must_change_password = True
    target.session_version += 1
    target.save(update_fields=["password", "must_change_password", "session_version"])
    # A reset means the old credentials are not to be trusted: their API tokens go too.
    ApiToken.objects.filter(user=target, revoked_at__isnull=True).update(revoked_at=timezone.now())
    record("user.reset_password", actor=actor, org=_home_org(target), obj=target, request=request)
    return password


@transaction.atomic
def do_change_own_password(
    user: User, new_password: str, *, request: HttpRequest | None = None
) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ActionError({"new_password1": list(exc.messages)}) from None
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record("user.change_password", actor=user, org=_home_org(user), obj=user, request=request)


@transaction.atomic
def do_logout_everywhere(user: User, *, request: HttpRequest | None = None) -> None:
    User.objects.filter(pk=user.pk).update(session_version=user.session_version + 1)
    user.session_version += 1


@transaction.atomic
def do_grant_membership(
    actor: Any,
    target: User,
    org: Organization,
    role: str,
    *,
    request: HttpRequest | None = None,
) -> Membership:
    _check_grant(actor, org, role)
    membership, created = Membership.objects.get_or_create(
        user=target, org=org, role=role, defaults={"granted_by": actor}
    )
    if created:
        record(
            "membership.grant",
            actor=actor,
            org=org,
            obj=target,
            request=request,
            changes={"role": role, "org": org.code},
        )
        forget_scope(target)
    return membership


@transaction.atomic
def do_revoke_membership(
    actor: Any, membership: Membership, *, request: HttpRequest | None = None
) -> None:
    _check_grant(actor, membership.org, membership.role)
    if membership.user_id == actor.pk:
        raise ActionError(_("You cannot remove your own role."), "role")
    record(
        "membership.revoke",
        actor=actor,
        org=membership.org,
        obj=membership.user,
        request=request,
        changes={"role": membership.role, "org": membership.org.code},
    )
    membership.delete()


@transaction.atomic
def do_issue_token(
    user: User, name: str, *, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A personal access token; the secret is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise ActionError(_("Give the token a name."), "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:60], prefix=secret[:10], token_hash=hash_token(secret)
    )
    record(
        "token.issue",
        actor=user,
        org=_home_org(user),
        obj=token,
        request=request,
        changes={"name": token.name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def do_revoke_token(user: User, token: ApiToken, *, request: HttpRequest | None = None) -> None:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record("token.revoke", actor=user, org=_home_org(user), obj=token, request=request)

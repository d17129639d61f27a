"""Scoped reads of users and tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from safecampus.accounts.models import ApiToken, User
from safecampus.lib.scoping import scope_for
from safecampus.orgs.choices import levels_within
from safecampus.orgs.models import Membership
from safecampus.orgs.roles import CAPABILITIES, ROLE_LEVELS, Cap, Role, can_grant


def visible_users(user: Any) -> QuerySet[User]:
    """Users holding a role somewhere the viewer may view users (and always the viewer)."""
    scope = scope_for(user)
    ids = Membership.objects.filter(scope.q_with(Cap.USER_VIEW, "org")).values("user_id")
    # Only the roles the viewer may know about: a county sees its own, not the city's.
    memberships = (
        Membership.objects.filter(scope.q("org"))
        .select_related("org")
        .order_by("org__path", "role")
    )
    return (
        User.objects.filter(pk__in=ids)
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )


def get_user_for_user(viewer: Any, pk: Any) -> User:
    try:
        return visible_users(viewer).get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("user") from None


def visible_memberships(viewer: Any, target: User) -> QuerySet[Membership]:
    return (
        target.memberships.filter(scope_for(viewer).q("org"))
        .select_related("org")
        .order_by("org__path", "role")
    )


def grantable_roles(user: Any) -> set[str]:
    """Roles the user may grant somewhere (for pickers; do_grant_membership decides)."""
    grants = scope_for(user).grants
    return {
        role
        for role in Role
        for g in grants
        if can_grant(CAPABILITIES[g.role], role) and ROLE_LEVELS[role] & levels_within(g.level)
    }


def can_manage_user(actor: Any, target: User) -> bool:
    """Only if every role the target holds lies where the actor manages users, and grants no
    capability the actor lacks there (no escalation through editing someone above you)."""
    if actor.pk == target.pk:
        return False
    scope = scope_for(actor)
    memberships = list(target.memberships.select_related("org"))
    if not memberships:
        return False
    for membership in memberships:
        caps = scope.caps_at(membership.org)
        if Cap.USER_MANAGE not in caps or not CAPABILITIES[membership.role] <= caps:
            return False
    return True


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def get_token_for_user(user: Any, pk: Any) -> ApiToken:
    try:
        return tokens_of(user).get(pk=int(pk))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404("token") from None

"""The one place that decides what a user may see and do (属地管理, DOMAIN.md §2.2).

A membership at an organisation covers its whole subtree. Organisations are a
materialized-path tree, so "everything under these orgs" is a prefix filter on ``path``.
The scope is computed once per user object (i.e. once per request), never cached globally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from safecampus.orgs.roles import CAPABILITIES

if TYPE_CHECKING:
    from safecampus.orgs.models import Organization


@dataclass(frozen=True)
class Grant:
    org_id: int
    path: str
    level: str
    role: str


class Scope:
    def __init__(self, grants: list[Grant], orgs: list[Organization] | None = None):
        self.grants = grants
        # The organisations of the grants, when loaded with them: the org switcher's default
        # and usual choice is one of these, so a page needs no query of its own for it.
        self.orgs: dict[int, Organization] = {org.pk: org for org in orgs or ()}
        paths = sorted({g.path for g in grants})
        # Keep only the top-most paths: a grant under another adds nothing to visibility.
        self.root_paths: list[str] = []
        for path in paths:
            if not any(path.startswith(root) for root in self.root_paths):
                self.root_paths.append(path)

    @property
    def is_empty(self) -> bool:
        return not self.grants

    def q(self, org_field: str = "") -> Q:
        """A filter selecting rows whose organisation lies inside this scope."""
        prefix = f"{org_field}__" if org_field else ""
        if not self.root_paths:
            return Q(pk__in=[])
        query = Q()
        for path in self.root_paths:
            query |= Q(**{f"{prefix}path__startswith": path})
        return query

    def covers(self, org: Organization) -> bool:
        return any(org.path.startswith(root) for root in self.root_paths)

    def caps_at(self, org: Organization) -> frozenset[str]:
        caps: set[str] = set()
        for grant in self.grants:
            if org.path.startswith(grant.path):
                caps |= CAPABILITIES[grant.role]
        return frozenset(caps)

    def can(self, cap: str, org: Organization) -> bool:
        return cap in self.caps_at(org)

    def can_anywhere(self, cap: str) -> bool:
        return any(cap in CAPABILITIES[g.role] for g in self.grants)

    def paths_with(self, cap: str) -> list[str]:
        return sorted({g.path for g in self.grants if cap in CAPABILITIES[g.role]})

    def q_with(self, cap: str, org_field: str = "") -> Q:
        """Rows whose organisation lies under an org where the user holds ``cap``."""
        prefix = f"{org_field}__" if org_field else ""
        paths = self.paths_with(cap)
        if not paths:
            return Q(pk__in=[])
        query = Q()
        for path in paths:
            query |= Q(**{f"{prefix}path__startswith": path})
        return query


def under_paths(paths: list[str], field: str = "org_path") -> Q:
    """Rows whose ``field`` (a copied tree path) lies under any of ``paths``: one indexed
    prefix filter per path; nothing at all for no paths."""
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def path_and_ancestors(path: str, steplen: int = 4) -> list[str]:
    """The tree path itself and the path of every organisation above it (top first)."""
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


_CACHE_ATTR = "_safecampus_scope"


def scope_for(user: Any) -> Scope:
    """The user's scope; anonymous and inactive users have an empty one."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope([])
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from safecampus.orgs.choices import OrgStatus
    from safecampus.orgs.models import Membership

    memberships = list(
        Membership.objects.filter(user=user)
        .exclude(org__status=OrgStatus.CLOSED, org__level="school")
        .select_related("org")
    )
    scope = Scope(
        [Grant(m.org_id, m.org.path, m.org.level, m.role) for m in memberships],
        [m.org for m in memberships],
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def require(user: Any, cap: str, org: Organization) -> None:
    """403 unless the user holds ``cap`` at ``org`` (callers have already 404'd outsiders)."""
    if not scope_for(user).can(cap, org):
        raise PermissionDenied(cap)

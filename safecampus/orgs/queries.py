"""Scoped reads of organisations, campuses and memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from safecampus.lib.scoping import scope_for
from safecampus.orgs.choices import Level, OrgStatus, SchoolKind
from safecampus.orgs.models import Campus, Membership, Organization


def visible_orgs(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_for(user).q())


def get_org_for_user(user: Any, pk: Any) -> Organization:
    """The organisation if the user may see it; 404 otherwise (never reveal existence)."""
    try:
        return visible_orgs(user).get(pk=int(pk))
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise Http404("organisation") from None


def get_campus_for_user(user: Any, pk: Any) -> Campus:
    try:
        return Campus.objects.select_related("school").get(scope_for(user).q("school"), pk=int(pk))
    except (Campus.DoesNotExist, ValueError, TypeError):
        raise Http404("campus") from None


def subtree(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=org.path)


def parent_choices(user: Any, cap: str) -> QuerySet[Organization]:
    """Bureaus (and towns) under which the user may create or move organisations."""
    return (
        Organization.objects.filter(scope_for(user).q_with(cap))
        .exclude(level=Level.SCHOOL)
        .order_by("path")
    )


def switchable_orgs(user: Any) -> QuerySet[Organization]:
    """What the org switcher offers: the bureaus (not individual schools) in the user's scope."""
    return visible_orgs(user).exclude(level=Level.SCHOOL).order_by("path")


def switchable_choices(user: Any) -> list[dict[str, Any]]:
    """The bureaus (and towns) in scope, indented under their parents, for pickers."""
    orgs = list(switchable_orgs(user).only("pk", "name", "depth")[:500])
    if not orgs:
        return []
    top = min(o.depth for o in orgs)
    return [{"pk": o.pk, "label": "\u3000" * (o.depth - top) + o.name} for o in orgs]


def memberships_of(org: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(org=org).select_related("user").order_by("role", "user__username")
    )


def school_summary(orgs: QuerySet[Organization]) -> dict[str, int]:
    """Headline counts for a set of organisations, in one query (DOMAIN.md §13.9: the
    denominator comes from master data; unlicensed kindergartens shown separately)."""
    active_school = Q(level=Level.SCHOOL, status=OrgStatus.ACTIVE)
    kg = Q(school_kind=SchoolKind.KINDERGARTEN)
    totals = orgs.aggregate(
        schools=Count("pk", filter=active_school),
        kindergartens=Count("pk", filter=active_school & kg),
        unlicensed=Count("pk", filter=active_school & kg & Q(licensed=False)),
        boarding=Count("pk", filter=active_school & Q(boarding=True)),
        counties=Count("pk", filter=Q(level=Level.COUNTY)),
        closed=Count("pk", filter=Q(level=Level.SCHOOL, status=OrgStatus.CLOSED)),
    )
    # A school without a recorded campus is one site; otherwise each campus is one site (§2.1).
    campuses = Campus.objects.filter(school__in=orgs.filter(active_school)).aggregate(
        n=Count("pk"), schools=Count("school", distinct=True)
    )
    totals["sites"] = totals["schools"] - campuses["schools"] + campuses["n"]
    totals["primary_secondary"] = totals["schools"] - totals["kindergartens"]
    return totals


def child_summaries(org: Organization) -> list[dict[str, Any]]:
    """Per child bureau (county/town), its school counts; direct schools (市直学校) in one row.
    One grouped query over the subtree, whatever the number of children."""
    from django.db.models.functions import Substr

    width = (org.depth + 1) * Organization.steplen
    active_school = Q(level=Level.SCHOOL, status=OrgStatus.ACTIVE)
    kg = Q(school_kind=SchoolKind.KINDERGARTEN)
    rows = (
        Organization.objects.filter(path__startswith=org.path, depth__gt=org.depth)
        .annotate(prefix=Substr("path", 1, width))
        .order_by()  # the tree's default ordering by path would split the groups
        .values("prefix")
        .annotate(
            schools=Count("pk", filter=active_school),
            kindergartens=Count("pk", filter=active_school & kg),
            unlicensed=Count("pk", filter=active_school & kg & Q(licensed=False)),
            students=Sum("students", filter=active_school),
        )
    )
    by_prefix = {row["prefix"]: row for row in rows}
    children = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by(
        "path"
    )
    result: list[dict[str, Any]] = []
    direct: dict[str, Any] = {"org": None, "schools": 0, "kindergartens": 0, "unlicensed": 0}
    direct["students"] = 0
    for child in children:
        row = by_prefix.get(child.path, {})
        counts = {
            k: row.get(k) or 0 for k in ("schools", "kindergartens", "unlicensed", "students")
        }
        if child.level == Level.SCHOOL:
            for key, value in counts.items():
                direct[key] += value
        else:
            result.append({"org": child, **counts})
    if direct["schools"]:
        result.append(direct)
    return result


def visible_parent_ids(user: Any, orgs: list[Organization]) -> dict[int, int | None]:
    """{org id: parent id} for a page of orgs, in one query; None where the parent lies
    outside the user's scope (a county officer is not told the city's id)."""
    scope = scope_for(user)
    step = Organization.steplen
    wanted = {o.path[:-step] for o in orgs if o.depth > 1}
    wanted = {p for p in wanted if any(p.startswith(root) for root in scope.root_paths)}
    ids: dict[str, int] = {}
    if wanted:
        ids = dict(Organization.objects.filter(path__in=wanted).values_list("path", "pk"))
    return {o.pk: ids.get(o.path[:-step]) for o in orgs}


def school_counts_by_parent(user: Any) -> dict[str, dict[str, int]]:
    """{parent path: counts of the active schools directly under it}, for the whole scope in
    one grouped query; callers roll these up the tree (a few hundred bureaus, not schools)."""
    from django.db.models.functions import Length, Substr

    active_school = Q(level=Level.SCHOOL, status=OrgStatus.ACTIVE)
    kg = Q(school_kind=SchoolKind.KINDERGARTEN)
    rows = (
        visible_orgs(user)
        .filter(active_school)
        .annotate(parent_path=Substr("path", 1, Length("path") - Organization.steplen))
        .values("parent_path")
        .annotate(
            schools=Count("pk"),
            kindergartens=Count("pk", filter=kg),
            unlicensed=Count("pk", filter=kg & Q(licensed=False)),
            students=Sum("students"),
        )
        .order_by()
    )
    counts = ("schools", "kindergartens", "unlicensed", "students")
    return {row["parent_path"]: {key: row[key] or 0 for key in counts} for row in rows}

"""Scoped reads of the responsibility system. Posts, grid and letters are seen with
``duty.view`` over the subtree; one's own lists always. Pairings (一岗双带) are sensitive
(DOMAIN.md §13.13): only people at the school itself and the paired teacher see them; bureaus
see counts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.http import Http404

from safecampus.duties.choices import LetterState
from safecampus.duties.models import (
    GridCell,
    LetterCopy,
    Pairing,
    Post,
    PostAssignment,
    ResponsibilityLetter,
)
from safecampus.lib.scoping import scope_for, under_paths
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import CAPABILITIES, Cap


def _view_q(user: Any, field: str = "org_path") -> Q:
    return under_paths(scope_for(user).paths_with(Cap.DUTY_VIEW), field)


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404("not a number") from None


# --- organisations --------------------------------------------------------------------------


def duty_orgs(user: Any) -> QuerySet[Organization]:
    """Organisations whose responsibility lists the user may see."""
    return Organization.objects.filter(scope_for(user).q_with(Cap.DUTY_VIEW))


def get_duty_org_for_user(user: Any, pk: Any) -> Organization:
    """The organisation, 404 if outside the user's area; the caller checks the capability (403
    for a read-only or school role inside the area)."""
    try:
        return Organization.objects.get(scope_for(user).q(), pk=_int(pk))
    except Organization.DoesNotExist:
        raise Http404("organisation") from None


def people_at(org: Organization) -> QuerySet[Any]:
    """Who may hold a post, a grid cell or a pairing at ``org``: active people with a role at
    that organisation itself (a county officer does not hold a school's post)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__org=org)
        .distinct()
        .order_by("display_name", "username")
    )


# --- posts, assignments, signatures ---------------------------------------------------------


def current_assignments() -> QuerySet[PostAssignment]:
    return PostAssignment.objects.filter(ended_on__isnull=True)


def posts_of(org: Organization) -> QuerySet[Post]:
    """An organisation's posts with their current holders (two queries for any number)."""
    holders = current_assignments().select_related("person").order_by("id")
    return Post.objects.filter(org=org).prefetch_related(
        Prefetch("assignments", queryset=holders, to_attr="holders")
    )


def visible_posts(user: Any) -> QuerySet[Post]:
    return Post.objects.filter(_view_q(user)).select_related("org")


def get_post_for_user(user: Any, pk: Any) -> Post:
    try:
        return visible_posts(user).get(pk=_int(pk))
    except Post.DoesNotExist:
        raise Http404("post") from None


def my_assignments(user: Any) -> QuerySet[PostAssignment]:
    """The lists this person holds now, unsigned first."""
    return (
        current_assignments()
        .filter(person=user)
        .select_related("post", "post__org")
        .annotate(
            signed=ExpressionWrapper(
                Q(signed_version=F("post__version")), output_field=BooleanField()
            )
        )
        .order_by("signed", "post__org__path", "post__sort", "post_id")
    )


def get_assignment_for_user(user: Any, pk: Any) -> PostAssignment:
    """An assignment the user holds, or one under an organisation whose lists they may see."""
    mine_or_visible = Q(person=user) | _view_q(user, "post__org_path")
    try:
        return PostAssignment.objects.select_related("post", "post__org", "person").get(
            mine_or_visible, pk=_int(pk)
        )
    except PostAssignment.DoesNotExist:
        raise Http404("assignment") from None


def unsigned_of(org: Organization) -> QuerySet[PostAssignment]:
    """Current holders under ``org`` who have not signed the current version of their list."""
    return (
        current_assignments()
        .filter(post__org_path__startswith=org.path)
        .exclude(signed_version=F("post__version"))
        .select_related("post", "post__org", "person")
        .order_by("post__org__path", "post__sort", "post_id", "id")
    )


def has_lists(user: Any) -> bool:
    return current_assignments().filter(person=user).exists()


def _school_counts() -> dict[str, Any]:
    # A post without any holder joins as NULLs: "ended_on IS NULL" alone would count it as held.
    current = Q(
        duty_posts__assignments__pk__isnull=False,
        duty_posts__assignments__ended_on__isnull=True,
    )
    signed = current & Q(duty_posts__assignments__signed_version=F("duty_posts__version"))
    return {
        "posts": Count("duty_posts", distinct=True),
        "posts_held": Count("duty_posts", filter=current, distinct=True),
        "assigned": Count("duty_posts__assignments", filter=current),
        "signed": Count("duty_posts__assignments", filter=signed),
    }


def signing_rollup(org: Organization) -> list[Organization]:
    """Per active school under ``org`` (itself if a school): posts, posts held, holders and
    signatures of the current version; one grouped query, whatever the number of schools."""
    schools = (
        Organization.objects.filter(
            path__startswith=org.path, level=Level.SCHOOL, status=OrgStatus.ACTIVE
        )
        .annotate(**_school_counts())
        .order_by("path")
    )
    rows = list(schools)
    for row in rows:
        row.unsigned = row.assigned - row.signed
        row.vacant = row.posts - row.posts_held
    return rows


def rollup_totals(rows: list[Organization]) -> dict[str, int]:
    keys = ("posts", "posts_held", "assigned", "signed", "unsigned", "vacant")
    totals = {key: sum(getattr(row, key) for row in rows) for key in keys}
    totals["schools"] = len(rows)
    totals["schools_without_posts"] = sum(1 for row in rows if not getattr(row, "posts", 0))
    return totals


# --- grid -----------------------------------------------------------------------------------


def grid_of(school: Organization) -> QuerySet[GridCell]:
    return GridCell.objects.filter(school=school).select_related("person")


def get_cell_for_user(user: Any, pk: Any) -> GridCell:
    try:
        return GridCell.objects.select_related("school", "person").get(_view_q(user), pk=_int(pk))
    except GridCell.DoesNotExist:
        raise Http404("grid cell") from None


# --- pairings (sensitive) -------------------------------------------------------------------


def pairing_paths(user: Any) -> list[str]:
    """Schools where the user sees pairing details: ``duty.view`` held at the school itself
    (principal, safety officer), not at a bureau above it (§13.13: counties see counts)."""
    return sorted(
        {
            g.path
            for g in scope_for(user).grants
            if g.level == Level.SCHOOL and Cap.DUTY_VIEW in CAPABILITIES[g.role]
        }
    )


def pairing_manage_paths(user: Any) -> list[str]:
    return sorted(
        {
            g.path
            for g in scope_for(user).grants
            if g.level == Level.SCHOOL and Cap.DUTY_MANAGE in CAPABILITIES[g.role]
        }
    )


def visible_pairings(user: Any) -> QuerySet[Pairing]:
    return Pairing.objects.filter(
        under_paths(pairing_paths(user), "org_path") | Q(teacher=user)
    ).select_related("school", "teacher")


def get_pairing_for_user(user: Any, pk: Any) -> Pairing:
    try:
        return visible_pairings(user).get(pk=_int(pk))
    except Pairing.DoesNotExist:
        raise Http404("pairing") from None


def pairing_counts(org: Organization) -> list[dict[str, Any]]:
    """What a bureau sees of 一岗双带: per school, teachers paired and groups (one query)."""
    rows = (
        Pairing.objects.filter(org_path__startswith=org.path, ended_on__isnull=True)
        .values("school_id", "school__name", "school__path")
        .annotate(groups=Count("pk"), teachers=Count("teacher", distinct=True))
        .order_by("school__path")
    )
    return list(rows)


# --- letters --------------------------------------------------------------------------------


def visible_copies(user: Any) -> QuerySet[LetterCopy]:
    """Letter copies addressed inside the area where the user sees lists (the issuer side and
    the recipient side: a recipient always lies under its issuer)."""
    return LetterCopy.objects.filter(_view_q(user, "recipient_path")).select_related(
        "letter", "letter__issuer", "recipient", "signed_by"
    )


def get_copy_for_user(user: Any, pk: Any) -> LetterCopy:
    try:
        return visible_copies(user).get(pk=_int(pk))
    except LetterCopy.DoesNotExist:
        raise Http404("letter") from None


def get_letter_for_user(user: Any, pk: Any) -> ResponsibilityLetter:
    """A letter the user sees through one of its copies or as the issuing bureau's staff."""
    paths = scope_for(user).paths_with(Cap.DUTY_VIEW)
    seen = Q(pk__in=visible_copies(user).values("letter_id")) | under_paths(paths, "issuer__path")
    try:
        return ResponsibilityLetter.objects.select_related("issuer").get(seen, pk=_int(pk))
    except ResponsibilityLetter.DoesNotExist:
        raise Http404("letter") from None


def eligible_recipients(issuer: Organization) -> QuerySet[Organization]:
    """The units a bureau signs letters with (DOMAIN.md §2.2, 属地管理): a county its schools;
    a city its counties and the schools not under any county (市直学校)."""
    below = Organization.objects.filter(
        path__startswith=issuer.path, depth__gt=issuer.depth, status=OrgStatus.ACTIVE
    )
    if issuer.level == Level.CITY:
        counties = list(
            Organization.objects.filter(
                path__startswith=issuer.path, level=Level.COUNTY
            ).values_list("path", flat=True)
        )
        direct_schools = below.filter(level=Level.SCHOOL).exclude(under_paths(counties, "path"))
        return (below.filter(level=Level.COUNTY) | direct_schools).order_by("path")
    if issuer.level in (Level.COUNTY, Level.TOWN):
        return below.filter(level=Level.SCHOOL).order_by("path")
    return Organization.objects.none()


def issuer_choices(user: Any) -> QuerySet[Organization]:
    """Bureaus where the user may issue letters."""
    return Organization.objects.filter(
        scope_for(user).q_with(Cap.DUTY_MANAGE), level__in=[Level.CITY, Level.COUNTY]
    ).order_by("path")


def letter_board(issuer: Organization, year: int) -> list[Organization]:
    """The year's status per eligible unit of ``issuer``: letters issued to it and signed by
    it; a unit with none is "not issued". One grouped query."""
    mine = Q(responsibility_letters__letter__issuer=issuer, responsibility_letters__year=year)
    signed = mine & Q(responsibility_letters__state=LetterState.SIGNED)
    return list(
        eligible_recipients(issuer).annotate(
            issued=Count("responsibility_letters", filter=mine),
            signed=Count("responsibility_letters", filter=signed),
        )
    )


def board_totals(rows: list[Organization]) -> dict[str, int]:
    issued = [r for r in rows if getattr(r, "issued", 0)]
    return {
        "units": len(rows),
        "issued": len(issued),
        "signed": sum(1 for r in issued if getattr(r, "signed", 0) >= getattr(r, "issued", 0)),
        "not_issued": len(rows) - len(issued),
    }


def letters_of(issuer: Organization, year: int) -> QuerySet[ResponsibilityLetter]:
    return ResponsibilityLetter.objects.filter(issuer=issuer, year=year).annotate(
        copies_n=Count("copies"),
        signed_n=Count("copies", filter=Q(copies__state=LetterState.SIGNED)),
    )


def copies_to(org: Organization) -> QuerySet[LetterCopy]:
    """Letters addressed to the organisation itself (what its head signs)."""
    return LetterCopy.objects.filter(recipient=org).select_related(
        "letter", "letter__issuer", "signed_by"
    )

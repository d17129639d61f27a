"""Reading the demo city back: does it exist, who can log in with the demo password."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.db.models import Count, F, Q

from safecampus.demo.city import ADMIN_USERNAME, CITY_CODE
from safecampus.demo.mix import KIND_ORDER
from safecampus.duties.models import Post, PostAssignment
from safecampus.hazards.choices import OPEN_STATES
from safecampus.hazards.models import Hazard
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Campus, Membership, Organization
from safecampus.orgs.roles import Role
from safecampus.risks.choices import Level as RiskLevel
from safecampus.risks.models import CampusArea, RiskPoint

ROLE_ORDER = {role: i for i, role in enumerate(Role.values)}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    org_code: str
    org_name: str
    org_level: str

    def as_json(self, password: str) -> dict[str, str]:
        return {
            "username": self.username,
            "password": password,
            "role": self.role,
            "org_code": self.org_code,
            "org_name": self.org_name,
        }


def demo_city() -> Organization | None:
    return Organization.objects.filter(code=CITY_CODE, depth=1).first()


def demo_logins(city: Organization, password: str) -> list[DemoLogin] | None:
    """Every account under the demo city that still logs in with ``password``.

    All demo accounts share one password hash (hashed once when generated); accounts whose
    owner changed the password, or that were added later, have another hash and are left out.
    None when ``password`` is not the demo password at all.
    """
    in_city = Membership.objects.filter(org__path__startswith=city.path)
    shared = (
        in_city.order_by()
        .values("user__password")
        .annotate(n=Count("user", distinct=True))
        .order_by("-n")
        .first()
    )
    if shared is None or not check_password(password, shared["user__password"]):
        return None
    rows = in_city.filter(
        user__password=shared["user__password"], user__is_active=True
    ).values_list("user__username", "role", "org__code", "org__name", "org__level", "org__path")
    logins = sorted(
        rows,
        key=lambda r: (r[0] != ADMIN_USERNAME, r[5], ROLE_ORDER.get(r[1], 99), r[0]),
    )
    return [DemoLogin(*row[:5]) for row in logins]


def examples_per_role(logins: list[DemoLogin]) -> list[DemoLogin]:
    """The first login of each role at each level: the admin first, then city, county, school."""
    seen: set[tuple[str, str]] = set()
    examples = []
    level_order: dict[str, int] = {Level.CITY: 0, Level.COUNTY: 1, Level.TOWN: 2, Level.SCHOOL: 3}
    for login in logins:
        key = (login.role, login.org_level)
        if key not in seen:
            seen.add(key)
            examples.append(login)
    return sorted(
        examples,
        key=lambda x: (
            x.username != ADMIN_USERNAME,
            level_order.get(x.org_level, 9),
            ROLE_ORDER.get(x.role, 99),
        ),
    )


def kind_counts(city: Organization) -> list[tuple[str, int, int]]:
    """(kind, schools, unlicensed) for the schools of the city, in listing order."""
    rows = (
        Organization.objects.filter(path__startswith=city.path, level=Level.SCHOOL)
        .order_by()
        .values("school_kind")
        .annotate(n=Count("pk"), unlicensed=Count("pk", filter=Q(licensed=False)))
    )
    by_kind = {row["school_kind"]: (row["n"], row["unlicensed"]) for row in rows}
    return [(kind, *by_kind[kind]) for kind in KIND_ORDER if kind in by_kind]


def level_counts(city: Organization) -> dict[str, int]:
    """Counties, city-direct and county schools, campus sites and accounts of the demo city."""
    orgs = Organization.objects.filter(path__startswith=city.path)
    totals = orgs.aggregate(
        counties=Count("pk", filter=Q(level=Level.COUNTY)),
        city_direct=Count("pk", filter=Q(level=Level.SCHOOL, depth=city.depth + 1)),
        schools=Count("pk", filter=Q(level=Level.SCHOOL)),
        boarding=Count("pk", filter=Q(level=Level.SCHOOL, boarding=True)),
    )
    totals["sites"] = Campus.objects.filter(school__path__startswith=city.path).count()
    totals["users"] = (
        Membership.objects.filter(org__path__startswith=city.path).values("user").distinct().count()
    )
    return totals


def risk_counts(city: Organization) -> dict[str, int]:
    """The city's risk points by level, its campus areas and the open hazards raised from
    risk points (three queries)."""
    totals = RiskPoint.objects.filter(org_path__startswith=city.path).aggregate(
        points=Count("pk"),
        schools=Count("school", distinct=True),
        ungraded=Count("pk", filter=Q(level="")),
        rose=Count("pk", filter=~Q(previous_level="")),
        **{level: Count("pk", filter=Q(level=level)) for level in RiskLevel.values},
    )
    totals["areas"] = CampusArea.objects.filter(school__path__startswith=city.path).count()
    totals["raised"] = Hazard.objects.filter(
        org_path__startswith=city.path, state__in=OPEN_STATES, risk_point__isnull=False
    ).count()
    return totals


def duty_counts(city: Organization) -> dict[str, int]:
    """The city's responsibility lists (posts), their current holders and how many of those
    signed the current version (two queries)."""
    holders = PostAssignment.objects.filter(
        post__org_path__startswith=city.path, ended_on__isnull=True
    ).aggregate(
        assigned=Count("pk"),
        signed=Count("pk", filter=Q(signed_version=F("post__version"))),
    )
    posts = Post.objects.filter(org_path__startswith=city.path).count()
    return {"posts": posts, **holders, "unsigned": holders["assigned"] - holders["signed"]}

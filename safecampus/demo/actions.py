"""Writing a planned demo city into the database: bulk inserts, one transaction, one audit row."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.accounts.models import User
from safecampus.audit.log import record
from safecampus.demo.city import BureauPlan, CityPlan, SchoolPlan
from safecampus.lib.errors import Conflict
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Campus, Membership, Organization
from safecampus.orgs.tree import add_root, bulk_add_children

BATCH = 1000
ACTOR_LABEL = "manage.py demo_city"


def _bureau_fields(plan: BureauPlan) -> dict[str, str]:
    return {
        "level": plan.level,
        "code": plan.code,
        "name": plan.name,
        "address": plan.address,
        "phone": plan.phone,
    }


def _bureau_row(plan: BureauPlan) -> Organization:
    return Organization(**_bureau_fields(plan))


def _school_row(plan: SchoolPlan) -> Organization:
    return Organization(
        level=Level.SCHOOL,
        code=plan.code,
        name=plan.name,
        address=plan.address,
        phone=plan.phone,
        school_kind=plan.kind,
        ownership=plan.ownership,
        licensed=plan.licensed,
        boarding=plan.boarding,
        students=plan.students,
        staff=plan.staff,
        principal_name=plan.principal_name,
        safety_officer_name=plan.safety_officer_name,
    )


@transaction.atomic
def do_generate_demo_city(plan: CityPlan, password_hash: str) -> Organization:
    """Create the planned city, its counties, schools, campuses and logins.

    ``password_hash`` is hashed once by the caller and shared by every demo account: hashing
    per user (argon2) would take minutes for a city. Refuses (Conflict) when the database
    already holds organisations: demo data is never mixed into real data.
    """
    if Organization.objects.exists():
        raise Conflict(_("The database already holds organisations; no demo city was added."))
    logins = list(plan.logins())
    if User.objects.exists():  # e.g. a superuser made before the demo: never take its name
        existing = {name.lower() for name in User.objects.values_list("username", flat=True)}
        taken = [login.username for login, _code in logins if login.username.lower() in existing]
        if taken:
            raise Conflict(
                _("These usernames are already taken, so no demo city was added: %(names)s")
                % {"names": ", ".join(taken[:10])}
            )
    city = add_root(**_bureau_fields(plan.city))
    # Counties first, then the city-direct schools (市直学校), in one INSERT batch.
    children = bulk_add_children(
        city,
        [_bureau_row(c) for c in plan.counties] + [_school_row(s) for s in plan.city.schools],
        batch_size=BATCH,
    )
    counties = children[: len(plan.counties)]
    orgs_by_code: dict[str, Organization] = {o.code: o for o in children}
    orgs_by_code[city.code] = city
    for county, county_plan in zip(counties, plan.counties, strict=True):
        schools = bulk_add_children(
            county, [_school_row(s) for s in county_plan.schools], batch_size=BATCH
        )
        orgs_by_code.update((o.code, o) for o in schools)

    Campus.objects.bulk_create(
        [
            Campus(
                school=orgs_by_code[school.code],
                name=campus.name,
                address=campus.address,
                is_main=campus.is_main,
            )
            for school in plan.schools()
            for campus in school.campuses
        ],
        batch_size=BATCH,
    )

    users = User.objects.bulk_create(
        [
            User(
                username=login.username,
                display_name=login.display_name,
                email=f"{login.username}@example.com",
                password=password_hash,
                must_change_password=False,
            )
            for login, _code in logins
        ],
        batch_size=BATCH,
    )
    if users and users[0].pk is None:  # backends without RETURNING: fetch the ids back
        ids = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for user in users:
            user.pk = ids[user.username]
    Membership.objects.bulk_create(
        [
            Membership(user=user, org=orgs_by_code[code], role=login.role)
            for user, (login, code) in zip(users, logins, strict=True)
        ],
        batch_size=BATCH,
    )
    record("demo.generate", org=city, obj=city, actor_label=ACTOR_LABEL, changes=plan.counts())
    return city

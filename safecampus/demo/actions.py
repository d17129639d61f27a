"""Writing a planned demo city into the database: bulk inserts, one transaction, one audit row
for the city and one for its hazards."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.accounts.models import User
from safecampus.analytics import counts as stats_cells
from safecampus.audit.log import record
from safecampus.demo import duty_lists, risk_links, sink
from safecampus.demo import hazards as demo_hazards
from safecampus.demo import risks as demo_risks
from safecampus.demo.city import BureauPlan, CityPlan, SchoolPlan
from safecampus.demo.hazard_records import HAZARD_COLUMNS, HazardRecord, Person, SchoolSlot
from safecampus.demo.province import (
    BULK_TABLES,
    EXPLICIT_IDS,
    PROVINCE_CODE,
    Progress,
    ProvinceWriter,
)
from safecampus.demo.risk_store import EXPLICIT_IDS as RISK_EXPLICIT_IDS
from safecampus.demo.risk_store import RegisterWriter, library_entries
from safecampus.hazards.defaults import ensure_default_categories
from safecampus.hazards.models import (
    Hazard,
    HazardCategory,
    HazardEvent,
    PlanMilestone,
    RectificationPlan,
    Revisit,
)
from safecampus.lib.errors import Conflict
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Campus, Membership, Organization
from safecampus.orgs.tree import add_root, bulk_add_children

BATCH = 1000
ACTOR_LABEL = "manage.py demo_city"
PROVINCE_ACTOR_LABEL = "manage.py demo_province"


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


@dataclass(frozen=True)
class HazardOptions:
    """How many demo hazards, found over how many days up to ``today``."""

    count: int
    seed: int
    today: datetime.date
    now: datetime.datetime
    days: int = 365


@transaction.atomic
def do_generate_demo_city(
    plan: CityPlan, password_hash: str, hazards: HazardOptions | None = None
) -> Organization:
    """Create the planned city, its counties, schools, campuses and logins, every school's
    risk register and responsibility lists, and (with ``hazards``) a year of hidden hazards
    found at its schools.

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
    orgs = {code: (org.pk, org.path) for code, org in orgs_by_code.items()}
    people = {u.username: Person(u.pk, u.display_name) for u in users}
    slots = demo_hazards.city_slots(plan, orgs, people)
    options = hazards or HazardOptions(0, plan.seed, timezone.localdate(), timezone.now())
    risk_points = _store_registers_and_lists(plan, city, orgs, people, slots, options)
    if hazards is not None and hazards.count > 0:
        records = list(
            demo_hazards.generate(
                slots,
                hazards.count,
                seed=hazards.seed,
                today=hazards.today,
                now=hazards.now,
                days=hazards.days,
                escalate_days=escalate_days(),
            )
        )
        risk_links.link_hazards(records, risk_points, risk_links.link_rng(hazards.seed))
        counts = store_hazards(records, city)
        counts.update({"seed": hazards.seed, "days": hazards.days, "until": hazards.today})
        record("demo.hazards", org=city, obj=city, actor_label=ACTOR_LABEL, changes=counts)
    return city


def _store_registers_and_lists(
    plan: CityPlan,
    city: Organization,
    orgs: dict[str, tuple[int, str]],
    people: dict[str, Person],
    slots: list[SchoolSlot],
    options: HazardOptions,
) -> risk_links.PointIndex:
    """Every school's risk register and responsibility lists, one audit row each; returns the
    points hazards may be raised from."""
    registers = demo_risks.registers(
        demo_risks.city_schools(plan, orgs, people),
        library_entries(),
        seed=options.seed,
        today=options.today,
    )
    risk_points = RegisterWriter(options.now).write(registers)
    risk_counts = {**demo_risks.counts(registers), "seed": options.seed, "until": options.today}
    record("demo.risks", org=city, obj=city, actor_label=ACTOR_LABEL, changes=risk_counts)
    posts = duty_lists.posts(
        slots, duty_lists.templates(), seed=options.seed, today=options.today, now=options.now
    )
    duty_counts = duty_lists.write(posts, options.today, options.now)
    record("demo.duties", org=city, obj=city, actor_label=ACTOR_LABEL, changes=duty_counts)
    sink.reset_sequences((*RISK_EXPLICIT_IDS, *duty_lists.EXPLICIT_IDS))
    return risk_points


@transaction.atomic
def do_generate_demo_province(
    plans: list[CityPlan],
    password_hash: str,
    hazards: HazardOptions,
    *,
    timeline: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write a demo province (cities as roots), its schools' risk registers and its hazards
    in one transaction; one audit row. Refuses (Conflict) when the database already holds
    organisations or demo logins."""
    if Organization.objects.exists():
        raise Conflict(_("The database already holds organisations; no demo province was added."))
    if User.objects.filter(username__startswith=PROVINCE_CODE).exists():
        raise Conflict(
            _("Usernames starting with %(code)s are taken, so no demo province was added.")
            % {"code": PROVINCE_CODE}
        )
    writer = ProvinceWriter(password_hash, progress)
    writer.write_cities(plans)
    with sink.checks_deferred(BULK_TABLES), stats_cells.paused():
        # Registers first: the hazards raised from their points need the points' ids.
        writer.write_risks(plans, seed=hazards.seed, today=hazards.today, library=library_entries())
        writer.write_hazards(
            plans,
            hazards.count,
            seed=hazards.seed,
            today=hazards.today,
            days=hazards.days,
            categories=category_ids(),
            escalate_days=escalate_days(),
            timeline=timeline,
        )
    sink.reset_sequences(EXPLICIT_IDS)
    counts: dict[str, Any] = {
        "cities": len(plans),
        "schools": sum(1 for plan in plans for _school in plan.schools()),
        **writer.written.as_dict(),
        "seed": hazards.seed,
        "days": hazards.days,
        "until": hazards.today,
    }
    record("demo.province", actor_label=PROVINCE_ACTOR_LABEL, changes=counts)
    return counts


def escalate_days() -> tuple[int, int]:
    """Days overdue before a hazard goes up to the county, then the city (tick's settings)."""
    return (
        getattr(settings, "HAZARD_ESCALATE_COUNTY_DAYS", 3),
        getattr(settings, "HAZARD_ESCALATE_CITY_DAYS", 7),
    )


def category_ids() -> dict[str, int]:
    """The default categories by code (recreated if a flushed database lost them)."""
    wanted = set(demo_hazards.CATEGORY_WEIGHTS)
    ids = dict(HazardCategory.objects.filter(code__in=wanted).values_list("code", "pk"))
    if set(ids) != wanted:
        ensure_default_categories()
        ids = dict(HazardCategory.objects.filter(code__in=wanted).values_list("code", "pk"))
    return ids


def hazard_counts(records: list[HazardRecord], today: datetime.date) -> dict[str, Any]:
    """What the audit event and the command's summary say about the hazards written."""
    return {
        "hazards": len(records),
        "states": dict(sorted(Counter(r.state for r in records).items())),
        "overdue": sum(1 for r in records if r.is_overdue(today)),
        "major": sum(1 for r in records if r.severity == "major"),
        "supervised": sum(1 for r in records if r.supervising_org_id is not None),
        "immediate": sum(1 for r in records if r.rectification_type == "immediate"),
        "plans": sum(1 for r in records if r.plan is not None),
        "revisits": sum(len(r.revisits) for r in records),
        "reopened": sum(1 for r in records if r.reopened_count),
        "events": sum(len(r.events) for r in records),
        "from_risk_points": sum(1 for r in records if r.risk_point_id is not None),
    }


def store_hazards(records: Iterable[HazardRecord], city: Organization) -> dict[str, Any]:
    """Bulk-insert the records with their timelines, plans and revisits (seed data: no
    per-row actions, audit rows or notifications). Returns their counts."""
    rows = list(records)
    if not rows:
        return hazard_counts(rows, timezone.localdate())
    categories = category_ids()
    created = Hazard.objects.bulk_create(
        [
            Hazard(
                category_id=categories[r.category],
                **{name: getattr(r, name) for name in HAZARD_COLUMNS if name != "category"},
            )
            for r in rows
        ],
        batch_size=BATCH,
    )
    if created[0].pk is None:  # backends without RETURNING: find them by their client id
        ids = dict(
            Hazard.objects.filter(org_path__startswith=city.path).values_list("client_id", "pk")
        )
        for hazard in created:
            hazard.pk = ids[hazard.client_id]
    pairs = [(r, h.pk) for r, h in zip(rows, created, strict=True)]
    HazardEvent.objects.bulk_create(
        [
            HazardEvent(
                hazard_id=pk,
                actor_id=e.actor_id,
                verb=e.verb,
                from_state=e.from_state,
                to_state=e.to_state,
                note=e.note,
                created_at=e.at,
            )
            for r, pk in pairs
            for e in r.events
        ],
        batch_size=BATCH,
    )
    _store_plans([(r, pk) for r, pk in pairs if r.plan is not None])
    revisits = Revisit.objects.bulk_create(
        [
            Revisit(
                hazard_id=pk,
                org_id=v.org_id,
                by_id=v.by_id,
                visited_on=v.visited_on,
                result=v.result,
                note=v.note,
            )
            for r, pk in pairs
            for v in r.revisits
        ],
        batch_size=BATCH,
    )
    # auto_now_add stamped "now" on the way in; the demo's rows carry their story's times.
    if revisits and revisits[0].pk is not None:
        times = [v.created_at for r, _pk in pairs for v in r.revisits]
        for revisit, at in zip(revisits, times, strict=True):
            revisit.created_at = at
        Revisit.objects.bulk_update(revisits, ["created_at"], batch_size=BATCH)
    timeline = HazardEvent.objects.filter(hazard=OuterRef("pk"))
    Hazard.objects.filter(org_path__startswith=city.path).update(
        created_at=Subquery(timeline.order_by("created_at", "id").values("created_at")[:1]),
        updated_at=Subquery(timeline.order_by("-created_at", "-id").values("created_at")[:1]),
    )
    return hazard_counts(rows, timezone.localdate())


def _store_plans(with_plans: list[tuple[HazardRecord, int]]) -> None:
    records = [(r.plan, pk) for r, pk in with_plans if r.plan is not None]
    if not records:
        return
    plans = RectificationPlan.objects.bulk_create(
        [
            RectificationPlan(
                hazard_id=pk,
                measures=plan.measures,
                funds=plan.funds,
                responsible_id=plan.responsible_id,
                interim_measures=plan.interim_measures,
                contingency=plan.contingency,
            )
            for plan, pk in records
        ],
        batch_size=BATCH,
    )
    if plans[0].pk is None:
        hazard_ids = [p.hazard_id for p in plans]
        ids = dict(
            RectificationPlan.objects.filter(hazard_id__in=hazard_ids).values_list(
                "hazard_id", "pk"
            )
        )
        for stored in plans:
            stored.pk = ids[stored.hazard_id]
    milestones = []
    for (plan, _pk), stored in zip(records, plans, strict=True):
        stored.created_at = stored.updated_at = plan.created_at
        milestones += [
            PlanMilestone(
                plan_id=stored.pk,
                title=m.title,
                due_on=m.due_on,
                done_on=m.done_on,
                progress=m.progress,
            )
            for m in plan.milestones
        ]
    RectificationPlan.objects.bulk_update(plans, ["created_at", "updated_at"], batch_size=BATCH)
    PlanMilestone.objects.bulk_create(milestones, batch_size=BATCH)

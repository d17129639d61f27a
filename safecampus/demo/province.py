"""A demo province for benchmarks (DESIGN.md "Scale"): ~14 cities, 30,000 schools, ~300,000
logins, ~450,000 risk points in the schools' registers, and 1,000,000 hidden hazards found
over 3 years.

The tree has no province level (Level is city / county / town / school), so each city is a
root. Each city is planned like the demo city (demo.city) under its own name and code, then
staffed as a real one would be (``staff_city``): every school gets teachers in proportion to
its staff and guards in proportion to its students, every bureau its safety staff, inspectors
(督学) and read-only leaders; the demo city keeps only a login or two per role. The registers
and hazards come from the same generators (demo.risks, demo.hazards) as the demo city's. Rows
are written with COPY on PostgreSQL (demo.sink), in explicit id order, so a province takes
minutes, not hours.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.analytics.models import HazardCount
from safecampus.demo import hazards as demo_hazards
from safecampus.demo import names, risk_links, risk_store, sink
from safecampus.demo import risks as demo_risks
from safecampus.demo.city import BureauPlan, CityIdentity, CityPlan, Login, SchoolPlan, plan_city
from safecampus.demo.hazard_records import HAZARD_COLUMNS, HazardRecord, Person
from safecampus.demo.mix import apportion
from safecampus.hazards.models import (
    Hazard,
    HazardEvent,
    PlanMilestone,
    RectificationPlan,
    Revisit,
)
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Campus, Membership, Organization
from safecampus.orgs.roles import Role

PROVINCE_CODE = "99"  # no real province has it: every demo code starts with 99
DEFAULT_SEED = 2012
DEFAULT_CITIES = 14
DEFAULT_SCHOOLS = 30_000
DEFAULT_HAZARDS = 1_000_000
DEFAULT_YEARS = 3
CHUNK = 20_000  # hazards generated and written per round
LOGIN_CHUNK = 50_000  # users (and their memberships) written per round

# Who holds a login, beyond the principal and the safety officer every school has. Teachers
# report hazards from the classroom and the playground: one in seven staff (the class teachers
# and those on safety duty, 安全值日) rather than all of them. A school keeps a guard on duty
# (专职保安) and one more per full thousand students. 30,000 schools then have ~300,000 logins.
STAFF_PER_TEACHER_LOGIN = 7
STUDENTS_PER_EXTRA_GUARD = 1000
# Bureaus: a county's safety section grows with its schools, and its inspectors (责任督学)
# each look after about ten schools; a city adds a few staff per thousand schools and an
# inspector per five of the schools it runs itself (市直).
COUNTY_SCHOOLS_PER_STAFF = 100
COUNTY_SCHOOLS_PER_INSPECTOR = 10
COUNTY_VIEWERS = 2
CITY_STAFF = 4
CITY_SCHOOLS_PER_EXTRA_STAFF = 1000
CITY_INSPECTORS = 6
CITY_DIRECT_SCHOOLS_PER_INSPECTOR = 5
CITY_VIEWERS = 3

ORG_COLUMNS = (
    "id",
    "path",
    "depth",
    "numchild",
    "level",
    "code",
    "name",
    "status",
    "address",
    "phone",
    "school_kind",
    "ownership",
    "licensed",
    "principal_name",
    "safety_officer_name",
    "students",
    "staff",
    "boarding",
    "created_at",
    "updated_at",
)
USER_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "display_name",
    "phone",
    "must_change_password",
    "session_version",
)
MEMBERSHIP_ROW = ("user_id", "org_id", "role", "created_at")
HAZARD_ROW = ("id", *("category_id" if c == "category" else c for c in HAZARD_COLUMNS))
_CATEGORY = HAZARD_COLUMNS.index("category")
EVENT_ROW = ("hazard_id", "actor_id", "verb", "from_state", "to_state", "note", "created_at")
PLAN_ROW = (
    "id",
    "hazard_id",
    "measures",
    "funds",
    "responsible_id",
    "interim_measures",
    "contingency",
    "created_at",
    "updated_at",
)
MILESTONE_ROW = ("plan_id", "title", "due_on", "done_on", "progress")
REVISIT_ROW = ("hazard_id", "org_id", "by_id", "visited_on", "result", "note", "created_at")
# Tables written, for VACUUM ANALYZE; those given explicit ids need their sequences moved on.
WRITTEN = (
    Organization,
    Campus,
    User,
    Membership,
    Hazard,
    HazardEvent,
    RectificationPlan,
    PlanMilestone,
    Revisit,
    HazardCount,
    *risk_store.TABLES,
)
EXPLICIT_IDS = (Organization, User, Hazard, RectificationPlan, *risk_store.EXPLICIT_IDS)
# The big tables: their indexes and foreign keys are built after the load (sink.checks_deferred).
BULK_TABLES = (Hazard, HazardEvent, *risk_store.TABLES)


def city_identities(seed: int, count: int) -> list[CityIdentity]:
    """Distinct fictional cities 9901xx, 9902xx ... with two-character names (青阳市)."""
    places = names.place_names(random.Random(f"province-{seed}"))
    return [
        CityIdentity(
            name=f"{base}市",
            base=base,
            code=f"{PROVINCE_CODE}{i:02d}00",
            area_code=f"09{i:02d}",
            prefixed_logins=True,
        )
        for i, base in zip(range(1, count + 1), places, strict=False)
    ]


def plan_province(seed: int, cities: int, schools: int) -> list[CityPlan]:
    """Cities of uneven size (±40%) that add up to ``schools``, fully staffed."""
    rng = random.Random(seed)
    sizes = apportion(schools, [rng.uniform(0.6, 1.4) for _ in range(cities)])
    return [
        staff_city(plan_city(seed * 1000 + i, size, identity), random.Random(f"staff-{seed}-{i}"))
        for i, (size, identity) in enumerate(zip(sizes, city_identities(seed, cities), strict=True))
    ]


def school_staffing(students: int, staff: int) -> dict[str, int]:
    """How many teacher and guard logins a school of this size has."""
    return {
        Role.TEACHER: max(1, round(staff / STAFF_PER_TEACHER_LOGIN)),
        Role.GUARD: 1 + students // STUDENTS_PER_EXTRA_GUARD,
    }


def bureau_staffing(level: str, schools: int, direct_schools: int) -> dict[str, int]:
    """How many staff, inspector and viewer logins a bureau has: ``schools`` in its area,
    ``direct_schools`` of them its own (a city's 市直 schools)."""
    if level == Level.CITY:
        return {
            Role.CITY_STAFF: CITY_STAFF + schools // CITY_SCHOOLS_PER_EXTRA_STAFF,
            Role.INSPECTOR: CITY_INSPECTORS + direct_schools // CITY_DIRECT_SCHOOLS_PER_INSPECTOR,
            Role.VIEWER: CITY_VIEWERS,
        }
    return {
        Role.COUNTY_STAFF: 2 + schools // COUNTY_SCHOOLS_PER_STAFF,
        Role.INSPECTOR: max(2, round(schools / COUNTY_SCHOOLS_PER_INSPECTOR)),
        Role.VIEWER: COUNTY_VIEWERS,
    }


def staff_city(plan: CityPlan, rng: random.Random) -> CityPlan:
    """The planned city with every school and bureau staffed (see STAFF_PER_TEACHER_LOGIN)."""
    total = sum(1 for _ in plan.schools())

    def school(s: SchoolPlan) -> SchoolPlan:
        wanted = school_staffing(s.students, s.staff)
        return replace(s, logins=_staffed(rng, s.code, s.logins, wanted))

    def bureau(b: BureauPlan, schools: int) -> BureauPlan:
        wanted = bureau_staffing(b.level, schools, len(b.schools))
        logins = _staffed(rng, b.code, b.logins, wanted)
        return replace(b, logins=logins, schools=tuple(school(s) for s in b.schools))

    return replace(
        plan,
        city=bureau(plan.city, total),
        counties=tuple(bureau(c, len(c.schools)) for c in plan.counties),
    )


# The username word of each role ("990101_inspector", "990101_inspector2" ...).
_LOGIN_WORDS: dict[str, str] = {
    Role.CITY_STAFF: "staff",
    Role.COUNTY_STAFF: "staff",
    Role.INSPECTOR: "inspector",
    Role.VIEWER: "viewer",
    Role.TEACHER: "teacher",
    Role.GUARD: "guard",
}


def _staffed(
    rng: random.Random, code: str, logins: tuple[Login, ...], wanted: dict[str, int]
) -> tuple[Login, ...]:
    """``logins`` grown to ``wanted`` logins of each role. The demo city's well-known login
    of a role ("…_teacher") comes last among its role's: the hazard generator takes the last
    login of each role as the one who finds, fixes or checks hazards (demo.hazards.city_slots),
    so those stay the logins a demo user tries first."""
    have = {login.role for login in logins}
    planned = [*logins]
    planned += [Login(f"{code}_{_LOGIN_WORDS[r]}", "", r) for r in wanted if r not in have]
    out: list[Login] = []
    for login in planned:
        word = _LOGIN_WORDS.get(login.role, "")
        out += [
            Login(f"{code}_{word}{n}", names.person_name(rng), login.role)
            for n in range(2, wanted.get(login.role, 0) + 1)
        ]
        out.append(
            login if login.display_name else replace(login, display_name=names.person_name(rng))
        )
    return tuple(out)


@dataclass
class Written:
    orgs: int = 0
    campuses: int = 0
    users: int = 0
    memberships: int = 0
    hazards: int = 0
    events: int = 0
    plans: int = 0
    revisits: int = 0
    campus_areas: int = 0
    risk_points: int = 0
    risk_assessments: int = 0
    hazards_from_risk_points: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


Progress = Callable[[str, int], None]


class ProvinceWriter:
    """Writes planned cities and their hazards; the caller holds the transaction."""

    def __init__(self, password_hash: str, progress: Progress | None = None):
        self.password_hash = password_hash
        self.now = timezone.now()
        self.progress = progress or (lambda what, n: None)
        self.written = Written()
        self.orgs: dict[str, tuple[int, str]] = {}  # code -> (id, path)
        self.people: dict[str, Person] = {}  # username -> person
        self.risk_points: risk_links.PointIndex = {}  # what hazards may be raised from
        self.link_rng = risk_links.link_rng(0)  # seeded again by write_risks

    # --- organisations and logins ---------------------------------------------------------

    def write_cities(self, plans: list[CityPlan]) -> None:
        org_id, user_id = sink.next_id(Organization), sink.next_id(User)
        roots = Organization.objects.filter(depth=1).count()
        org_rows: list[tuple[Any, ...]] = []
        for step, plan in enumerate(plans, start=roots + 1):
            org_id = self._city_rows(plan, step, org_id, org_rows)
        self.written.orgs = sink.write(Organization, ORG_COLUMNS, org_rows)
        self.written.campuses = sink.write(
            Campus, ("school_id", "name", "address", "is_main"), self._campus_rows(plans)
        )
        self.progress("orgs", self.written.orgs)
        logins = ((login, code) for plan in plans for login, code in plan.logins())
        while chunk := list(itertools.islice(logins, LOGIN_CHUNK)):
            users, memberships = [], []
            for login, code in chunk:
                self.people[login.username] = Person(user_id, login.display_name)
                users.append(self._user_row(user_id, login.username, login.display_name))
                memberships.append((user_id, self.orgs[code][0], login.role, self.now))
                user_id += 1
            self.written.users += sink.write(User, USER_COLUMNS, users)
            self.written.memberships += sink.write(Membership, MEMBERSHIP_ROW, memberships)
        self.progress("users", self.written.users)

    def _city_rows(self, plan: CityPlan, step: int, next_id: int, rows: list[Any]) -> int:
        city_path = Organization._get_path("", 1, step)
        children: list[tuple[Any, str, int]] = [
            (c, Level.COUNTY, len(c.schools)) for c in plan.counties
        ]
        children += [(s, Level.SCHOOL, 0) for s in plan.city.schools]
        rows.append(self._org_row(next_id, city_path, plan.city, Level.CITY, len(children)))
        self.orgs[plan.city.code] = (next_id, city_path)
        next_id += 1
        for child_step, (child, level, numchild) in enumerate(children, start=1):
            path = Organization._get_path(city_path, 2, child_step)
            rows.append(self._org_row(next_id, path, child, level, numchild))
            self.orgs[child.code] = (next_id, path)
            next_id += 1
        for county in plan.counties:
            county_path = self.orgs[county.code][1]
            for school_step, school in enumerate(county.schools, start=1):
                path = Organization._get_path(county_path, 3, school_step)
                rows.append(self._org_row(next_id, path, school, Level.SCHOOL, 0))
                self.orgs[school.code] = (next_id, path)
                next_id += 1
        return next_id

    def _org_row(self, pk: int, path: str, plan: Any, level: str, numchild: int) -> tuple[Any, ...]:
        school = plan if isinstance(plan, SchoolPlan) else None
        return (
            pk,
            path,
            len(path) // Organization.steplen,
            numchild,
            level,
            plan.code,
            plan.name,
            OrgStatus.ACTIVE.value,
            plan.address,
            plan.phone,
            school.kind if school else "",
            school.ownership if school else "",
            school.licensed if school else True,
            school.principal_name if school else "",
            school.safety_officer_name if school else "",
            school.students if school else 0,
            school.staff if school else 0,
            school.boarding if school else False,
            self.now,
            self.now,
        )

    def _campus_rows(self, plans: list[CityPlan]) -> Iterator[tuple[Any, ...]]:
        for plan in plans:
            for school in plan.schools():
                for campus in school.campuses:
                    yield (self.orgs[school.code][0], campus.name, campus.address, campus.is_main)

    def _user_row(self, pk: int, username: str, display_name: str) -> tuple[Any, ...]:
        return (
            pk,
            self.password_hash,
            False,
            username,
            "",
            "",
            f"{username}@example.com",
            False,
            True,
            self.now,
            display_name,
            "",
            False,
            0,
        )

    # --- risk registers -------------------------------------------------------------------

    def write_risks(
        self,
        plans: list[CityPlan],
        *,
        seed: int,
        today: datetime.date,
        library: list[demo_risks.LibraryEntry],
    ) -> None:
        """Every school's register, a city at a time (each city graded to the demo mix)."""
        writer = risk_store.RegisterWriter(self.now)
        for i, plan in enumerate(plans):
            schools = demo_risks.city_schools(plan, self.orgs, self.people)
            registers = demo_risks.registers(schools, library, seed=f"{seed}-{i}", today=today)
            self.risk_points.update(writer.write(registers))
        self.written.campus_areas = writer.areas
        self.written.risk_points = writer.points
        self.written.risk_assessments = writer.assessments
        self.link_rng = risk_links.link_rng(seed)
        self.progress("risks", writer.points)

    # --- hazards --------------------------------------------------------------------------

    def write_hazards(
        self,
        plans: list[CityPlan],
        count: int,
        *,
        seed: int,
        today: datetime.date,
        days: int,
        categories: dict[str, int],
        escalate_days: tuple[int, int],
        timeline: bool = True,
    ) -> None:
        slots = [s for plan in plans for s in demo_hazards.city_slots(plan, self.orgs, self.people)]
        records = demo_hazards.generate(
            slots,
            count,
            seed=seed,
            today=today,
            now=self.now,
            days=days,
            escalate_days=escalate_days,
        )
        hazard_id, plan_id = sink.next_id(Hazard), sink.next_id(RectificationPlan)
        while chunk := list(itertools.islice(records, CHUNK)):
            self.written.hazards_from_risk_points += risk_links.link_hazards(
                chunk, self.risk_points, self.link_rng
            )
            ids = range(hazard_id, hazard_id + len(chunk))
            hazard_id += len(chunk)
            self.written.hazards += sink.write(
                Hazard, HAZARD_ROW, _hazard_rows(chunk, ids, categories)
            )
            if timeline:
                self.written.events += sink.write(HazardEvent, EVENT_ROW, _event_rows(chunk, ids))
            plan_id = self._write_plans(chunk, ids, plan_id)
            self.written.revisits += sink.write(Revisit, REVISIT_ROW, _revisit_rows(chunk, ids))
            self.progress("hazards", self.written.hazards)

    def _write_plans(self, chunk: list[HazardRecord], ids: Iterable[int], plan_id: int) -> int:
        plans, milestones = [], []
        for record, pk in zip(chunk, ids, strict=True):
            plan = record.plan
            if plan is None:
                continue
            plans.append(
                (
                    plan_id,
                    pk,
                    plan.measures,
                    plan.funds,
                    plan.responsible_id,
                    plan.interim_measures,
                    plan.contingency,
                    plan.created_at,
                    plan.created_at,
                )
            )
            milestones += [
                (plan_id, m.title, m.due_on, m.done_on, m.progress) for m in plan.milestones
            ]
            plan_id += 1
        self.written.plans += sink.write(RectificationPlan, PLAN_ROW, plans)
        sink.write(PlanMilestone, MILESTONE_ROW, milestones)
        return plan_id


def _hazard_rows(
    chunk: list[HazardRecord], ids: Iterable[int], categories: dict[str, int]
) -> Iterator[tuple[Any, ...]]:
    for record, pk in zip(chunk, ids, strict=True):
        values = [getattr(record, name) for name in HAZARD_COLUMNS]
        values[_CATEGORY] = categories[record.category]
        yield (pk, *values)


def _event_rows(chunk: list[HazardRecord], ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
    for record, pk in zip(chunk, ids, strict=True):
        for e in record.events:
            yield (pk, e.actor_id, e.verb, e.from_state, e.to_state, e.note, e.at)


def _revisit_rows(chunk: list[HazardRecord], ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
    for record, pk in zip(chunk, ids, strict=True):
        for v in record.revisits:
            yield (pk, v.org_id, v.by_id, v.visited_on, v.result, v.note, v.created_at)

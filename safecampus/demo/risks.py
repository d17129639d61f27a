"""Demo risk registers (风险清单, DOMAIN.md §3): every school's risk points from the standard
library, graded with the default LEC policy, as plain records.

Nothing here touches the database: ``registers()`` turns schools (with the ids of their people)
and the library into registers, and demo.risk_store writes them (for the demo city and each
city of the province); demo.risk_links then raises a few open demo hazards from their points.

How the levels come out: of all the points of one call, 10% are not graded yet (just added to
the register); the graded ones are ranked by the library's suggested L×S plus noise, and the
top 3% are red, the next 12% orange, 40% yellow and the last 45% blue. Each then gets LEC
factors whose product falls in its level's band (the consequence factor C follows the library's
suggested severity), so the stored level is exactly what the default policy makes of the score.
One in twenty graded points has been graded twice, the second time higher.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from safecampus.demo import risk_texts as texts
from safecampus.demo.city import CityPlan, SchoolPlan
from safecampus.demo.hazard_records import Person
from safecampus.demo.mix import apportion
from safecampus.orgs.choices import SchoolKind as K
from safecampus.orgs.roles import Role
from safecampus.risks.choices import LEC_C, LEC_E, LEC_L, REVIEW_DAYS, Level, Reason
from safecampus.risks.grading import default_policy

# How many points a school's register has: (smallest, largest) by kind; bigger schools nearer
# the top (more buildings, more activities).
POINTS: dict[str, tuple[int, int]] = {
    K.KINDERGARTEN: (12, 18),
    K.PRIMARY: (14, 21),
    K.JUNIOR: (16, 24),
    K.SENIOR: (16, 24),
    K.NINE_YEAR: (16, 25),
    K.TWELVE_YEAR: (18, 25),
    K.VOCATIONAL: (18, 25),
    K.SPECIAL: (14, 20),
    K.TRAINING: (12, 14),
}
FULL_SIZE_STUDENTS = 2500
# Every register has a point of each of these where the library has one for the school (and a
# boarding school one of its dormitories).
CORE_CATEGORIES = ("gate_security", "fire", "buildings", "electricity_gas", "food")
UNGRADED_SHARE = 0.10
LEVELS = tuple(Level.values)  # red first
LEVEL_MIX: dict[str, int] = {
    Level.RED.value: 3,
    Level.ORANGE.value: 12,
    Level.YELLOW.value: 40,
    Level.BLUE.value: 45,
}
ROSE_SHARE = 0.05  # of the graded points: graded a second time, higher
RISK_NOISE = 8.0  # added to the suggested L×S (6–15) before ranking
# The consequence factor C (DOMAIN.md §3.3) for the library's suggested severity S (1–5).
C_FOR_S: dict[int, tuple[Decimal, ...]] = {
    1: (Decimal(1), Decimal(3)),
    2: (Decimal(3), Decimal(7)),
    3: (Decimal(7), Decimal(15)),
    4: (Decimal(15), Decimal(40)),
    5: (Decimal(40), Decimal(100)),
}


@dataclass(frozen=True)
class LibraryEntry:
    """A standard library item as the generator needs it."""

    id: int
    category_id: int
    category: str  # its code
    sort: int  # its category's place in lists
    code: str
    school_kinds: tuple[str, ...]
    frequency: str
    hazard: str
    consequences: str
    measures: str
    suggested_l: int | None
    suggested_s: int | None

    def applies_to(self, kind: str) -> bool:
        return "all" in self.school_kinds or kind in self.school_kinds


@dataclass(frozen=True)
class RiskSchool:
    org_id: int
    path: str
    kind: str
    boarding: bool
    students: int
    principal: Person
    safety: Person


@dataclass(slots=True)
class Assessment:
    likelihood: Decimal
    exposure: Decimal
    consequence: Decimal
    score: Decimal
    level: str
    reason: str
    note: str
    assessed_on: datetime.date
    assessed_by_id: int


@dataclass(slots=True)
class Point:
    school: RiskSchool
    entry: LibraryEntry
    area: str | None  # the area's name at this school
    location: str
    responsible_post: str
    responsible_id: int
    emergency_measures: str
    created_on: datetime.date | None = None  # added to the register
    level: str = ""
    previous_level: str = ""
    score: Decimal | None = None
    assessed_on: datetime.date | None = None
    review_on: datetime.date | None = None
    assessments: list[Assessment] = field(default_factory=list)  # oldest first


@dataclass
class Register:
    school: RiskSchool
    areas: list[tuple[str, int]]  # (name, sort)
    points: list[Point]


# --- which schools ----------------------------------------------------------------------------


def city_schools(
    plan: CityPlan, orgs: Mapping[str, tuple[int, str]], people: Mapping[str, Person]
) -> list[RiskSchool]:
    """The planned city's schools: ``orgs`` maps an org code to its (id, path), ``people`` a
    username to the stored person (as demo.hazards.city_slots)."""

    def school(s: SchoolPlan) -> RiskSchool:
        roles = {login.role: login.username for login in s.logins}
        org_id, path = orgs[s.code]
        return RiskSchool(
            org_id=org_id,
            path=path,
            kind=s.kind,
            boarding=s.boarding,
            students=s.students,
            principal=people[roles[Role.PRINCIPAL]],
            safety=people[roles[Role.SAFETY_OFFICER]],
        )

    return [school(s) for s in plan.schools()]


# --- the registers ----------------------------------------------------------------------------


def registers(
    schools: Sequence[RiskSchool],
    library: Sequence[LibraryEntry],
    *,
    seed: int | str,
    today: datetime.date,
) -> list[Register]:
    """A graded register for each school, deterministic for the same arguments."""
    rng = random.Random(f"safecampus-demo-risks-{seed}")
    chooser = _Chooser(rng, library)
    out = [chooser.register(school) for school in schools]
    _grade(rng, [p for r in out for p in r.points], today)
    return out


class _Chooser:
    """Which library entries go into a school's register, and where they sit."""

    def __init__(self, rng: random.Random, library: Sequence[LibraryEntry]):
        self.rng = rng
        self.library = sorted(library, key=lambda e: (e.sort, e.code))
        self.pools: dict[tuple[str, bool], tuple[list[LibraryEntry], list[list[LibraryEntry]]]] = {}

    def _pool(
        self, kind: str, boarding: bool
    ) -> tuple[list[LibraryEntry], list[list[LibraryEntry]]]:
        """The entries for a school of this kind, and those of each core category."""
        key = (kind, boarding)
        if key not in self.pools:
            # Day schools have no dormitory; a kindergarten has its nap room (午睡室) instead.
            nap_room = kind == K.KINDERGARTEN
            pool = [
                e
                for e in self.library
                if e.applies_to(kind)
                and (
                    e.category != "dormitory"
                    or boarding
                    or (nap_room and "all" not in e.school_kinds)
                )
            ]
            wanted = CORE_CATEGORIES + (("dormitory",) if boarding else ())
            core = [[e for e in pool if e.category == c] for c in wanted]
            self.pools[key] = (pool, [entries for entries in core if entries])
        return self.pools[key]

    def register(self, school: RiskSchool) -> Register:
        rng = self.rng
        pool, core = self._pool(school.kind, school.boarding)
        lo, hi = POINTS.get(school.kind, (12, 20))
        size = min(1.0, school.students / FULL_SIZE_STUDENTS)
        wanted = min(len(pool), lo + round((hi - lo) * (rng.random() + size) / 2))
        chosen = [rng.choice(entries) for entries in core]
        taken = {e.id for e in chosen}
        rest = [e for e in pool if e.id not in taken]
        chosen += rng.sample(rest, max(0, wanted - len(chosen)))
        chosen.sort(key=lambda e: (e.sort, e.code))
        kindergarten = 1 if school.kind == K.KINDERGARTEN else 0
        base = texts.BASE_AREAS.get(school.kind, texts.DEFAULT_BASE_AREAS)
        keys = set(base) | {texts.CATEGORY_AREA[e.category] for e in chosen} - {None}
        order = list(texts.AREAS)
        areas = [
            (texts.AREAS[k][kindergarten], (order.index(k) + 1) * 10) for k in order if k in keys
        ]
        points = []
        for entry in chosen:
            key = texts.CATEGORY_AREA[entry.category]
            points.append(
                Point(
                    school=school,
                    entry=entry,
                    area=texts.AREAS[key][kindergarten] if key else None,
                    location="" if key else texts.CATEGORY_LOCATION.get(entry.category, ""),
                    responsible_post=texts.CATEGORY_POST[entry.category],
                    responsible_id=school.safety.id,
                    emergency_measures=texts.EMERGENCY[entry.category],
                )
            )
        return Register(school, areas, points)


def _combos() -> dict[str, list[tuple[Decimal, Decimal, Decimal, Decimal]]]:
    """Every LEC triple by the level the default policy gives its product. L 0.1 and E 0.5
    ("practically impossible", "very rarely exposed") are left out: a school registers the
    risks it lives with."""
    policy = default_policy()
    by_level: dict[str, list[tuple[Decimal, Decimal, Decimal, Decimal]]] = {
        level: [] for level in LEVELS
    }
    for likelihood, exposure, consequence in itertools.product(LEC_L[1:], LEC_E[1:], LEC_C):
        product = likelihood * exposure * consequence
        by_level[policy.level(product)].append((likelihood, exposure, consequence, product))
    return by_level


COMBOS = _combos()


@functools.cache
def _fitting(
    level: str, consequences: tuple[Decimal, ...]
) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    return [c for c in COMBOS[level] if c[2] in consequences] or COMBOS[level]


def _factors(
    rng: random.Random, level: str, entry: LibraryEntry, consequence: Decimal | None = None
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """LEC factors graded ``level``: C as the entry's severity suggests (or as given)."""
    if consequence is not None:
        wanted: tuple[Decimal, ...] = (consequence,)
    else:
        wanted = C_FOR_S.get(entry.suggested_s or 0, LEC_C)
    return rng.choice(_fitting(level, wanted))


def _grade(rng: random.Random, points: list[Point], today: datetime.date) -> None:
    ungraded = set(rng.sample(range(len(points)), round(len(points) * UNGRADED_SHARE)))
    graded = [p for i, p in enumerate(points) if i not in ungraded]
    for i in ungraded:  # added to the register lately, not graded yet
        points[i].created_on = today - datetime.timedelta(days=rng.randint(0, 60))

    def risk(point: Point) -> float:
        e = point.entry
        return (e.suggested_l or 2) * (e.suggested_s or 4) + rng.random() * RISK_NOISE

    ranked = sorted(((risk(p), i) for i, p in enumerate(graded)), reverse=True)
    counts = apportion(len(graded), list(LEVEL_MIX.values()))
    levels = [level for level, n in zip(LEVEL_MIX, counts, strict=True) for _ in range(n)]
    target = {i: level for (_risk, i), level in zip(ranked, levels, strict=True)}
    not_blue = [i for i in range(len(graded)) if target[i] != Level.BLUE]
    rose = set(rng.sample(not_blue, min(len(not_blue), round(len(graded) * ROSE_SHARE))))
    for i, point in enumerate(graded):
        _assess(rng, point, target[i], today, rose=i in rose)


def _assess(
    rng: random.Random, point: Point, level: str, today: datetime.date, *, rose: bool
) -> None:
    """The point's assessments, oldest first, ending at ``level``; its review is due a level's
    interval after the last one, so about one in ten reviews is overdue."""
    school = point.school
    review = REVIEW_DAYS[Level(level)]
    age = rng.randint(0, round(review * 1.1))
    assessed_on = today - datetime.timedelta(days=age)
    by = school.principal if level == Level.RED else school.safety
    likelihood, exposure, consequence, product = _factors(rng, level, point.entry)
    if rose:
        before = LEVELS[LEVELS.index(level) + 1]  # one grade lower
        first_on = assessed_on - datetime.timedelta(days=rng.randint(30, 240))
        fl, fe, fc, fp = _factors(rng, before, point.entry, consequence)
        point.assessments.append(
            Assessment(fl, fe, fc, fp, before, Reason.INITIAL.value, "", first_on, school.safety.id)
        )
        point.previous_level = before
        reason = rng.choice(list(texts.REASSESSMENT_NOTES))
        note = rng.choice(texts.REASSESSMENT_NOTES[reason])
    else:
        reason, note = Reason.INITIAL.value, ""
    point.assessments.append(
        Assessment(
            likelihood, exposure, consequence, product, level, reason, note, assessed_on, by.id
        )
    )
    point.created_on = point.assessments[0].assessed_on - datetime.timedelta(
        days=rng.randint(0, 14)
    )
    point.level = level
    point.score = product
    point.assessed_on = assessed_on
    point.review_on = assessed_on + datetime.timedelta(days=review)
    if level in (Level.RED, Level.ORANGE):
        point.responsible_id = school.principal.id  # §3.3: the head controls the top grades
    if level == Level.RED:
        point.responsible_post = texts.HEAD_POST[1 if school.kind == K.KINDERGARTEN else 0]


def counts(written: Sequence[Register]) -> dict[str, object]:
    """What the audit event and the summaries say about the registers."""
    points = [p for r in written for p in r.points]
    levels = {level: sum(1 for p in points if p.level == level) for level in LEVELS}
    return {
        "registers": sum(1 for r in written if r.points),
        "points": len(points),
        "levels": levels,
        "ungraded": sum(1 for p in points if not p.level),
        "rose": sum(1 for p in points if p.previous_level),
        "assessments": sum(len(p.assessments) for p in points),
        "areas": sum(len(r.areas) for r in written),
    }

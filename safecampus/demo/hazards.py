"""Demo hidden hazards (隐患): years of a ledger from a seed, as plain records (DOMAIN.md §4).

Nothing here touches the database: ``generate()`` turns schools (with the ids of their people)
into hazard records with their timeline, plans and revisits, and the writers (demo.actions for
a city through the ORM, demo.province through COPY) store them.

How a record is made: its *story* is chosen first (closed on time, overdue while rectifying,
dismissed ...) from a fixed mix, then the durations of each step (assign, start, submit,
verify), and only then the date it was found, inside the window of dates for which the story
is "now" exactly at that point. So every size of demo has every state in the intended
proportions, hazards found long ago are closed, and open ones are recent or overdue.

The mix echoes the seeds (§4.4): about a thousand hazards a year in a city of ~2,000 schools,
nearly all rectified; campus internal > surrounding public order > traffic > food > culture
venues, and a large "other"; ~8% major. Deadlines: 7 days for a general hazard, 30 for a
complex one (§13.6), a major one per its plan.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence

from safecampus.demo import hazard_texts as texts
from safecampus.demo.city import BureauPlan, CityPlan, Login, SchoolPlan
from safecampus.demo.hazard_records import Bureau, HazardRecord, Person, SchoolSlot
from safecampus.demo.hazard_story import Clock, Story
from safecampus.demo.mix import apportion
from safecampus.hazards.choices import RectificationType, Severity, Source
from safecampus.orgs.choices import Level
from safecampus.orgs.roles import Role

HAZARDS_PER_SCHOOL = 0.65  # 1,935 schools → ~1,260 a year ("1000余处", §4.4)
MIN_HAZARDS = 60  # a ten-school demo still shows every state

# Share of a year's hazards per category (§4.4: campus internal 300+ > nearby public order
# 200+ > traffic 100+ > food 50+ > culture venues 20+; the rest is "other" and smaller themes).
CATEGORY_WEIGHTS: dict[str, int] = {
    "campus_security": 210,
    "surrounding_security": 200,
    "other": 170,
    "traffic": 110,
    "fire": 80,
    "buildings": 60,
    "food": 60,
    "drowning": 30,
    "culture_venues": 25,
    "health": 25,
    "bullying": 12,
    "school_running": 10,
    "special_groups": 8,
}
# Beyond the school's own power (a shop, a road): reported by police and the public more
# often, never "fixed on the spot".
EXTERNAL = frozenset({"surrounding_security", "culture_venues", "traffic"})
SOURCE_WEIGHTS: dict[str, int] = {
    Source.SELF_CHECK: 55,
    Source.COUNTY_INSPECTION: 14,
    Source.UNANNOUNCED: 8,
    Source.POLICE: 7,
    Source.PUBLIC: 6,
    Source.OTHER: 6,
    Source.CITY_INSPECTION: 4,
}

# Stories and their share: closed ones per year of history, open ones near "today" only.
CLOSED_STORIES: dict[str, float] = {
    "closed_immediate": 0.20,  # 立查立改
    "closed_on_time": 0.52,
    "closed_late": 0.08,
    "closed_rejected": 0.03,  # failed verification once, then passed
    "closed_recurred": 0.01,  # 回头看 found it back, fixed again
    "dismissed": 0.03,
}
OPEN_STORIES: dict[str, float] = {
    "reported": 0.015,
    "assigned": 0.02,
    "rectifying": 0.035,
    "awaiting": 0.015,
    "overdue_assigned": 0.005,
    "overdue_rectifying": 0.025,
    "overdue_awaiting": 0.005,
    "recurred_open": 0.005,
}
# A small demo still shows each of these at least once (when it has enough hazards).
ALWAYS: tuple[str, ...] = (
    "dismissed",
    "reported",
    "assigned",
    "rectifying",
    "awaiting",
    "overdue_rectifying",
    "overdue_assigned",
    "recurred_open",
    "closed_recurred",
)
# The first hazard of these stories is a major one listed for supervision by this level.
SHOWCASE_SUPERVISION = {
    "overdue_rectifying": "county",
    "rectifying": "city",
    "closed_late": "county",
}


def default_count(schools: int) -> int:
    return max(MIN_HAZARDS, round(schools * HAZARDS_PER_SCHOOL))


def school_weight(students: int) -> float:
    """Bigger schools find more hazards, but not in proportion to their size."""
    return 0.5 + students**0.5 / 20


def city_slots(
    plan: CityPlan, orgs: Mapping[str, tuple[int, str]], people: Mapping[str, Person]
) -> list[SchoolSlot]:
    """The schools of a planned city as hazard slots: ``orgs`` maps an org code to its
    (id, path), ``people`` a username to the stored person."""

    def by_role(logins: Sequence[Login]) -> dict[str, Person]:
        return {login.role: people[login.username] for login in logins}

    def bureau(plan: BureauPlan) -> Bureau:
        roles = by_role(plan.logins)
        return Bureau(
            org_id=orgs[plan.code][0],
            name=plan.name,
            admin=roles[Role.CITY_ADMIN if plan.level == Level.CITY else Role.COUNTY_ADMIN],
            staff=roles[Role.CITY_STAFF if plan.level == Level.CITY else Role.COUNTY_STAFF],
            inspector=roles[Role.INSPECTOR],
        )

    def slot(school: SchoolPlan, county: Bureau | None, city: Bureau) -> SchoolSlot:
        roles = by_role(school.logins)
        org_id, path = orgs[school.code]
        return SchoolSlot(
            org_id=org_id,
            path=path,
            weight=school_weight(school.students),
            principal=roles[Role.PRINCIPAL],
            safety=roles[Role.SAFETY_OFFICER],
            teacher=roles.get(Role.TEACHER),
            guard=roles.get(Role.GUARD),
            county=county,
            city=city,
        )

    city = bureau(plan.city)
    slots = [slot(school, None, city) for school in plan.city.schools]
    for county_plan in plan.counties:
        county = bureau(county_plan)
        slots.extend(slot(school, county, city) for school in county_plan.schools)
    return slots


def story_counts(count: int, years: float = 1.0) -> dict[str, int]:
    """How many hazards of each story: closed ones accumulate over the years, open ones not."""
    weights = {name: share * years for name, share in CLOSED_STORIES.items()}
    weights.update(OPEN_STORIES)
    counts = dict(zip(weights, apportion(count, list(weights.values())), strict=True))
    if count >= 3 * len(ALWAYS):
        for name in ALWAYS:
            if counts[name] == 0:
                counts[name] = 1
                counts["closed_on_time"] -= 1
    return counts


def day_weights(today: datetime.date, days: int) -> list[float]:
    """How likely a hazard is found ``age`` days before today (index = age): school days more
    than weekends and holidays; the three city-wide sweeps a year (§4.4) most of all."""
    weights = []
    for age in range(days):
        day = today - datetime.timedelta(days=age)
        weight = 1.0
        if day.weekday() >= 5:
            weight *= 0.3
        month_day = (day.month, day.day)
        if (7, 10) <= month_day <= (8, 28) or (1, 20) <= month_day <= (2, 20):
            weight *= 0.3  # summer and winter holidays
        if (3, 1) <= month_day <= (3, 20) or (9, 1) <= month_day <= (9, 20):
            weight *= 2.5  # sweeps at the start of each term
        elif (12, 1) <= month_day <= (12, 15):
            weight *= 2.5  # and before the winter holiday
        weights.append(weight)
    return weights


def generate(
    slots: Sequence[SchoolSlot],
    count: int,
    *,
    seed: int,
    today: datetime.date,
    now: datetime.datetime,
    days: int = 365,
    escalate_days: tuple[int, int] = (3, 7),
) -> Iterator[HazardRecord]:
    """``count`` hazards found at ``slots`` over the ``days`` up to ``today``, deterministic
    for the same arguments. ``escalate_days``: days overdue before escalation to the county,
    then the city (settings.HAZARD_ESCALATE_*_DAYS)."""
    if not slots or count <= 0:
        return
    rng = random.Random(f"safecampus-demo-hazards-{seed}")
    stories = [name for name, n in story_counts(count, days / 365).items() for _ in range(n)]
    rng.shuffle(stories)
    day_cum = list(itertools.accumulate(day_weights(today, days)))
    maker = _Maker(rng, slots, Clock(today, now, days, day_cum, escalate_days))
    for story in stories:
        yield maker.make(story)


class _Maker:
    """Chooses what each hazard is (school, category, source, people); Story does the rest."""

    def __init__(self, rng: random.Random, slots: Sequence[SchoolSlot], clock: Clock):
        self.rng = rng
        self.slots = slots
        self.slot_cum = list(itertools.accumulate(s.weight for s in slots))
        self.clock = clock
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_cum = list(itertools.accumulate(CATEGORY_WEIGHTS.values()))
        self.tracking_codes: set[str] = set()
        self.showcased: set[str] = set()

    # --- choosing ---------------------------------------------------------------------------

    def _pick(self, cum: Sequence[float]) -> int:
        return min(bisect.bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)

    def _category(self, story: str) -> str:
        while True:
            code = self.categories[self._pick(self.category_cum)]
            if story != "closed_immediate" or code not in EXTERNAL:
                return code

    def _source(self, story: str, category: str) -> str:
        if story == "closed_immediate":
            return Source.SELF_CHECK
        weights = dict(SOURCE_WEIGHTS)
        if category in EXTERNAL:
            weights[Source.POLICE] *= 3
            weights[Source.PUBLIC] *= 2
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _finder(self, slot: SchoolSlot, source: str, story: str) -> tuple[Person | None, str]:
        rng = self.rng
        if story == "closed_immediate":  # found and fixed by the safety officer or a teacher
            person = slot.teacher if slot.teacher and rng.random() < 0.4 else slot.safety
            return person, person.name
        if source == Source.SELF_CHECK:
            options = [
                (slot.safety, 40),
                (slot.principal, 15),
                (slot.teacher, 30),
                (slot.guard, 15),
            ]
            people = [(p, w) for p, w in options if p is not None]
            person = rng.choices([p for p, _ in people], weights=[w for _, w in people])[0]
            return person, person.name
        if source in (Source.COUNTY_INSPECTION, Source.UNANNOUNCED):
            by_city = source == Source.UNANNOUNCED and rng.random() < 0.3
            person = slot.city.inspector if by_city else slot.bureau.inspector
            return person, person.name
        if source == Source.CITY_INSPECTION:
            return slot.city.inspector, slot.city.inspector.name
        if source == Source.PUBLIC:
            return None, rng.choice(texts.PUBLIC_FINDERS)
        # Police and other departments tell the school; its safety officer records it.
        names = texts.POLICE_FINDERS if source == Source.POLICE else texts.OTHER_FINDERS
        return slot.safety, rng.choice(names)

    # --- one hazard -------------------------------------------------------------------------

    def make(self, story: str) -> HazardRecord:
        rng = self.rng
        slot = self.slots[self._pick(self.slot_cum)]
        code = self._category(story)
        finding = rng.choice(texts.FINDINGS[code])
        source = self._source(story, code)
        finder, finder_name = self._finder(slot, source, story)
        immediate = story == "closed_immediate"
        major = False
        if not immediate and story not in ("dismissed", "reported"):
            major = rng.random() < (0.25 if story == "overdue_rectifying" else 0.10)
        supervision = self._supervision_level(story, slot, major)
        if supervision:
            major = True
        h = HazardRecord(
            client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            org_id=slot.org_id,
            org_path=slot.path,
            source=str(source),
            category=code,
            severity=str(Severity.MAJOR if major else Severity.GENERAL),
            title=finding.title,
            description=finding.description,
            location=rng.choice(finding.locations),
            found_on=self.clock.today,  # set below, once the story's window is known
            finder_id=finder.id if finder else None,
            finder_name=finder_name,
            created_by_id=finder.id if finder else None,
        )
        if source == Source.PUBLIC:
            h.tracking_code = self._tracking_code()
            if rng.random() < 0.5:
                h.reporter_contact = f"1{rng.randint(30, 99)}****{rng.randint(0, 9999):04d}"
        if immediate:
            h.rectification_type = str(RectificationType.IMMEDIATE)
        else:
            h.interim_measures = finding.interim
        Story(self.rng, self.clock, h, slot, story, finding, finder, supervision).build()
        return h

    def _supervision_level(self, story: str, slot: SchoolSlot, major: bool) -> str:
        """'' or the level (county / city) listing this hazard for supervision (挂牌督办)."""
        if story in SHOWCASE_SUPERVISION and story not in self.showcased:
            self.showcased.add(story)
            level = SHOWCASE_SUPERVISION[story]
            return "city" if slot.county is None else level
        if not major or story in ("dismissed", "reported", "closed_immediate"):
            return ""
        if self.rng.random() >= 0.5:
            return ""
        if slot.county is None or self.rng.random() < 0.3:
            return "city"
        return "county"

    def _tracking_code(self) -> str:
        while True:
            code = f"{self.rng.getrandbits(40):010X}"
            if code not in self.tracking_codes:
                self.tracking_codes.add(code)
                return code

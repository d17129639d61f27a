"""The plan of a demo city: pure data from a seed, no database (DOMAIN.md §2.1, §12).

The default city matches the seed report (001): 1,935 schools and kindergartens, of them
800 primary & secondary and 1,135 kindergartens & nurseries, 539 of those unlicensed. The same
seed and size always give the same plan, name for name.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from safecampus.demo import mix, names
from safecampus.demo.school_names import Area, SchoolNamer, Town
from safecampus.orgs.choices import Level, Ownership
from safecampus.orgs.choices import SchoolKind as K
from safecampus.orgs.roles import Role

DEFAULT_SEED = 2012  # the year of the seed report
DEFAULT_SCHOOLS = 1935
MIN_SCHOOLS = 10
MAX_SCHOOLS = 50_000

CITY_NAME = "江城市"
CITY_BASE = "江城"
CITY_CODE = "439900"  # a prefecture code no real city has (湖南 ends at 4331)
AREA_CODE = "0739"
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class CityIdentity:
    """Who a planned city is: the demo city by default, one of many in a demo province."""

    name: str
    base: str
    code: str
    area_code: str
    # The demo city's bureau logins are "admin", "city_staff" ...; a province has many cities,
    # so theirs are prefixed with the city code like the counties' ("990100_admin").
    prefixed_logins: bool = False


JIANGCHENG = CityIdentity(CITY_NAME, CITY_BASE, CITY_CODE, AREA_CODE)


@dataclass(frozen=True)
class Login:
    username: str
    display_name: str
    role: str


@dataclass(frozen=True)
class CampusPlan:
    name: str
    address: str
    is_main: bool


@dataclass(frozen=True)
class SchoolPlan:
    code: str
    name: str
    kind: str
    ownership: str
    licensed: bool
    boarding: bool
    students: int
    staff: int
    address: str
    phone: str
    principal_name: str
    safety_officer_name: str
    campuses: tuple[CampusPlan, ...]
    logins: tuple[Login, ...]


@dataclass(frozen=True)
class BureauPlan:
    level: str
    code: str
    name: str
    address: str
    phone: str
    logins: tuple[Login, ...]
    schools: tuple[SchoolPlan, ...]  # for the city: the city-direct schools


@dataclass(frozen=True)
class CityPlan:
    seed: int
    city: BureauPlan
    counties: tuple[BureauPlan, ...]

    def schools(self) -> Iterator[SchoolPlan]:
        yield from self.city.schools
        for county in self.counties:
            yield from county.schools

    def logins(self) -> Iterator[tuple[Login, str]]:
        """Every login with the code of the organisation it belongs to."""
        for bureau in (self.city, *self.counties):
            for login in bureau.logins:
                yield login, bureau.code
        for school in self.schools():
            for login in school.logins:
                yield login, school.code

    def counts(self) -> dict[str, object]:
        """What the audit event records: the size of what was generated."""
        schools = list(self.schools())
        kinds = Counter(s.kind for s in schools)
        return {
            "seed": self.seed,
            "counties": len(self.counties),
            "schools": len(schools),
            "city_direct_schools": len(self.city.schools),
            "kinds": {kind: kinds[kind] for kind in mix.KIND_ORDER if kinds[kind]},
            "unlicensed_kindergartens": sum(1 for s in schools if not s.licensed),
            "campuses": sum(len(s.campuses) for s in schools),
            "users": sum(1 for _ in self.logins()),
        }


def plan_city(
    seed: int = DEFAULT_SEED, schools: int = DEFAULT_SCHOOLS, identity: CityIdentity = JIANGCHENG
) -> CityPlan:
    if not MIN_SCHOOLS <= schools <= MAX_SCHOOLS:
        raise ValueError(f"schools must be between {MIN_SCHOOLS} and {MAX_SCHOOLS}")
    return _Planner(random.Random(seed), seed, schools, identity).plan()


@dataclass
class _Spec:
    kind: str
    licensed: bool
    public: bool


class _Planner:
    def __init__(self, rng: random.Random, seed: int, schools: int, identity: CityIdentity):
        self.rng = rng
        self.city = identity
        self.seed = seed
        self.total = schools
        self.namer = SchoolNamer(rng)
        self.places = names.place_names(rng)

    def plan(self) -> CityPlan:
        specs = self._specs()
        direct, rest = self._split_city_direct(specs)
        n_counties = max(2, round(self.total / mix.SCHOOLS_PER_COUNTY))
        levels = mix.county_levels(n_counties)[:n_counties]
        per_county = self._distribute(rest, n_counties)
        width = max(2, len(str(n_counties)))
        counties = tuple(
            self._county(f"{self.city.code[:4]}{i + 1:0{width}d}", levels[i], per_county[i])
            for i in range(n_counties)
        )
        me = self.city
        city_area = Area(full=me.name, base=me.base, urban=True)
        city = BureauPlan(
            level=Level.CITY,
            code=me.code,
            name=me.name,
            address=names.street_address(self.rng, me.name),
            phone=names.phone(self.rng, me.area_code),
            logins=self._bureau_logins(me.code, Level.CITY),
            schools=self._schools(me.code, city_area, direct),
        )
        plan = CityPlan(seed=self.seed, city=city, counties=counties)
        return _ensure_one_multi_campus(plan, self.rng, self.city.name)

    # --- what schools there are ---------------------------------------------------------

    def _specs(self) -> list[_Spec]:
        specs: list[_Spec] = []
        counts = mix.kind_counts(self.total)
        unlicensed = round(
            counts[K.KINDERGARTEN] * mix.UNLICENSED_KINDERGARTENS / mix.KIND_MIX[K.KINDERGARTEN]
        )
        for kind, count in counts.items():
            for i in range(count):
                licensed = not (kind == K.KINDERGARTEN and i < unlicensed)
                public = licensed and self.rng.random() >= mix.PRIVATE_SHARE[kind]
                specs.append(_Spec(kind, licensed, public))
        self.rng.shuffle(specs)
        return specs

    def _split_city_direct(self, specs: list[_Spec]) -> tuple[list[_Spec], list[_Spec]]:
        """Pick ~1% of schools to report to the city (weighted sampling without replacement)."""
        wanted = max(1, round(self.total * mix.CITY_DIRECT_PER_SCHOOL))
        keyed = []
        for index, spec in enumerate(specs):
            weight = mix.CITY_DIRECT_WEIGHT.get(spec.kind, 0.0) if spec.licensed else 0.0
            if weight > 0:
                keyed.append((self.rng.random() ** (1 / weight), index))
        chosen = {index for _, index in sorted(keyed, reverse=True)[:wanted]}
        direct = [specs[i] for i in sorted(chosen)]
        for spec in direct:
            spec.public = spec.kind != K.TWELVE_YEAR  # the city's own schools are public
        return direct, [s for i, s in enumerate(specs) if i not in chosen]

    def _distribute(self, specs: list[_Spec], n_counties: int) -> list[list[_Spec]]:
        """Every kind spread over the counties, bigger counties getting more of each."""
        weights = [self.rng.uniform(0.7, 1.3) for _ in range(n_counties)]
        out: list[list[_Spec]] = [[] for _ in range(n_counties)]
        for kind in mix.KIND_ORDER:
            of_kind = [s for s in specs if s.kind == kind]
            start = 0
            for county, count in enumerate(mix.apportion(len(of_kind), weights)):
                out[county].extend(of_kind[start : start + count])
                start += count
        return out

    # --- bureaus ------------------------------------------------------------------------

    def _county(self, code: str, suffix: str, specs: list[_Spec]) -> BureauPlan:
        base = next(self.places)
        full = base + suffix
        urban = suffix == "区"
        n_towns = min(25, max(3, round(len(specs) / 15)))
        towns = []
        for _ in range(n_towns):
            town_base = next(self.places)
            if urban:
                town_suffix = "街道" if self.rng.random() < 0.7 else "镇"
            else:
                town_suffix = self.rng.choices(["镇", "乡", "街道"], weights=[6, 3, 1])[0]
            towns.append(Town(full=town_base + town_suffix, base=town_base))
        area = Area(full=full, base=base, urban=urban, towns=towns)
        return BureauPlan(
            level=Level.COUNTY,
            code=code,
            name=full,
            address=names.street_address(self.rng, f"{self.city.name}{full}"),
            phone=names.phone(self.rng, self.city.area_code),
            logins=self._bureau_logins(code, Level.COUNTY),
            schools=self._schools(code, area, specs),
        )

    def _bureau_logins(self, code: str, level: str) -> tuple[Login, ...]:
        if level == Level.CITY and not self.city.prefixed_logins:
            roles = [
                (ADMIN_USERNAME, Role.CITY_ADMIN),
                ("city_staff", Role.CITY_STAFF),
                ("city_inspector", Role.INSPECTOR),
                ("city_viewer", Role.VIEWER),
            ]
        elif level == Level.CITY:
            roles = [
                (f"{code}_admin", Role.CITY_ADMIN),
                (f"{code}_staff", Role.CITY_STAFF),
                (f"{code}_inspector", Role.INSPECTOR),
                (f"{code}_viewer", Role.VIEWER),
            ]
        else:
            roles = [
                (f"{code}_admin", Role.COUNTY_ADMIN),
                (f"{code}_staff", Role.COUNTY_STAFF),
                (f"{code}_inspector", Role.INSPECTOR),
                (f"{code}_viewer", Role.VIEWER),
            ]
        return tuple(Login(u, names.person_name(self.rng), role) for u, role in roles)

    # --- schools ------------------------------------------------------------------------

    def _schools(self, parent_code: str, area: Area, specs: list[_Spec]) -> tuple[SchoolPlan, ...]:
        ordered = sorted(specs, key=lambda s: mix.KIND_ORDER.index(K(s.kind)))
        width = max(4, len(str(len(ordered))))
        return tuple(
            self._school(f"{parent_code}{seq:0{width}d}", area, spec, with_staff=seq == 1)
            for seq, spec in enumerate(ordered, start=1)
        )

    def _school(self, code: str, area: Area, spec: _Spec, *, with_staff: bool) -> SchoolPlan:
        rng = self.rng
        name = self.namer.name(spec.kind, area, public=spec.public, licensed=spec.licensed)
        town = next((t for t in area.towns if t.base in name), None)
        if town is None and area.towns:
            town = rng.choice(area.towns)
        city_name = self.city.name
        place = area.full if area.full == city_name else f"{city_name}{area.full}"
        place += town.full if town else ""
        address = names.street_address(rng, place)
        town_rural = not area.urban and town is not None and not town.full.endswith("街道")
        (urban_range, rural_range, ratio) = mix.ENROLMENT[K(spec.kind)]
        lo, hi = rural_range if town_rural else urban_range
        if not spec.licensed:
            lo, hi = mix.UNLICENSED_ENROLMENT
        students = rng.randint(lo, hi)
        boarding = not area.urban and rng.random() < mix.RURAL_BOARDING.get(spec.kind, 0.0)
        principal, safety = names.person_name(rng), names.person_name(rng)
        logins = [
            Login(f"{code}_principal", principal, Role.PRINCIPAL),
            Login(f"{code}_safety", safety, Role.SAFETY_OFFICER),
        ]
        if with_staff or rng.random() < mix.STAFF_LOGIN_SHARE:
            logins.append(Login(f"{code}_teacher", names.person_name(rng), Role.TEACHER))
            logins.append(Login(f"{code}_guard", names.person_name(rng), Role.GUARD))
        campuses = [CampusPlan(name, address, is_main=True)]
        share = mix.MULTI_CAMPUS_SHARE.get(spec.kind, mix.DEFAULT_MULTI_CAMPUS_SHARE)
        if spec.licensed and rng.random() < share:
            campuses += _branch_campuses(
                rng, name, spec.kind, place, 1 if rng.random() < 0.7 else 2
            )
        return SchoolPlan(
            code=code,
            name=name,
            kind=spec.kind,
            ownership=Ownership.PUBLIC if spec.public else Ownership.PRIVATE,
            licensed=spec.licensed,
            boarding=boarding,
            students=students,
            staff=max(3, round(students / ratio)),
            address=address,
            phone=names.phone(rng, self.city.area_code),
            principal_name=principal,
            safety_officer_name=safety,
            campuses=tuple(campuses),
            logins=tuple(logins),
        )


def _branch_campuses(
    rng: random.Random, school: str, kind: str, place: str, count: int
) -> list[CampusPlan]:
    """Branch sites (校区 / 园区): the counted unit of the seed report is the site (§2.1)."""
    word = "园区" if kind == K.KINDERGARTEN else "校区"
    return [
        CampusPlan(f"{school}{direction}{word}", names.street_address(rng, place), is_main=False)
        for direction in rng.sample(names.DIRECTIONS, count)
    ]


def _ensure_one_multi_campus(plan: CityPlan, rng: random.Random, city_name: str) -> CityPlan:
    """Even a ten-school demo shows a school with a branch site."""
    if any(len(s.campuses) > 1 for s in plan.schools()):
        return plan
    for index, county in enumerate(plan.counties):
        for school in county.schools:
            if school.licensed and school.kind != K.TRAINING:
                place = f"{city_name}{county.name}"
                branches = _branch_campuses(rng, school.name, school.kind, place, 1)
                school_with_branch = replace(school, campuses=(*school.campuses, *branches))
                schools = tuple(school_with_branch if s is school else s for s in county.schools)
                counties = list(plan.counties)
                counties[index] = replace(county, schools=schools)
                return replace(plan, counties=tuple(counties))
    return plan

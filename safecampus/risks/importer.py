"""An existing risk register from Excel (风险台账导入): read the file, check every row, plan.

Each row names its school by code; the column may stay empty when the importer keeps the
register of one school only. Categories are written by code or name, frequencies in Chinese
or English. The area is a campus area by name: one the school does not have yet is created at
the commit (paper registers name their places freely; the four-colour map draws them later).
L/E/C/S are optional; given, the point is graded at the commit with the bureau's method, and
factors of the other method are an error. A row already in the register (same school,
category, risk, area and location) is skipped, so a file can be imported again.

Nothing here writes: ``actions_import.do_import_register`` commits a clean plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from safecampus.lib.errors import ActionError
from safecampus.lib.imports import Plan, RowStatus, StagedUploads, normalise, orgs_by_code
from safecampus.lib.scoping import scope_for
from safecampus.lib.xlsx import cell_text
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.queries import visible_orgs
from safecampus.orgs.roles import CAPABILITIES, Cap
from safecampus.risks.choices import Frequency, Method
from safecampus.risks.grading import Policy, score
from safecampus.risks.models import CampusArea, RiskCategory, RiskPoint
from safecampus.risks.queries import policy_for
from safecampus.risks.register_file import AREA_MAX, FIELD_MAX, LAYOUT

Fail = Callable[[str, str], None]
FACTORS = ("l", "e", "c", "s")
METHOD_FACTORS = {Method.LEC: {"l", "e", "c"}, Method.LS: {"l", "s"}}


def point_key(school_id: int, category_id: int, hazard: str, area: str, location: str) -> tuple:
    """What makes a row the same point as one already in the register."""
    return (school_id, category_id, normalise(hazard), normalise(area), normalise(location))


@dataclass
class PointRow:
    """One checked row: the school, the point's values, the area's name (created if new) and
    the factors to grade it with (empty: not graded)."""

    school: Organization
    key: tuple
    values: dict[str, Any]
    area_name: str = ""
    factors: dict[str, Any] = field(default_factory=dict)
    number: int = 0


@dataclass
class RowResult:
    number: int
    school_code: str
    hazard: str
    category: str = ""
    level_hint: str = ""
    status: str = RowStatus.NEW
    errors: list[tuple[str, str]] = field(default_factory=list)
    row: PointRow | None = None


class ImportPlan(Plan[RowResult]):
    @property
    def can_commit(self) -> bool:
        return self.ok and self.new_count > 0

    def point_rows(self) -> list[PointRow]:
        assert self.ok
        return [r.row for r in self.rows if r.row is not None and r.status == RowStatus.NEW]


def managed_schools(user: Any) -> list[Organization]:
    """The schools where the user holds a school role that keeps the register."""
    scope = scope_for(user)
    ids = [
        g.org_id
        for g in scope.grants
        if g.level == OrgLevel.SCHOOL and Cap.RISK_MANAGE in CAPABILITIES[g.role]
    ]
    return [scope.orgs[i] for i in dict.fromkeys(ids) if i in scope.orgs]


def plan_import(user: Any, fileobj: IO[bytes]) -> ImportPlan:
    """Read the register and check every row; raises XlsxError if the file is unusable."""
    raw_rows, ignored = LAYOUT.read(fileobj)
    checker = _RowChecker(user, raw_rows)
    return ImportPlan(rows=[checker.check(n, raw) for n, raw in raw_rows], ignored_columns=ignored)


class _RowChecker:
    """Checks rows with a fixed number of database lookups for the whole file."""

    def __init__(self, user: Any, raw_rows: list[tuple[int, dict[str, Any]]]):
        self.scope = scope_for(user)
        own = managed_schools(user)
        self.only_school = own[0] if len(own) == 1 else None
        codes = {cell_text(raw.get("school")) for _n, raw in raw_rows} - {""}
        self.schools = orgs_by_code(visible_orgs(user).filter(level=OrgLevel.SCHOOL), codes)
        ids = {s.pk for s in self.schools.values()}
        if self.only_school is not None:
            ids.add(self.only_school.pk)
        self.categories: dict[str, RiskCategory] = {}
        for category in RiskCategory.objects.filter(active=True):
            for name in (category.code, category.name_zh, category.name_en):
                self.categories.setdefault(normalise(name), category)
        self.frequencies = LAYOUT.choice_table(Frequency)
        self.areas = {
            (school_id, normalise(name))
            for school_id, name in CampusArea.objects.filter(school_id__in=ids).values_list(
                "school_id", "name"
            )
        }
        usernames = {cell_text(raw.get("responsible")) for _n, raw in raw_rows} - {""}
        self.people: dict[str, tuple[Any, set[int]]] = {}
        for membership in Membership.objects.filter(
            user__username__in=sorted(usernames), user__is_active=True
        ).select_related("user"):
            _user, orgs = self.people.setdefault(membership.user.username, (membership.user, set()))
            orgs.add(membership.org_id)
        self.existing = {
            point_key(
                p["school_id"], p["category_id"], p["hazard"], p["area__name"] or "", p["location"]
            )
            for p in RiskPoint.objects.filter(school_id__in=ids, active=True).values(
                "school_id", "category_id", "hazard", "area__name", "location"
            )
        }
        self.policies: dict[int, Policy] = {}
        self.first_row: dict[tuple, int] = {}

    def check(self, number: int, raw: dict[str, Any]) -> RowResult:
        code = cell_text(raw.get("school"))
        hazard = cell_text(raw.get("hazard"))
        result = RowResult(number=number, school_code=code, hazard=hazard)
        errors: dict[str, list[str]] = {}

        def fail(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        school = self._school(code, fail)
        if school is not None and not code:
            result.school_code = school.code
        category = self._category(cell_text(raw.get("category")), fail)
        result.category = str(category) if category is not None else ""
        values: dict[str, Any] = {"category": category, "hazard": hazard}
        for name in ("consequences", "location", "responsible_post"):
            values[name] = cell_text(raw.get(name))
        for name in ("control_measures", "emergency_measures"):
            values[name] = cell_text(raw.get(name))
        if not hazard:
            fail("hazard", _("This field is required."))
        for name, limit in FIELD_MAX.items():
            if len(values[name]) > limit:
                fail(name, _("At most %(max)s characters.") % {"max": limit})
        area = cell_text(raw.get("area"))
        if len(area) > AREA_MAX:
            fail("area", _("At most %(max)s characters.") % {"max": AREA_MAX})
        values["frequency"] = self._frequency(cell_text(raw.get("frequency")), fail)
        values["responsible"] = self._responsible(cell_text(raw.get("responsible")), school, fail)
        factors = {name: cell_text(raw.get(name)) for name in FACTORS}
        factors = {name: value for name, value in factors.items() if value}
        if school is not None and factors:
            result.level_hint = self._grade(school, factors, fail)

        key: tuple = ()
        if school is not None and category is not None and hazard:
            key = point_key(school.pk, category.pk, hazard, area, values["location"])
            if key in self.first_row:
                fail(
                    "hazard",
                    _("This row repeats row %(row)s (same school, category, risk and place).")
                    % {"row": self.first_row[key]},
                )
            else:
                self.first_row[key] = number
        if errors or school is None:
            result.status = RowStatus.ERROR
            result.errors = LAYOUT.error_list(errors)
            return result
        if key in self.existing:
            result.status = RowStatus.SKIP
        result.row = PointRow(
            school=school, key=key, values=values, area_name=area, factors=factors, number=number
        )
        return result

    def _school(self, code: str, fail: Fail) -> Organization | None:
        if not code:
            if self.only_school is None:
                fail("school", _("Write the school code: you keep more than one register."))
            school = self.only_school
        else:
            school = self.schools.get(code)
            if school is None:
                # The same words whether the code does not exist or lies outside the area.
                fail("school", _("No school with code %(code)s in your area.") % {"code": code})
        if school is None:
            return None
        if not self.scope.can(Cap.RISK_MANAGE, school):
            fail(
                "school",
                _("You may not change the risk register of %(code)s.") % {"code": school.code},
            )
            return None
        if school.status != OrgStatus.ACTIVE:
            fail("school", _("The school %(code)s is closed.") % {"code": school.code})
            return None
        return school

    def _category(self, text: str, fail: Fail) -> RiskCategory | None:
        if not text:
            fail("category", _("This field is required."))
            return None
        category = self.categories.get(normalise(text))
        if category is None:
            fail(
                "category",
                _("“%(value)s” is not a category; the help sheet lists them.") % {"value": text},
            )
        return category

    def _frequency(self, text: str, fail: Fail) -> str:
        if not text:
            return ""
        value = self.frequencies.get(normalise(text))
        if value is None:
            fail(
                "frequency",
                _("“%(value)s” is not one of the values on the help sheet.") % {"value": text},
            )
            return ""
        return value

    def _responsible(self, username: str, school: Organization | None, fail: Fail) -> Any:
        if not username:
            return None
        user, orgs = self.people.get(username, (None, set()))
        if user is None or (school is not None and school.pk not in orgs):
            # The same words for an unknown name and a person of another school.
            fail(
                "responsible",
                _("No user %(name)s holds a role at this school.") % {"name": username},
            )
            return None
        return user

    def _grade(self, school: Organization, factors: dict[str, str], fail: Fail) -> str:
        policy = self.policies.get(school.pk)
        if policy is None:
            policy = self.policies[school.pk] = policy_for(school)
        foreign = sorted(set(factors) - METHOD_FACTORS[Method(policy.method)])
        for name in foreign:
            fail(
                name,
                _("The bureau grades with %(method)s: leave this column empty.")
                % {"method": Method(policy.method).label},
            )
        if foreign:
            return ""
        try:
            graded = score(policy.method, **factors)
        except ActionError as exc:
            for name, messages in exc.errors.items():
                for message in messages:
                    fail(name, message)
            return ""
        return policy.level(graded.score)


# The dry run's register, kept under MEDIA_ROOT/imports/risks/<user>/ for the commit.
uploads = StagedUploads("imports/risks", plan_import, "register.xlsx")

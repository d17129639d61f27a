"""A paper hazard ledger from Excel (隐患台账导入): read the file, check every row, plan.

Each row names a school by its code; the importer must see the school and hold
``hazard.import`` there. Values may be written in Chinese or English (category, severity,
source, state); dates may be Excel dates or text such as 2026-03-02 or 2026/3/2 (the columns
and names: ``ledger_file``). A row whose import key (school, title, date found, location) is
already in the database is "already imported" and is skipped at the commit, so a file can be
imported twice without duplicates.

Nothing here writes hazards: ``actions_import.do_import_hazards`` commits a clean plan.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.hazards.actions_import import (
    IMPORTABLE_STATES,
    HazardRow,
    date_problems,
    existing_keys,
    may_be_responsible,
    responsible_paths,
)
from safecampus.hazards.choices import Severity, Source, State
from safecampus.hazards.ledger_file import (
    DEFAULTS,
    LAYOUT,
    MAX_LOCATION,
    MAX_TITLE,
    import_key,
    parse_date,
)
from safecampus.hazards.models import HazardCategory
from safecampus.lib.imports import Plan, RowStatus, StagedUploads, normalise, orgs_by_code
from safecampus.lib.scoping import Scope, scope_for
from safecampus.lib.xlsx import cell_text
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import visible_orgs
from safecampus.orgs.roles import Cap

# --- the plan --------------------------------------------------------------------------------


@dataclass
class RowResult:
    """One data row of the file after checking. ``number`` is the row number in Excel."""

    number: int
    school_code: str
    title: str
    found_on: datetime.date | None = None
    state: str = ""
    status: str = RowStatus.NEW
    errors: list[tuple[str, str]] = field(default_factory=list)
    row: HazardRow | None = None

    @property
    def state_label(self) -> str:
        return str(State(self.state).label) if self.state in State.values else ""


class ImportPlan(Plan[RowResult]):
    """Every row of a ledger: new, already imported (skip) or error."""

    @property
    def has_new(self) -> bool:
        return self.ok and self.new_count > 0

    @property
    def can_commit(self) -> bool:
        # A clean file whose every row is already imported has nothing to commit.
        return self.has_new

    def hazard_rows(self) -> list[HazardRow]:
        """Every checked row, new or already imported (the action skips existing keys again,
        in case another import added them since the dry run)."""
        assert self.ok
        return [result.row for result in self.rows if result.row is not None]


def plan_import(user: Any, fileobj: IO[bytes]) -> ImportPlan:
    """Read the ledger and check every row; raises XlsxError if the file is unusable."""
    raw_rows, ignored = LAYOUT.read(fileobj)
    checker = _RowChecker(user, raw_rows)
    results = [checker.check(n, raw) for n, raw in raw_rows]
    existing = existing_keys([r.row.import_key for r in results if r.row is not None])
    for result in results:
        if result.row is not None and result.row.import_key in existing:
            result.status = RowStatus.SKIP
    return ImportPlan(rows=results, ignored_columns=ignored)


class _RowChecker:
    """Checks rows with a fixed number of database lookups for the whole file."""

    def __init__(self, user: Any, raw_rows: list[tuple[int, dict[str, Any]]]):
        self.scope: Scope = scope_for(user)
        self.today = timezone.localdate()
        self.choices = {
            "severity": LAYOUT.choice_table(Severity),
            "source": LAYOUT.choice_table(Source),
            "state": LAYOUT.choice_table(State),
        }
        self.categories = _category_table()
        codes = {cell_text(raw.get("school")) for _n, raw in raw_rows} - {""}
        self.schools = orgs_by_code(visible_orgs(user).filter(level=Level.SCHOOL), codes)
        usernames = {cell_text(raw.get("responsible")) for _n, raw in raw_rows} - {""}
        self.people = responsible_paths(usernames)
        self.first_row: dict[str, int] = {}

    def check(self, number: int, raw: dict[str, Any]) -> RowResult:
        code = cell_text(raw.get("school"))
        title = cell_text(raw.get("title"))
        result = RowResult(number=number, school_code=code, title=title)
        errors: dict[str, list[str]] = {}

        def fail(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        school = self._school(code, fail)
        values: dict[str, Any] = {
            "title": title,
            "description": cell_text(raw.get("description")),
            "location": cell_text(raw.get("location")),
            "rectification_note": cell_text(raw.get("rectification_note")),
        }
        if not title:
            fail("title", _("This field is required."))
        elif len(title) > MAX_TITLE:
            fail("title", _("At most %(max)s characters.") % {"max": MAX_TITLE})
        if len(values["location"]) > MAX_LOCATION:
            fail("location", _("At most %(max)s characters.") % {"max": MAX_LOCATION})
        values["category"] = self._category(cell_text(raw.get("category")), fail)
        for name in ("severity", "source", "state"):
            values[name] = self._choice(name, cell_text(raw.get(name)), fail)
        if values["state"] and values["state"] not in IMPORTABLE_STATES:
            fail("state", _("Only open or closed hazards can be imported."))
            values["state"] = ""
        for name in ("found_on", "deadline", "closed_on"):
            values[name] = self._date(name, raw.get(name), fail)
        if raw.get("found_on") in (None, ""):
            fail("found_on", _("This field is required."))
        values["responsible"] = self._responsible(cell_text(raw.get("responsible")), school, fail)
        result.found_on, result.state = values["found_on"], values["state"]
        if values["found_on"] is not None and values["state"] and "found_on" not in errors:
            for name, message in date_problems(values, self.today):
                if name not in errors:
                    fail(name, message)

        key = ""
        if school is not None and title and values["found_on"] is not None:
            key = import_key(school.code, title, values["found_on"], values["location"])
            if key in self.first_row:
                fail(
                    "title",
                    _("This row repeats row %(row)s (same school, title, date found and location).")
                    % {"row": self.first_row[key]},
                )
            else:
                self.first_row[key] = number
        if errors or school is None:
            result.status = RowStatus.ERROR
            result.errors = LAYOUT.error_list(errors)
            return result
        result.row = HazardRow(school=school, import_key=key, values=values, number=number)
        return result

    def _school(self, code: str, fail: Any) -> Organization | None:
        if not code:
            fail("school", _("This field is required."))
            return None
        school = self.schools.get(code)
        if school is None:
            # The same words whether the code does not exist or lies outside the person's
            # area: an import must not reveal other counties' schools.
            fail("school", _("No school with code %(code)s in your area.") % {"code": code})
            return None
        if not self.scope.can(Cap.HAZARD_IMPORT, school):
            fail("school", _("You may not import hazards at %(code)s.") % {"code": code})
            return None
        if school.status != OrgStatus.ACTIVE:
            fail("school", _("The school %(code)s is closed.") % {"code": code})
            return None
        return school

    def _category(self, text: str, fail: Any) -> HazardCategory | None:
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

    def _choice(self, name: str, text: str, fail: Any) -> str:
        if not text:
            if name in DEFAULTS:
                return DEFAULTS[name]
            fail(name, _("This field is required."))
            return ""
        value = self.choices[name].get(normalise(text))
        if value is None:
            fail(
                name,
                _("“%(value)s” is not one of the values on the help sheet.") % {"value": text},
            )
            return ""
        return value

    def _date(self, name: str, value: Any, fail: Any) -> datetime.date | None:
        try:
            return parse_date(value)
        except (ValueError, OverflowError):
            fail(
                name,
                _("“%(value)s” is not a date; write it like 2026-03-02 or 2026/3/2.")
                % {"value": cell_text(value)},
            )
            return None

    def _responsible(self, username: str, school: Organization | None, fail: Any) -> Any:
        if not username:
            return None
        user, paths = self.people.get(username, (None, []))
        if user is None or (school is not None and not may_be_responsible(paths, school)):
            # The same words for an unknown name and a person of another area.
            fail(
                "responsible",
                _("No user %(name)s holds a role at this school or a bureau above it.")
                % {"name": username},
            )
            return None
        return user


def _category_table() -> dict[str, HazardCategory]:
    table: dict[str, HazardCategory] = {}
    for category in HazardCategory.objects.filter(active=True):
        for name in (category.code, category.name_zh, category.name_en):
            table.setdefault(normalise(name), category)
    return table


def import_schools(user: Any, limit: int) -> list[Organization]:
    """The open schools where the user may import hazards (for the template's help sheet)."""
    scope = scope_for(user)
    paths = scope.paths_with(Cap.HAZARD_IMPORT)
    if not paths:
        return []
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    schools = Organization.objects.filter(query, level=Level.SCHOOL, status=OrgStatus.ACTIVE)
    return list(schools.order_by("path")[:limit])


# The dry run's ledger, kept under MEDIA_ROOT/imports/hazards/<user>/ for the commit. Ledgers
# share the ImportBatch table of the school lists and are told apart by this folder.
uploads = StagedUploads("imports/hazards", plan_import, "ledger.xlsx")

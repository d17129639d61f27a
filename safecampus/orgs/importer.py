"""Schools from an Excel list (学校批量导入): read the file, check every row, plan the import.

Every row is checked by the same OrgForm as the page (level=school), plus the rules a form
cannot see: the parent (上级单位) must be an organisation the importer may manage and import
under, and a code appears once per file. A code already used by a school inside the
importer's area updates that school; anywhere else it is "already used".

Nothing here writes to the tree: ``actions.do_import_schools`` commits a clean plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.lib.imports import Column, FileLayout, Plan, RowStatus, StagedUploads, orgs_by_code
from safecampus.lib.scoping import Scope, scope_for
from safecampus.lib.xlsx import cell_text
from safecampus.orgs.actions import SchoolRow
from safecampus.orgs.choices import ALLOWED_CHILDREN, Level, Ownership, SchoolKind
from safecampus.orgs.forms import OrgForm
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import visible_orgs
from safecampus.orgs.roles import Cap

# The school list's columns; the organisation export writes them too (with ``export_zh``).
COLUMNS: tuple[Column, ...] = (
    Column("parent", "上级单位代码", "Parent org code", gettext_lazy("Parent org code"), True),
    Column("code", "学校代码", "Code", gettext_lazy("Code"), True, ("代码",), "单位代码"),
    Column("name", "学校名称", "Name", gettext_lazy("Name"), True, ("名称",), "单位名称"),
    Column("school_kind", "学校类型", "School kind", gettext_lazy("School kind"), True),
    Column("ownership", "办学性质", "Ownership", gettext_lazy("Ownership"), True),
    Column("licensed", "是否有证", "Licensed", gettext_lazy("Licensed")),
    Column("address", "地址", "Address", gettext_lazy("Address")),
    Column("principal_name", "校长", "Principal", gettext_lazy("Principal")),
    Column("safety_officer_name", "安全负责人", "Safety officer", gettext_lazy("Safety officer")),
    Column("phone", "联系电话", "Phone", gettext_lazy("Phone"), aliases=("电话",)),
    Column("students", "学生数", "Students", gettext_lazy("Students")),
    Column("staff", "教职工数", "Staff", gettext_lazy("Staff")),
    Column("boarding", "是否寄宿", "Boarding", gettext_lazy("Boarding")),
)
CHOICE_FIELDS: dict[str, Any] = {"school_kind": SchoolKind, "ownership": Ownership}
BOOL_FIELDS = {"licensed", "boarding"}
# What a new school gets when a cell is blank (the model's defaults).
DEFAULTS: dict[str, Any] = {"licensed": True, "boarding": False, "students": 0, "staff": 0}

# Chinese names people write in these lists, whatever the interface catalog says.
CHOICE_ALIASES: dict[str, tuple[str, ...]] = {
    SchoolKind.KINDERGARTEN: ("幼儿园",),
    SchoolKind.PRIMARY: ("小学",),
    SchoolKind.JUNIOR: ("初中", "初级中学"),
    SchoolKind.SENIOR: ("高中", "高级中学", "普通高中"),
    SchoolKind.NINE_YEAR: ("九年一贯制学校", "九年一贯制"),
    SchoolKind.TWELVE_YEAR: ("十二年一贯制学校", "十二年一贯制"),
    SchoolKind.VOCATIONAL: ("中等职业学校", "中职学校", "职业学校"),
    SchoolKind.SPECIAL: ("特殊教育学校", "特教学校"),
    SchoolKind.TRAINING: ("校外培训机构", "培训机构"),
    Ownership.PUBLIC: ("公办",),
    Ownership.PRIVATE: ("民办",),
}
YES = ("是", "yes", "y", "true", "1", "有证", "有")
NO = ("否", "no", "n", "false", "0", "无证", "无")


def normalise(text: str) -> str:
    """Header and choice matching ignores case, spaces and a required-marker asterisk.

    Narrower than ``lib.imports.normalise``, which also folds full-width letters and digits
    (全角): kept so that school lists match exactly as before."""
    return re.sub(r"[\s*＊]", "", text).lower()


LAYOUT = FileLayout(COLUMNS, CHOICE_ALIASES, normalise)
_BOOLS = {**{normalise(v): True for v in YES}, **{normalise(v): False for v in NO}}


# --- the plan --------------------------------------------------------------------------------


@dataclass
class RowResult:
    """One data row of the file after checking. ``number`` is the row number in Excel."""

    number: int
    code: str
    name: str
    parent_code: str
    status: str = RowStatus.NEW
    errors: list[tuple[str, str]] = field(default_factory=list)
    parent: Organization | None = None
    school: Organization | None = None
    values: dict[str, Any] = field(default_factory=dict)


class ImportPlan(Plan[RowResult]):
    """Every row of a school list: new, update (a school in the importer's area) or error."""

    def school_rows(self) -> list[SchoolRow]:
        assert self.ok
        return [
            SchoolRow(parent=row.parent, school=row.school, values=row.values)
            for row in self.rows
            if row.parent is not None
        ]


def plan_import(user: Any, fileobj: IO[bytes]) -> ImportPlan:
    """Read the school list and check every row; raises XlsxError if the file is unusable."""
    raw_rows, ignored = LAYOUT.read(fileobj)
    checker = _RowChecker(user, raw_rows)
    return ImportPlan(rows=[checker.check(n, raw) for n, raw in raw_rows], ignored_columns=ignored)


class _RowChecker:
    """Checks rows against the database with a fixed number of lookups for the whole file,
    then one OrgForm per row (the form's own code check costs a query or two per row)."""

    def __init__(self, user: Any, raw_rows: list[tuple[int, dict[str, Any]]]):
        self.user = user
        self.scope: Scope = scope_for(user)
        self.choices = {
            name: LAYOUT.choice_table(choices) for name, choices in CHOICE_FIELDS.items()
        }
        codes = {cell_text(raw.get("code")) for _n, raw in raw_rows} - {""}
        parent_codes = {cell_text(raw.get("parent")) for _n, raw in raw_rows} - {""}
        visible = visible_orgs(user)
        self.parents = orgs_by_code(visible, parent_codes)
        self.schools = orgs_by_code(visible.filter(level=Level.SCHOOL), codes)
        self.first_row: dict[str, int] = {}

    def check(self, number: int, raw: dict[str, Any]) -> RowResult:
        code = cell_text(raw.get("code"))
        parent_code = cell_text(raw.get("parent"))
        result = RowResult(
            number=number, code=code, name=cell_text(raw.get("name")), parent_code=parent_code
        )
        errors: dict[str, list[str]] = {}
        result.parent = self._check_parent(parent_code, errors)
        if code and code in self.first_row:
            errors.setdefault("code", []).append(
                _("The code %(code)s is also used on row %(row)s of this file.")
                % {"code": code, "row": self.first_row[code]}
            )
        elif code:
            self.first_row[code] = number
        school = self.schools.get(code)
        if school is not None and not self.scope.can(Cap.ORG_MANAGE, school):
            school = None  # seen but not editable by this person: the form calls it "used"
        if (
            school is not None
            and result.parent is not None
            and not _is_child(school, result.parent)
        ):
            errors.setdefault("parent", []).append(
                _(
                    "This school is registered under another organisation; an import "
                    "cannot move a school."
                )
            )
        data = self._form_data(raw, school, errors)
        form = OrgForm(data, instance=school, level=Level.SCHOOL)
        if form.is_valid() and not errors:
            result.school = school
            result.values = form.values()
            result.status = RowStatus.UPDATE if school is not None else RowStatus.NEW
            return result
        for name, messages in form.errors.items():
            if name not in errors:
                errors[name] = [str(message) for message in messages]
        result.status = RowStatus.ERROR
        result.errors = LAYOUT.error_list(errors)
        return result

    def _check_parent(self, parent_code: str, errors: dict[str, list[str]]) -> Organization | None:
        if not parent_code:
            errors["parent"] = [_("This field is required.")]
            return None
        parent = self.parents.get(parent_code)
        if parent is None:
            # The same words whether the code does not exist or lies outside the person's
            # area: an import must not reveal other counties' organisations.
            errors["parent"] = [
                _("No organisation with code %(code)s in your area.") % {"code": parent_code}
            ]
            return None
        if Level.SCHOOL not in ALLOWED_CHILDREN[parent.level]:
            errors["parent"] = [
                _("A %(child)s cannot be placed under a %(parent)s.")
                % {"child": Level.SCHOOL.label, "parent": Level(parent.level).label}
            ]
            return None
        if not (self.scope.can(Cap.ORG_IMPORT, parent) and self.scope.can(Cap.ORG_MANAGE, parent)):
            errors["parent"] = [
                _("You may not import schools under %(code)s.") % {"code": parent_code}
            ]
            return None
        return parent

    def _form_data(
        self, raw: dict[str, Any], school: Organization | None, errors: dict[str, list[str]]
    ) -> dict[str, Any]:
        """What the page's form would post: the row's cells; for a blank cell or a missing
        column, the school's current value (update) or the default (new school)."""
        data: dict[str, Any] = {}
        for name in OrgForm.Meta.fields:
            value = raw.get(name)
            text = cell_text(value)
            if text == "" or name not in raw:
                current = getattr(school, name) if school is not None else DEFAULTS.get(name, "")
                data[name] = current
            elif name in BOOL_FIELDS:
                flag = value if isinstance(value, bool) else _BOOLS.get(normalise(text))
                if flag is None:
                    errors[name] = [
                        _("Write yes or no (是/否); “%(value)s” is neither.") % {"value": text}
                    ]
                    flag = DEFAULTS[name]
                data[name] = flag
            elif name in CHOICE_FIELDS:
                data[name] = self.choices[name].get(normalise(text), text)
            else:
                data[name] = text
        return data


def _is_child(school: Organization, parent: Organization) -> bool:
    return school.path.startswith(parent.path) and school.depth == parent.depth + 1


# The dry run's file, kept under MEDIA_ROOT/imports/<user>/ for the commit.
uploads = StagedUploads("imports", plan_import)

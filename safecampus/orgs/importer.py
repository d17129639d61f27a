"""Schools from an Excel list (学校批量导入): read the file, check every row, plan the import.

Every row is checked by the same OrgForm as the page (level=school), plus the rules a form
cannot see: the parent (上级单位) must be an organisation the importer may manage and import
under, and a code appears once per file. A code already used by a school inside the
importer's area updates that school; anywhere else it is "already used".

Nothing here writes to the tree: ``actions.do_import_schools`` commits a clean plan.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safecampus.lib.scoping import Scope, scope_for
from safecampus.lib.xlsx import XlsxError, cell_text, read_table
from safecampus.orgs.actions import SchoolRow
from safecampus.orgs.choices import ALLOWED_CHILDREN, Level, Ownership, SchoolKind
from safecampus.orgs.forms import OrgForm
from safecampus.orgs.models import ImportBatch, Organization
from safecampus.orgs.queries import visible_orgs
from safecampus.orgs.roles import Cap

_CHUNK = 500
STALE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Column:
    """A column of the school list. The header is bilingual on purpose (学校代码 / Code) so
    one file works whatever language the person uses; it is data, not a translated UI string.
    """

    key: str
    zh: str
    en: str
    label: Promise
    required: bool = False
    aliases: tuple[str, ...] = ()
    export_zh: str = ""

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def export_header(self) -> str:
        return f"{self.export_zh or self.zh} / {self.en}"

    def names(self) -> set[str]:
        texts = {self.zh, self.en, self.header, self.key, *self.aliases}
        if self.export_zh:
            texts |= {self.export_zh, self.export_header}
        return {normalise(text) for text in texts}


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
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
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
    """Header and choice matching ignores case, spaces and a required-marker asterisk."""
    return re.sub(r"[\s*＊]", "", text).lower()


def choice_names(choices: Any) -> list[tuple[str, str, str]]:
    """(value, Chinese name, English name) for each choice, as the help sheet shows them."""
    rows = []
    for value, label in choices.choices:
        with translation.override("en"):
            english = str(label)
        chinese = CHOICE_ALIASES.get(value, (english,))[0]
        rows.append((value, chinese, english))
    return rows


def _choice_table(choices: Any) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices.choices:
        names = [value, *CHOICE_ALIASES.get(value, ())]
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.append(str(label))
        for name in names:
            table[normalise(name)] = value
    return table


_BOOLS = {**{normalise(v): True for v in YES}, **{normalise(v): False for v in NO}}


# --- the plan --------------------------------------------------------------------------------


class RowStatus:
    NEW = "new"
    UPDATE = "update"
    ERROR = "error"


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


@dataclass
class ImportPlan:
    rows: list[RowResult]
    ignored_columns: list[str]

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if row.status == RowStatus.NEW)

    @property
    def update_count(self) -> int:
        return sum(1 for row in self.rows if row.status == RowStatus.UPDATE)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.status == RowStatus.ERROR)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    def school_rows(self) -> list[SchoolRow]:
        assert self.ok
        return [
            SchoolRow(parent=row.parent, school=row.school, values=row.values)
            for row in self.rows
            if row.parent is not None
        ]


def plan_import(user: Any, fileobj: IO[bytes]) -> ImportPlan:
    """Read the school list and check every row; raises XlsxError if the file is unusable."""
    table = read_table(fileobj)
    positions, ignored = _map_header(table.header)
    raw_rows = [
        (number, {key: values[i] if i < len(values) else None for key, i in positions.items()})
        for number, values in table.rows
    ]
    checker = _RowChecker(user, raw_rows)
    return ImportPlan(rows=[checker.check(n, raw) for n, raw in raw_rows], ignored_columns=ignored)


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    lookup = {name: column for column in COLUMNS for name in column.names()}
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, text in enumerate(header):
        if not text:
            continue
        column = lookup.get(normalise(text))
        if column is None:
            ignored.append(text)
        elif column.key in positions:
            raise XlsxError(
                _("The column “%(column)s” appears twice; keep one.") % {"column": text}
            )
        else:
            positions[column.key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    if missing:
        raise XlsxError(
            _(
                "Required columns are missing: %(columns)s. Download the template to see the "
                "expected columns."
            )
            % {"columns": ", ".join(missing)}
        )
    return positions, ignored


class _RowChecker:
    """Checks rows against the database with a fixed number of lookups for the whole file,
    then one OrgForm per row (the form's own code check costs a query or two per row)."""

    def __init__(self, user: Any, raw_rows: list[tuple[int, dict[str, Any]]]):
        self.user = user
        self.scope: Scope = scope_for(user)
        self.choices = {name: _choice_table(choices) for name, choices in CHOICE_FIELDS.items()}
        codes = {cell_text(raw.get("code")) for _n, raw in raw_rows} - {""}
        parent_codes = {cell_text(raw.get("parent")) for _n, raw in raw_rows} - {""}
        visible = visible_orgs(user)
        self.parents = _by_code(visible, parent_codes)
        self.schools = _by_code(visible.filter(level=Level.SCHOOL), codes)
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
        result.errors = [
            (_column_label(name), message) for name in _ordered(errors) for message in errors[name]
        ]
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


def _by_code(queryset: Any, codes: Iterable[str]) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    wanted = sorted(codes)
    for start in range(0, len(wanted), _CHUNK):
        for org in queryset.filter(code__in=wanted[start : start + _CHUNK]):
            found[org.code] = org
    return found


def _is_child(school: Organization, parent: Organization) -> bool:
    return school.path.startswith(parent.path) and school.depth == parent.depth + 1


def _ordered(errors: dict[str, list[str]]) -> list[str]:
    order = {column.key: i for i, column in enumerate(COLUMNS)}
    return sorted(errors, key=lambda name: order.get(name, len(order)))


def _column_label(name: str) -> str:
    column = COLUMNS_BY_KEY.get(name)
    return str(column.label) if column is not None else _("Row")


# --- staged uploads (the dry run's file, kept for the commit) ---------------------------------


def sha256_of(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(64 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def stage_batch(user: Any, upload: UploadedFile, plan: ImportPlan) -> ImportBatch:
    """Keep a checked upload under MEDIA_ROOT/imports/ for its commit.

    Only the file and its counts are stored: no organisation changes until the commit.
    The person's stale uncommitted uploads are removed on the way.
    """
    discard_stale_batches(user)
    batch = ImportBatch(
        created_by=user,
        original_name=(upload.name or "upload.xlsx")[:200],
        sha256=sha256_of(upload),
        size=upload.size or 0,
        rows=len(plan.rows),
        created=plan.new_count,
        updated=plan.update_count,
    )
    batch.file.save("upload.xlsx", upload, save=False)
    batch.save()
    return batch


def discard_stale_batches(user: Any) -> None:
    cutoff = timezone.now() - STALE_AFTER
    stale = ImportBatch.objects.filter(
        created_by=user, committed_at__isnull=True, uploaded_at__lt=cutoff
    )
    for batch in stale:
        batch.file.delete(save=False)
        batch.delete()


def get_batch_for_user(user: Any, pk: Any) -> ImportBatch:
    """An upload of this person's; anybody else's is 404."""
    try:
        return ImportBatch.objects.get(pk=int(pk), created_by=user)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("import") from None


def plan_batch(user: Any, batch: ImportBatch) -> ImportPlan:
    """Check the stored file again (the database may have changed since the dry run)."""
    try:
        handle = batch.file.open("rb")
    except OSError:
        raise XlsxError(_("The uploaded file is no longer available; upload it again.")) from None
    with handle:
        if sha256_of(handle) != batch.sha256:
            raise XlsxError(_("The uploaded file has changed on the server; upload it again."))
        return plan_import(user, handle)

"""Excel imports, the parts every kind of import shares (DESIGN.md "Imports").

An import file has bilingual columns (``FileLayout``); reading it maps the header to column
keys and gives each data row as a dict. The app's own checker turns rows into a ``Plan`` (every
row new / update / skip / error). A dry run that may be committed is staged: the file is kept
under MEDIA_ROOT with its sha256 in an ``ImportBatch`` (``StagedUploads``), and the commit
checks that stored file again, never data sent back by the browser.

What stays in each app: its columns and the names people write for its choices, its row
checks, its plan's rows and the action that writes them. The pages: ``lib.import_pages``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import IO, Any, Generic, Protocol, TypeVar

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from safecampus.lib.xlsx import Sheet, XlsxError, read_table
from safecampus.orgs.models import ImportBatch, Organization

# Organisations looked up by code per query: well under every database's parameter limit.
CODE_CHUNK = 500
# A dry run nobody committed within a day is removed with the person's next upload.
STALE_AFTER = timedelta(days=1)

RawRows = list[tuple[int, dict[str, Any]]]


def normalise(text: str) -> str:
    """Matching ignores width (全角), case, spaces and a required-marker asterisk."""
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", text)).casefold()


# --- the file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of an import file: its key, bilingual header, label and other accepted names.

    The header is bilingual on purpose (学校代码 / Code) so one file works whatever language
    the person uses; it is data, not a translated UI string. ``export_zh`` is the Chinese
    header of the same column in the app's export, where it differs, so an export can be
    imported again.
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

    def names(self, normalise: Callable[[str], str] = normalise) -> set[str]:
        texts = {self.zh, self.en, self.header, self.key, *self.aliases}
        if self.export_zh:
            texts |= {self.export_zh, self.export_header}
        return {normalise(text) for text in texts}


@dataclass(frozen=True)
class FileLayout:
    """The columns of one kind of import file and the Chinese names people write for its
    choices, whatever the interface catalog says (the first one is shown on the help sheet)."""

    columns: tuple[Column, ...]
    choice_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    normalise: Callable[[str], str] = normalise

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    def read(self, fileobj: IO[bytes]) -> tuple[RawRows, list[str]]:
        """The data rows as (Excel row number, {column key: cell}) and the headers not used;
        raises XlsxError if the file is unusable."""
        table = read_table(fileobj)
        positions, ignored = self.map_header(table.header)
        raw_rows = [
            (number, {key: values[i] if i < len(values) else None for key, i in positions.items()})
            for number, values in table.rows
        ]
        return raw_rows, ignored

    def map_header(self, header: list[str]) -> tuple[dict[str, int], list[str]]:
        lookup = {name: column for column in self.columns for name in column.names(self.normalise)}
        positions: dict[str, int] = {}
        ignored: list[str] = []
        for index, text in enumerate(header):
            if not text:
                continue
            column = lookup.get(self.normalise(text))
            if column is None:
                ignored.append(text)
            elif column.key in positions:
                raise XlsxError(
                    _("The column “%(column)s” appears twice; keep one.") % {"column": text}
                )
            else:
                positions[column.key] = index
        missing = [c.header for c in self.columns if c.required and c.key not in positions]
        if missing:
            raise XlsxError(
                _(
                    "Required columns are missing: %(columns)s. Download the template to see "
                    "the expected columns."
                )
                % {"columns": ", ".join(missing)}
            )
        return positions, ignored

    def choice_names(self, choices: Any) -> list[tuple[str, str, str]]:
        """(value, Chinese name, English name) for each choice, as the help sheet shows them."""
        rows = []
        for value, label in choices.choices:
            with translation.override("en"):
                english = str(label)
            chinese = self.choice_aliases.get(value, (english,))[0]
            rows.append((value, chinese, english))
        return rows

    def choice_table(self, choices: Any) -> dict[str, str]:
        """Every accepted name of each choice (value, aliases, English and Chinese labels),
        normalised, to its value."""
        table: dict[str, str] = {}
        for value, label in choices.choices:
            names = [value, *self.choice_aliases.get(value, ())]
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    names.append(str(label))
            for name in names:
                table[self.normalise(name)] = value
        return table

    def sheet(self, title: str, rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> Sheet:
        """A sheet of the template: the bilingual header, then ``rows`` (examples, if any)."""
        return Sheet(title=title, header=[c.header for c in self.columns], rows=rows, widths=widths)

    def help_sheet(self, rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> Sheet:
        """The template's help sheet (说明): ``help_rows`` first, then the app's own rows."""
        header = [_("Column"), _("Required"), _("What to write")]
        return Sheet(title="说明 Help", header=header, rows=rows, widths=widths)

    def help_rows(self, notes: Mapping[str, str]) -> Iterator[list[Any]]:
        """The help sheet's first rows: each column, whether it is required, what to write."""
        for column in self.columns:
            yield [
                column.header,
                _("Required") if column.required else "",
                str(notes.get(column.key, "")),
            ]

    def error_list(self, errors: dict[str, list[str]]) -> list[tuple[str, str]]:
        """A row's errors as (column label, message), in the order of the file's columns."""
        order = {column.key: i for i, column in enumerate(self.columns)}
        names = sorted(errors, key=lambda name: order.get(name, len(order)))
        return [(self._label(name), message) for name in names for message in errors[name]]

    def _label(self, name: str) -> str:
        column = self.by_key.get(name)
        return str(column.label) if column is not None else _("Row")


def orgs_by_code(queryset: QuerySet[Organization], codes: Iterable[str]) -> dict[str, Organization]:
    """The organisations of ``queryset`` with these codes: one query per CODE_CHUNK codes."""
    found: dict[str, Organization] = {}
    wanted = sorted(codes)
    for start in range(0, len(wanted), CODE_CHUNK):
        for org in queryset.filter(code__in=wanted[start : start + CODE_CHUNK]):
            found[org.code] = org
    return found


# --- the plan --------------------------------------------------------------------------------


class RowStatus:
    NEW = "new"
    UPDATE = "update"  # a record already there is changed (school lists)
    SKIP = "skip"  # already imported (hazard ledgers)
    ERROR = "error"


class _Row(Protocol):
    status: str


RowT = TypeVar("RowT", bound=_Row)


@dataclass
class Plan(Generic[RowT]):
    """Every data row of a file after checking; nothing is written until the commit."""

    rows: list[RowT]
    ignored_columns: list[str]

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def new_count(self) -> int:
        return self._count(RowStatus.NEW)

    @property
    def update_count(self) -> int:
        return self._count(RowStatus.UPDATE)

    @property
    def skip_count(self) -> int:
        return self._count(RowStatus.SKIP)

    @property
    def error_count(self) -> int:
        return self._count(RowStatus.ERROR)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    @property
    def can_commit(self) -> bool:
        """Whether the dry run is staged and offers the commit."""
        return self.ok


# --- staged uploads (the dry run's file, kept for the commit) ---------------------------------


PlanT = TypeVar("PlanT", bound=Plan[Any])


def sha256_of(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(64 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


class StagedUploads(Generic[PlanT]):
    """The checked uploads of one kind of import, kept as files under MEDIA_ROOT/``folder``/
    for their commit, with a row each in the ImportBatch table.

    ``plan_file(user, fileobj)`` checks a file. Only the file and its counts are stored: no
    record changes until the commit, which checks the stored file again.
    """

    def __init__(
        self,
        folder: str,
        plan_file: Callable[[Any, IO[bytes]], PlanT],
        default_name: str = "upload.xlsx",
    ) -> None:
        self.folder = folder
        self.plan_file = plan_file
        self.default_name = default_name

    def batches(self, user: Any) -> QuerySet[ImportBatch]:
        return ImportBatch.objects.filter(created_by=user, file__startswith=f"{self.folder}/")

    def stage(self, user: Any, upload: UploadedFile, plan: PlanT) -> ImportBatch:
        """Keep a checked upload for its commit; the person's stale uncommitted uploads are
        removed on the way. On disk the name is ours; the person's is kept in original_name."""
        self.discard_stale(user)
        sha = sha256_of(upload)
        name = default_storage.save(f"{self.folder}/{user.pk}/{uuid.uuid4().hex}.xlsx", upload)
        batch = ImportBatch(
            created_by=user,
            original_name=(upload.name or self.default_name)[:200],
            sha256=sha,
            size=upload.size or 0,
            rows=len(plan.rows),
            created=plan.new_count,
            updated=plan.update_count,
        )
        batch.file.name = name
        batch.save()
        return batch

    def discard_stale(self, user: Any) -> None:
        cutoff = timezone.now() - STALE_AFTER
        for batch in self.batches(user).filter(committed_at__isnull=True, uploaded_at__lt=cutoff):
            batch.file.delete(save=False)
            batch.delete()

    def get_for_user(self, user: Any, pk: Any) -> ImportBatch:
        """An upload of this person's; anybody else's (or another kind's) is 404."""
        try:
            return self.batches(user).get(pk=int(pk))
        except (ImportBatch.DoesNotExist, ValueError, TypeError):
            raise Http404("import") from None

    def plan(self, user: Any, batch: ImportBatch) -> PlanT:
        """Check the stored file again (the database may have changed since the dry run)."""
        try:
            handle = batch.file.open("rb")
        except OSError:
            raise XlsxError(
                _("The uploaded file is no longer available; upload it again.")
            ) from None
        with handle:
            if sha256_of(handle) != batch.sha256:
                raise XlsxError(_("The uploaded file has changed on the server; upload it again."))
            return self.plan_file(user, handle)

"""Reading and writing Excel (.xlsx) files safely (DESIGN.md "Imports", "Exports").

Writing streams rows through openpyxl's write-only mode into a temporary file, so the memory
used does not grow with the number of rows. Every text cell that a spreadsheet would run as a
formula (it starts with ``= + - @``, a tab or a carriage return) is escaped with a leading
apostrophe (OWASP "CSV injection").

Reading uses openpyxl's read-only mode; with defusedxml installed openpyxl parses through it
(no entity expansion). The file size, the unzipped size and the number of rows are capped, and
anything that is not a readable .xlsx gets one clear, translated error.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_PREFIX = "'"
MAX_COLUMNS = 64
# A zip can inflate a small upload into gigabytes of XML; real sheets compress ~5-20x.
MAX_UNZIP_RATIO = 100
# Formatted but empty rows are common at the end of a sheet; past this many we stop reading.
MAX_BLANK_RUN = 10_000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003) and password-protected workbooks


# --- writing ------------------------------------------------------------------------------


def escape_cell(value: Any) -> Any:
    """A value safe to put in a cell: text that would start a formula gets an apostrophe;
    characters that XML cannot hold are dropped. Numbers, dates and booleans pass through."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime | time):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_TRIGGERS):
        return ESCAPE_PREFIX + text
    return text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell` for text read back from one of our own files."""
    if text.startswith(ESCAPE_PREFIX) and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


@dataclass
class Sheet:
    """One worksheet to write: a bold header row, then ``rows`` (any iterable, consumed once)."""

    title: str
    rows: Iterable[Sequence[Any]]
    header: Sequence[str] = ()
    widths: Sequence[int] = field(default_factory=list)


def write_xlsx(sheets: Iterable[Sheet]) -> IO[bytes]:
    """Write the sheets into an anonymous temporary file and return it, rewound.

    The file disappears when closed (FileResponse closes it after sending).
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        for index, width in enumerate(sheet.widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        if sheet.header:
            worksheet.freeze_panes = "A2"
            cells = []
            for title in sheet.header:
                cell = WriteOnlyCell(worksheet, value=escape_cell(title))
                cell.font = bold
                cells.append(cell)
            worksheet.append(cells)
        for row in sheet.rows:
            worksheet.append([escape_cell(value) for value in row])
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (the caller closes it)
    try:
        workbook.save(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> FileResponse:
    """An attachment download of the sheets, streamed from a temporary file."""
    return FileResponse(
        write_xlsx(sheets), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


# --- reading ------------------------------------------------------------------------------


class XlsxError(Exception):
    """The file cannot be used; ``message`` says why in the person's language."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class Table:
    """The first worksheet: its header row and the non-blank rows after it.

    ``rows`` holds (Excel row number, cell values) so that messages can name the row a person
    sees in Excel.
    """

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]


def file_size(fileobj: IO[bytes]) -> int:
    size = getattr(fileobj, "size", None)
    if isinstance(size, int):
        return size
    position = fileobj.tell()
    fileobj.seek(0, 2)
    end = fileobj.tell()
    fileobj.seek(position)
    return end


def _not_xlsx() -> XlsxError:
    return XlsxError(
        _(
            "This file is not an Excel workbook (.xlsx) or it is damaged. Open it in Excel or "
            "WPS, save it as .xlsx and upload it again."
        )
    )


def check_upload(fileobj: IO[bytes], max_bytes: int | None = None) -> None:
    """Size and format checks that need no parsing: empty, too big, not a zip, zip bomb."""
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    size = file_size(fileobj)
    if size == 0:
        raise XlsxError(_("The file is empty."))
    if size > limit:
        raise XlsxError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    fileobj.seek(0)
    magic = fileobj.read(4)
    fileobj.seek(0)
    if magic == _OLE_MAGIC:
        raise XlsxError(
            _(
                "This is an old Excel 97-2003 (.xls) file or a password-protected workbook. "
                "Remove the password, save it as .xlsx and upload it again."
            )
        )
    if magic != _ZIP_MAGIC:
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(fileobj) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_xlsx() from None
    finally:
        fileobj.seek(0)
    if unzipped > limit * MAX_UNZIP_RATIO:
        raise XlsxError(_("The workbook is too large once unpacked; split it into smaller files."))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def read_table(
    fileobj: IO[bytes], *, max_rows: int | None = None, max_bytes: int | None = None
) -> Table:
    """The first worksheet's header (first non-blank row) and data rows; blank rows skipped.

    Raises :class:`XlsxError` for an empty, oversize, non-xlsx or damaged file, a sheet
    without a header or data, or more than ``max_rows`` data rows.
    """
    row_limit = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    check_upload(fileobj, max_bytes)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (KeyError, ValueError, ...) on bad files
        raise _not_xlsx() from None
    try:
        return _read_first_sheet(workbook, row_limit)
    except XlsxError:
        raise
    except Exception:  # a damaged part of the zip is only found while reading rows
        raise _not_xlsx() from None
    finally:
        workbook.close()


def _read_first_sheet(workbook: Any, row_limit: int) -> Table:
    if not workbook.worksheets:
        raise XlsxError(_("The workbook has no worksheet."))
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[Any]]] = []
    blank_run = 0
    for number, raw in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
        values = [_plain(value) for value in raw]
        if not any(v not in (None, "") for v in values):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if header is None:
            header = ["" if v is None else str(v).strip() for v in values]
            header_row = number
            continue
        if len(rows) >= row_limit:
            raise XlsxError(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": row_limit}
            )
        rows.append((number, values))
    if header is None:
        raise XlsxError(_("The worksheet is empty: it needs a header row and at least one row."))
    if not rows:
        raise XlsxError(_("The worksheet has a header row but no data rows."))
    while header and header[-1] == "":
        header.pop()
    return Table(header=header, header_row=header_row, rows=rows)


def _plain(value: Any) -> Any:
    """Cell values as the importer wants them: text stripped and un-escaped, whole floats
    as ints (Excel stores 1001 as 1001.0 when typed into a General cell)."""
    if isinstance(value, str):
        return unescape_cell(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def cell_text(value: Any) -> str:
    """A cell value as text for a form field ('' for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()

"""Excel helpers: formula escaping, streaming write, safe and capped read."""

import zipfile
from io import BytesIO

import openpyxl.xml
import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from safecampus.lib.xlsx import (
    Sheet,
    XlsxError,
    check_upload,
    escape_cell,
    read_table,
    unescape_cell,
    write_xlsx,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def workbook_bytes(*rows):
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    out = BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+86 571", "'+86 571"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("东湖第一小学", "东湖第一小学"),
        ("a=b", "a=b"),
        ("bell\x07", "bell"),
        (-2, -2),
        (3.5, 3.5),
        (True, True),
        (None, None),
    ],
)
def test_it_escapes_cells_that_a_spreadsheet_would_run_as_formulas(value, escaped):
    assert escape_cell(value) == escaped


def test_unescaping_gives_back_the_original_text():
    for text in ("=1+1", "+86", "@x", "'quoted", "plain"):
        assert unescape_cell(escape_cell(text)) == text


def test_written_files_hold_text_not_formulas_and_have_a_header():
    out = write_xlsx(
        [Sheet("Data", rows=iter([["=cmd|' /C calc'!A0", 5]]), header=["Name", "N"], widths=[20])]
    )
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Name", "N"] and sheet["A1"].font.bold
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 5
    assert sheet.freeze_panes == "A2"


def test_written_rows_are_consumed_lazily_from_a_generator():
    def rows():
        for n in range(5000):
            yield [f"学校{n}", n]

    out = write_xlsx([Sheet("Big", rows=rows())])
    table = read_table(out, max_rows=5000)
    assert len(table.rows) == 4999 and table.header == ["学校0", "0"]


def test_reading_skips_blank_rows_and_keeps_excel_row_numbers():
    table = read_table(
        workbook_bytes([], ["Code", "Name", None], ["S1", " 一小 "], [None, ""], ["S2", 1001.0])
    )
    assert table.header == ["Code", "Name"] and table.header_row == 2
    assert [(n, v[:2]) for n, v in table.rows] == [(3, ["S1", "一小"]), (5, ["S2", 1001])]


def test_reading_undoes_our_own_escaping():
    out = write_xlsx([Sheet("S", rows=[["=1+1"]], header=["Formula"])])
    assert read_table(out).rows[0][1][0] == "=1+1"


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def _zip(**members):
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BytesIO(b""), "The file is empty."),
        (BytesIO(b"code,name\n"), "not an Excel workbook"),
        (BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), "Excel 97-2003"),
        (BytesIO(b"PK\x03\x04garbage"), "not an Excel workbook"),
        (_zip(**{"readme.txt": "not a workbook"}), "not an Excel workbook"),
        (workbook_bytes(), "The worksheet is empty"),
        (workbook_bytes(["Code"]), "no data rows"),
    ],
)
def test_unusable_files_get_one_clear_error(content, message):
    with pytest.raises(XlsxError) as error:
        read_table(content)
    assert message in error.value.message


def test_the_row_cap_is_enforced():
    content = workbook_bytes(["Code"], ["S1"], ["S2"], ["S3"])
    assert len(read_table(content, max_rows=3).rows) == 3
    content.seek(0)
    with pytest.raises(XlsxError, match="more than 2 rows"):
        read_table(content, max_rows=2)


def test_the_size_cap_is_enforced():
    content = workbook_bytes(["Code"], ["S1"])
    with pytest.raises(XlsxError, match="too large"):
        read_table(content, max_bytes=1024)


def test_a_zip_that_unpacks_to_far_more_than_the_cap_is_refused():
    bomb = _zip(**{"xl/worksheets/sheet1.xml": "0" * 2_000_000})
    with pytest.raises(XlsxError, match="too large once unpacked"):
        check_upload(bomb, max_bytes=10_000)

"""Browser journey: a county officer checks an Excel file, sees the bad rows, fixes and imports."""

import pytest
from openpyxl import Workbook

from safecampus.lib.testing.browser import log_in, shot
from safecampus.lib.testing.factories import PASSWORD
from safecampus.orgs.models import Organization

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["上级单位代码", "学校代码", "学校名称", "学校类型", "办学性质", "是否有证", "学生数"]


def _workbook(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def test_the_import_preview_lists_bad_rows_then_imports_a_good_file(
    page,
    live_server,
    county_officer,
    world,
    tmp_path,
):
    bad = _workbook(
        tmp_path / "bad.xlsx",
        [
            ["CA", "SA10", "东湖第十小学", "小学", "公办", "是", 600],
            ["CB", "SA11", "越界小学", "小学", "公办", "是", 300],
            ["CA", "SA12", "东湖小星星幼儿园", "城堡", "民办", "否", "很多"],
        ],
    )
    log_in(page, live_server.url, "county_officer", PASSWORD)
    page.goto(f"{live_server.url}/orgs/import/")
    page.set_input_files("#import-form input[type=file]", bad)
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-rows")
    rows = page.locator("#import-rows").inner_text()
    assert "CB" in rows and "城堡" in rows
    assert page.locator("#commit-button").count() == 0
    shot(page, "import-preview-errors-zh")
    assert not Organization.objects.filter(code__in=["SA10", "SA11", "SA12"]).exists()

    good = _workbook(
        tmp_path / "good.xlsx",
        [
            ["CA", "SA10", "东湖第十小学", "小学", "公办", "是", 600],
            ["CA", "SA12", "东湖小星星幼儿园", "幼儿园", "民办", "否", 90],
        ],
    )
    page.goto(f"{live_server.url}/orgs/import/")
    page.set_input_files("#import-form input[type=file]", good)
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#commit-button")
    shot(page, "import-preview-ok-zh")
    page.click("#commit-button")
    page.wait_for_load_state()
    shot(page, "import-done-zh")
    assert set(
        Organization.objects.filter(code__in=["SA10", "SA12"]).values_list("name", flat=True)
    ) == {"东湖第十小学", "东湖小星星幼儿园"}

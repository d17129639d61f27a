"""Browser journey of the four-colour map: the safety officer builds the register from the
library, grades points, uploads the campus plan, draws a rectangle and a polygon with the
mouse, places the points in them, and prints the A3 sheet (screenshots in Chinese and English,
and the A3 PDF, under test-artifacts/). The county then looks at its schools."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from PIL import Image

from safecampus.lib.testing.browser import ARTIFACTS, log_in, shot
from safecampus.lib.testing.factories import PASSWORD
from safecampus.risks import actions
from safecampus.risks.choices import Level
from safecampus.risks.models import CampusArea, CampusPlan, LibraryItem, RiskPoint
from safecampus.risks.tests.map_helpers import category, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A few entries of our own: a transactional test starts from an emptied database, without
# the standard library the data migration loads.
LIBRARY = [
    ("MAP-01", "教学楼楼梯拥挤踩踏", "群死群伤", "上下楼分时分流，楼梯口安排教师值守"),
    ("MAP-02", "食堂燃气泄漏", "火灾、爆炸", "每日检查燃气管道和报警器"),
    ("MAP-03", "食堂地面湿滑", "滑倒摔伤", "设置防滑垫和警示牌"),
    ("MAP-04", "灭火器过期失效", "火灾初期无法扑救", "每月检查压力和有效期"),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _library() -> None:
    fire = category()
    for code, hazard, consequences, measures in LIBRARY:
        LibraryItem.objects.create(
            code=code,
            category=fire,
            hazard_zh=hazard,
            consequences_zh=consequences,
            measures_zh=measures,
            frequency="monthly",
            school_kinds=["all"],
        )


def _drag(page, box, start, end) -> None:
    page.mouse.move(box["x"] + start[0] * box["width"], box["y"] + start[1] * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + end[0] * box["width"], box["y"] + end[1] * box["height"], steps=6)
    page.mouse.up()


def _at(box, x, y):
    return box["x"] + x * box["width"], box["y"] + y * box["height"]


def test_the_safety_officer_draws_and_prints_the_four_colour_map(
    page, browser, live_server, world, safety_officer, school_principal, county_officer, tmp_path
):
    school = world.school_a1
    base = live_server.url
    _library()
    plan_file = tmp_path / "校园平面图.png"
    plan_file.write_bytes(png(1200, 750))

    # 1. Build the register from the library (the register's build page).
    log_in(page, base, "safety_officer", PASSWORD)
    page.goto(f"{base}/risks/schools/{school.pk}/build/")
    page.check("#id_everything")
    page.click("#build-submit")
    page.wait_for_url(f"{base}/risks/schools/{school.pk}/")
    points = {p.hazard: p for p in RiskPoint.objects.filter(school=school)}
    assert set(points) >= {hazard for _c, hazard, _x, _y in LIBRARY}

    # 2. Grade them: one on the assessment page (LEC 10×6×7 = 420, red), the rest by action.
    stairs = points["教学楼楼梯拥挤踩踏"]
    page.goto(f"{base}/risks/points/{stairs.pk}/assess/")
    page.select_option("#id_l", "10")
    page.select_option("#id_e", "6")
    page.select_option("#id_c", "7")
    page.click("#assess-submit")
    page.wait_for_selector(".messages .msg-success")
    today = datetime.date.today()
    for hazard, (l_, e_, c_) in {
        "食堂燃气泄漏": (6, 6, 7),  # 252: orange
        "食堂地面湿滑": (1, 6, 3),  # 18: blue
        "灭火器过期失效": (3, 6, 7),  # 126: yellow
    }.items():
        actions.do_assess(safety_officer, points[hazard], l=l_, e=e_, c=c_, assessed_on=today)
    # Who answers for the serious ones (named on the printed sheet).
    actions.do_update_point(safety_officer, stairs, responsible=school_principal)
    actions.do_update_point(safety_officer, points["食堂燃气泄漏"], responsible_post="食堂管理员")
    levels = dict(RiskPoint.objects.filter(school=school).values_list("hazard", "level"))
    assert levels["教学楼楼梯拥挤踩踏"] == Level.RED and levels["食堂燃气泄漏"] == Level.ORANGE

    # 3. Upload the campus plan in the editor.
    page.goto(f"{base}/risks/map/{school.pk}/edit/")
    page.set_input_files("#id_image", str(plan_file))
    page.fill("#id_title", "东湖第一小学校园平面图")
    page.click("#plan-save")
    page.wait_for_selector(".messages .msg-success")
    assert CampusPlan.objects.get(school=school).width == 1200
    page.wait_for_load_state("load")  # the plan image is in

    # 4. Draw a rectangle by dragging, and name it.
    box = page.locator("svg.map-overlay").bounding_box()
    _drag(page, box, (0.08, 0.1), (0.42, 0.5))
    page.fill("#id_name", "教学楼")
    shot(page, "risk-map-1-rectangle-drawn-zh")
    page.click("#area-save")
    page.wait_for_selector(".messages .msg-success")

    # 5. Draw a polygon corner by corner, closing it with a double-click.
    page.click("#mode-polygon")
    box = page.locator("svg.map-overlay").bounding_box()
    for corner in [(0.5, 0.1), (0.9, 0.1), (0.9, 0.45)]:
        page.mouse.click(*_at(box, *corner))
    page.mouse.dblclick(*_at(box, 0.6, 0.45))
    assert "polygon" in page.input_value("#id_shape")
    page.fill("#id_name", "食堂")
    page.click("#area-save")
    page.wait_for_selector(".messages .msg-success")
    building = CampusArea.objects.get(school=school, name="教学楼")
    canteen = CampusArea.objects.get(school=school, name="食堂")
    assert building.shape["type"] == "rect"
    assert building.shape["points"][0] == pytest.approx([0.08, 0.1], abs=0.01)
    assert canteen.shape["type"] == "polygon" and len(canteen.shape["points"]) == 4

    # 6. Place the points in the areas (the editor's placement table).
    page.click("#assign-panel summary")
    for hazard, target in {
        "教学楼楼梯拥挤踩踏": building,
        "灭火器过期失效": building,
        "食堂燃气泄漏": canteen,
        "食堂地面湿滑": canteen,
    }.items():
        page.select_option(f"#id_point-{points[hazard].pk}", str(target.pk))
    page.click("#assign-save")
    page.wait_for_selector(".messages .msg-success")
    shot(page, "risk-map-2-editor-zh")

    # 7. The map: each area in the colour of its most serious point.
    page.goto(f"{base}/risks/map/{school.pk}/")
    page.wait_for_load_state("load")  # the plan image is in
    assert page.get_attribute(f"#map-area-{building.pk}", "data-level") == "red"
    assert page.get_attribute(f"#map-area-{canteen.pk}", "data-level") == "orange"
    shot(page, "risk-map-3-view-zh")

    # 8. The A3 sheet: screenshot and an A3 landscape PDF that fits on one page.
    page.goto(f"{base}/risks/map/{school.pk}/print/")
    page.wait_for_load_state("load")  # the plan image is in
    assert page.locator("h1").inner_text() == "东湖第一小学安全风险四色分布图"
    assert page.locator(".mainnav").count() == 0
    people = page.locator("#sheet-people").inner_text()
    assert str(school_principal) in people and str(safety_officer) in people
    serious = page.locator("#sheet-serious").inner_text()
    assert str(school_principal) in serious and "食堂管理员" in serious
    page.set_viewport_size({"width": 1588, "height": 1123})  # A3 landscape at 96 dpi
    shot(page, "risk-map-4-print-zh")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"risk-map-print-a3-zh-{connection.vendor}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf_path), format="A3", landscape=True, print_background=True)
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "the sheet should fit on one A3 page"
    width, height = (
        float(v) for v in re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups()
    )
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (420, 297)  # A3 landscape, mm
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 860})

    # 9. The same pages in English.
    page.goto(f"{base}/risks/map/{school.pk}/")
    page.click("#lang-en")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_load_state("load")  # the plan image is in
    assert "four-colour risk map" in page.locator("h1").inner_text()
    shot(page, "risk-map-5-view-en")
    page.goto(f"{base}/risks/map/{school.pk}/print/")
    page.wait_for_load_state("load")  # the plan image is in
    page.set_viewport_size({"width": 1588, "height": 1123})
    shot(page, "risk-map-6-print-en")

    # 10. The county's overview of its schools, as a table and as a grid.
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    county = context.new_page()
    log_in(county, base, "county_officer", PASSWORD)
    county.goto(f"{base}/risks/map/?org={world.county_a.pk}")
    assert county.get_attribute(f'tr[data-org="{school.pk}"] td.level-cell', "class").endswith(
        "level-red"
    )
    shot(county, "risk-map-7-county-table-zh")
    county.goto(f"{base}/risks/map/?org={world.county_a.pk}&view=grid")
    assert county.locator(".tile").first.get_attribute("data-level") == "red"
    shot(county, "risk-map-8-county-grid-zh")
    context.close()
    Image.open(ARTIFACTS / f"risk-map-4-print-zh-{connection.vendor}.png").verify()

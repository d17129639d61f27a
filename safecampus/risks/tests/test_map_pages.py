"""The school's four-colour map: who sees and edits it, the plan upload, drawn areas and
their colours (highest displayed level), and the printable A3 sheet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from safecampus.audit.models import AuditEvent
from safecampus.risks.choices import COLOURS, Level
from safecampus.risks.models import CampusArea, CampusPlan, RiskPoint
from safecampus.risks.plans import MAX_BYTES
from safecampus.risks.tests.map_helpers import (
    RECT,
    TRIANGLE,
    area,
    open_major_hazard,
    png,
    point,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    # A folder per test, so "nothing written" means nothing at all.
    settings.MEDIA_ROOT = str(tmp_path / "media")


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(school, suffix=""):
    return f"/risks/map/{school.pk}/{suffix}"


def plan_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "campus_plans"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def with_plan(world, safety_officer, as_user):
    response = as_user(safety_officer).post(url(world.school_a1, "plan/"), {"image": upload()})
    assert response.status_code == 302
    return CampusPlan.objects.get(school=world.school_a1)


# --- who may see and edit ---------------------------------------------------------------------


def test_a_teacher_sees_the_map_but_not_the_editor(world, teacher, as_user, with_plan):
    client = as_user(teacher)

    page = client.get(url(world.school_a1))
    assert page.status_code == 200
    assert "map-edit-link" not in page.content.decode()
    assert client.get(url(world.school_a1, "print/")).status_code == 200
    assert client.get(url(world.school_a1, "plan.img")).status_code == 200
    assert client.get(url(world.school_a1, "edit/")).status_code == 403


def test_an_outsider_gets_404_on_every_map_page(world, other_county_officer, as_user, with_plan):
    client = as_user(other_county_officer)
    kept = area(world.school_a1, "食堂", RECT)

    for path in ["", "print/", "plan.img", "edit/"]:
        assert client.get(url(world.school_a1, path)).status_code == 404, path
    for path in ["plan/", "areas/", f"areas/{kept.pk}/delete/", "assign/"]:
        assert client.post(url(world.school_a1, path), {"name": "x"}).status_code == 404, path
    assert client.get(f"/risks/map/?org={world.county_a.pk}").status_code == 404
    assert CampusArea.objects.filter(pk=kept.pk).exists()


@pytest.mark.parametrize("persona", ["county_viewer", "teacher", "county_inspector"])
def test_read_only_personas_may_not_change_the_map(request, world, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    kept = area(world.school_a1, "食堂", RECT)
    shape = json.dumps(TRIANGLE)

    assert client.get(url(world.school_a1)).status_code == 200
    assert client.get(url(world.school_a1, "edit/")).status_code == 403
    assert client.post(url(world.school_a1, "plan/"), {"image": upload()}).status_code == 403
    assert (
        client.post(url(world.school_a1, "areas/"), {"name": "操场", "shape": shape}).status_code
        == 403
    )
    assert client.post(url(world.school_a1, f"areas/{kept.pk}/delete/")).status_code == 403
    assert client.post(url(world.school_a1, "assign/")).status_code == 403
    assert CampusPlan.objects.count() == 0
    assert list(CampusArea.objects.values_list("name", flat=True)) == ["食堂"]


@pytest.mark.parametrize("persona", ["safety_officer", "school_principal", "county_staff"])
def test_the_school_and_its_county_may_edit(request, world, as_user, persona):
    client = as_user(request.getfixturevalue(persona))

    assert client.get(url(world.school_a1, "edit/")).status_code == 200


def test_a_bureau_is_not_a_school_map(world, county_officer, as_user):
    assert as_user(county_officer).get(url(world.county_a)).status_code == 404


# --- the plan image ---------------------------------------------------------------------------


def test_the_safety_officer_uploads_a_plan_served_only_through_the_map(
    world, safety_officer, as_user, with_plan
):
    assert (with_plan.width, with_plan.height) == (800, 500)
    assert with_plan.uploaded_by == safety_officer
    assert AuditEvent.objects.filter(verb="risk.plan_uploaded").count() == 1
    response = as_user(safety_officer).get(url(world.school_a1, "plan.img"))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "private" in response["Cache-Control"]


def test_a_large_plan_is_scaled_down_and_its_metadata_dropped(world, safety_officer, as_user):
    response = as_user(safety_officer).post(
        url(world.school_a1, "plan/"), {"image": upload(png(6000, 3000))}
    )

    assert response.status_code == 302
    plan = CampusPlan.objects.get()
    assert (plan.width, plan.height) == (4000, 2000)


def test_a_text_file_named_png_is_refused_and_nothing_written(world, safety_officer, as_user):
    fake = upload(b"this is the school's duty roster, not a picture\n" * 20, "plan.png")

    response = english(as_user(safety_officer)).post(url(world.school_a1, "plan/"), {"image": fake})

    assert response.status_code == 400
    assert "not an image SafeCampus can read" in response.content.decode()
    assert CampusPlan.objects.count() == 0
    assert plan_files() == []
    assert not AuditEvent.objects.filter(verb="risk.plan_uploaded").exists()


def test_an_oversize_plan_is_refused_and_nothing_written(world, safety_officer, as_user):
    huge = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_BYTES, "huge.png")

    response = english(as_user(safety_officer)).post(url(world.school_a1, "plan/"), {"image": huge})

    assert response.status_code == 400
    assert "at most 15 MB" in response.content.decode()
    assert CampusPlan.objects.count() == 0
    assert plan_files() == []


def test_replacing_the_plan_keeps_its_areas_and_removes_the_old_file(
    world, safety_officer, as_user, with_plan, django_capture_on_commit_callbacks
):
    drawn = area(world.school_a1, "教学楼", RECT, plan=with_plan)
    old = Path(with_plan.image.path)

    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(safety_officer).post(
            url(world.school_a1, "plan/"), {"image": upload(png(1000, 625)), "title": "新校区"}
        )

    assert response.status_code == 302
    plan = CampusPlan.objects.get()
    assert plan.pk == with_plan.pk and (plan.width, plan.title) == (1000, "新校区")
    assert CampusArea.objects.get(pk=drawn.pk).plan == plan
    assert not old.exists()
    assert plan_files() == [Path(plan.image.path)]


# --- drawing areas ----------------------------------------------------------------------------


def test_it_saves_a_drawn_rectangle_as_a_new_area(world, safety_officer, as_user, with_plan):
    shape = {"type": "rect", "points": [[0.4, 0.5], [0.1, 0.1]]}

    response = as_user(safety_officer).post(
        url(world.school_a1, "areas/"), {"name": "教学楼", "shape": json.dumps(shape)}
    )

    assert response.status_code == 302
    saved = CampusArea.objects.get(name="教学楼")
    # Corners are stored sorted, top-left first.
    assert saved.shape == RECT and saved.plan == with_plan
    assert AuditEvent.objects.filter(verb="risk.area_saved").exists()


def test_it_draws_a_polygon_on_an_existing_area_and_renames_it(
    world, safety_officer, as_user, with_plan
):
    existing = area(world.school_a1, "食堂")

    response = as_user(safety_officer).post(
        url(world.school_a1, "areas/"),
        {"area": existing.pk, "name": "学生食堂", "shape": json.dumps(TRIANGLE)},
    )

    assert response.status_code == 302
    existing.refresh_from_db()
    assert (existing.name, existing.shape, existing.plan) == ("学生食堂", TRIANGLE, with_plan)


BAD_SHAPES = {
    "not json": ("{rect", "could not be read"),
    "unknown type": (
        json.dumps({"type": "circle", "points": [[0.1, 0.1]]}),
        "rectangle or a polygon",
    ),
    "polygon of two points": (
        json.dumps({"type": "polygon", "points": [[0.1, 0.1], [0.2, 0.2]]}),
        "between 3 and 50 points",
    ),
    "polygon of 51 points": (
        json.dumps({"type": "polygon", "points": [[i / 100, 0.5] for i in range(51)]}),
        "between 3 and 50 points",
    ),
    "rect of three points": (
        json.dumps({"type": "rect", "points": [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]}),
        "two opposite corners",
    ),
    "outside the plan": (
        json.dumps({"type": "rect", "points": [[0.1, 0.1], [1.2, 0.5]]}),
        "between 0 and 1",
    ),
    "not numbers": (
        json.dumps({"type": "polygon", "points": [["a", 0], [0, 1], [1, 1]]}),
        "between 0 and 1",
    ),
    "flat rectangle": (
        json.dumps({"type": "rect", "points": [[0.1, 0.1], [0.1, 0.5]]}),
        "no area",
    ),
}


@pytest.mark.parametrize("shape,message", BAD_SHAPES.values(), ids=BAD_SHAPES.keys())
def test_a_bad_shape_is_refused_with_nothing_written(
    world, safety_officer, as_user, with_plan, shape, message
):
    existing = area(world.school_a1, "食堂", RECT, plan=with_plan)
    client = english(as_user(safety_officer))

    new = client.post(url(world.school_a1, "areas/"), {"name": "操场", "shape": shape})
    redraw = client.post(url(world.school_a1, "areas/"), {"area": existing.pk, "shape": shape})

    for response in (new, redraw):
        assert response.status_code == 400
        assert message in response.content.decode()
    assert list(CampusArea.objects.values_list("name", flat=True)) == ["食堂"]
    existing.refresh_from_db()
    assert existing.shape == RECT
    assert not AuditEvent.objects.filter(verb="risk.area_saved").exists()


def test_a_new_area_needs_a_name_and_a_shape(world, safety_officer, as_user, with_plan):
    client = english(as_user(safety_officer))

    unnamed = client.post(url(world.school_a1, "areas/"), {"shape": json.dumps(RECT)})
    undrawn = client.post(url(world.school_a1, "areas/"), {"name": "操场"})

    assert (unnamed.status_code, undrawn.status_code) == (400, 400)
    assert "Name the new area" in unnamed.content.decode()
    assert "Draw the area on the plan first" in undrawn.content.decode()
    assert CampusArea.objects.count() == 0


def test_an_area_of_another_school_cannot_be_chosen(world, safety_officer, as_user, with_plan):
    elsewhere = area(world.school_a2, "园舍", RECT)

    response = as_user(safety_officer).post(
        url(world.school_a1, "areas/"), {"area": elsewhere.pk, "shape": json.dumps(TRIANGLE)}
    )

    assert response.status_code == 400
    elsewhere.refresh_from_db()
    assert elsewhere.shape == RECT


def test_deleting_an_area_keeps_its_points_in_the_register(world, safety_officer, as_user):
    canteen = area(world.school_a1, "食堂", RECT)
    kept = point(world.school_a1, Level.YELLOW, area=canteen)

    response = as_user(safety_officer).post(url(world.school_a1, f"areas/{canteen.pk}/delete/"))

    assert response.status_code == 302
    assert not CampusArea.objects.filter(pk=canteen.pk).exists()
    kept.refresh_from_db()
    assert kept.area is None and kept.active
    event = AuditEvent.objects.get(verb="risk.area_deleted")
    assert event.changes["points_unplaced"] == [kept.pk]


def test_an_area_of_another_school_cannot_be_deleted_through_this_one(
    world, safety_officer, as_user
):
    elsewhere = area(world.school_a2, "园舍", RECT)

    response = as_user(safety_officer).post(url(world.school_a1, f"areas/{elsewhere.pk}/delete/"))

    assert response.status_code == 404
    assert CampusArea.objects.filter(pk=elsewhere.pk).exists()


def test_it_places_points_in_areas(world, safety_officer, as_user):
    canteen, gate = area(world.school_a1, "食堂", RECT), area(world.school_a1, "校门", TRIANGLE)
    first = point(world.school_a1, Level.RED, hazard="燃气泄漏")
    second = point(world.school_a1, Level.BLUE, area=canteen, hazard="地面湿滑")
    untouched = point(world.school_a1, Level.BLUE, area=gate, hazard="not on the form")

    response = as_user(safety_officer).post(
        url(world.school_a1, "assign/"),
        {f"point-{first.pk}": canteen.pk, f"point-{second.pk}": gate.pk},
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.area, second.area) == (canteen, gate)
    untouched.refresh_from_db()
    assert untouched.area == gate
    assert AuditEvent.objects.filter(verb="risk.point_updated").count() == 2


def test_placing_a_point_in_another_schools_area_is_refused(world, safety_officer, as_user):
    elsewhere = area(world.school_a2, "园舍", RECT)
    first = point(world.school_a1, Level.RED)

    response = as_user(safety_officer).post(
        url(world.school_a1, "assign/"), {f"point-{first.pk}": elsewhere.pk}
    )

    assert response.status_code == 400
    first.refresh_from_db()
    assert first.area is None


# --- colours --------------------------------------------------------------------------------


def _levels_on_the_plan(html: str) -> dict[str, str]:
    import re

    found = re.findall(r'<g class="map-area level-(\w+)" data-area-id="(\d+)"', html)
    return {pk: level for level, pk in found}


def test_an_area_takes_the_highest_displayed_level_of_its_active_points(
    world, teacher, as_user, with_plan, categories
):
    school = world.school_a1
    canteen, gate, lab, yard = (
        area(school, name, RECT, plan=with_plan) for name in ("食堂", "校门", "实验室", "操场")
    )
    point(school, Level.BLUE, area=canteen)
    point(school, Level.ORANGE, area=canteen)
    point(school, Level.RED, area=canteen, active=False)  # retired points do not colour
    raised = point(school, Level.BLUE, area=gate)
    open_major_hazard(raised, categories)  # 直接判定: open major hazard shows red
    point(school, Level.YELLOW, area=lab)
    point(school, "", area=yard)  # not graded yet: grey outline

    html = as_user(teacher).get(url(school)).content.decode()

    assert _levels_on_the_plan(html) == {
        str(canteen.pk): "orange",
        str(gate.pk): "red",
        str(lab.pk): "yellow",
        str(yard.pk): "none",
    }
    assert 'data-level="red"><span class="swatch level-red"></span>' in html
    legend = html[html.index('id="map-legend"') :]
    # Legend counts use the displayed level: the raised blue point counts red.
    for level, count in {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "none": 1}.items():
        item = legend[legend.index(f'data-level="{level}"') :]
        assert f'<span class="count">{count}</span>' in item[: item.index("</li>")], level


def test_the_colours_of_the_stylesheet_are_those_of_the_levels():
    css = (Path(django_settings.BASE_DIR) / "safecampus/static/risks/map.css").read_text()

    for level, colour in COLOURS.items():
        assert f".level-{level} {{ --level: {colour};" in css


# --- the printable sheet ----------------------------------------------------------------------


def test_the_print_sheet_names_the_school_people_and_red_orange_areas(
    world, teacher, safety_officer, school_principal, as_user, with_plan
):
    school = world.school_a1
    canteen = area(school, "食堂", RECT, plan=with_plan)
    gate = area(school, "校门", TRIANGLE, plan=with_plan)
    point(school, Level.RED, area=canteen, responsible=school_principal)
    point(school, Level.ORANGE, area=gate, responsible_post="门卫室")
    point(school, Level.BLUE, area=gate, responsible=teacher)

    client = as_user(teacher)
    text = client.get(url(school, "print/")).content.decode()

    assert "东湖第一小学安全风险四色分布图" in text
    assert "mainnav" not in text and "topbar" not in text  # no navigation on the poster
    assert "risks/map-print.css" in text and 'data-print id="print-button"' in text
    people = text[text.index('id="sheet-people"') : text.index("</dl>")]
    assert str(school_principal) in people and str(safety_officer) in people
    serious = text[
        text.index('id="sheet-serious"') : text.index("</table>", text.index('id="sheet-serious"'))
    ]
    assert "食堂" in serious and str(school_principal) in serious
    assert "校门" in serious and "门卫室" in serious
    assert str(teacher) not in serious  # the blue point's person is not a red/orange contact
    legend = english(client).get(url(school, "print/")).content.decode()
    assert "four-colour safety risk map" in legend
    assert "Principal; listed by the county, seen by the city" in legend  # red's control tier


def test_the_print_stylesheet_asks_for_a3_landscape():
    css = (Path(django_settings.BASE_DIR) / "safecampus/static/risks/map-print.css").read_text()

    assert "@page { size: A3 landscape;" in css


def test_the_map_without_a_plan_says_so(world, safety_officer, as_user):
    point(world.school_a1, Level.RED)

    html = as_user(safety_officer).get(url(world.school_a1)).content.decode()

    assert 'id="no-plan"' in html and 'id="unplaced-points"' in html
    assert RiskPoint.objects.count() == 1


def test_the_action_itself_refuses_a_bad_shape(world, safety_officer):
    from safecampus.lib.errors import ActionError
    from safecampus.risks import actions

    with pytest.raises(ActionError) as refused:
        actions.do_save_area(
            safety_officer,
            world.school_a1,
            name="操场",
            shape={"type": "rect", "points": [[0, 0], [2, 2]]},
        )

    assert refused.value.errors.keys() == {"shape"}
    assert CampusArea.objects.count() == 0

"""A bureau's four-colour overview: its schools (a city: its counties, to drill into) with
their active points by displayed level, counted in one grouped query."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safecampus.lib.testing.factories import make_school
from safecampus.risks.choices import Level
from safecampus.risks.tests.map_helpers import open_major_hazard, point

pytestmark = pytest.mark.django_db
ROLLUP = "/risks/map/"


def rows(html: str) -> dict[str, list[str]]:
    """{org pk: [highest level, red, orange, yellow, blue, ungraded]} of the table."""
    found = {}
    for pk, body in re.findall(r'<tr data-org="(\d+)">(.*?)</tr>', html, re.S):
        level = re.search(r'class="level-cell level-(\w+)"', body).group(1)
        counts = re.findall(r'data-count="\w+">(\d+)</td>', body)
        found[pk] = [level, *counts]
    return found


@pytest.fixture
def graded(world, categories):
    a1, a2, b1 = world.school_a1, world.school_a2, world.school_b1
    point(a1, Level.ORANGE)
    point(a1, Level.YELLOW)
    raised = point(a1, Level.ORANGE)
    open_major_hazard(raised, categories)  # counts as red, and not as orange
    point(a1, Level.RED, active=False)  # retired: not counted
    point(a2, Level.BLUE)
    point(a2, "")
    point(b1, Level.RED)
    point(world.direct_school, Level.YELLOW)
    return world


def test_a_county_sees_its_schools_by_displayed_level(graded, county_officer, as_user):
    html = as_user(county_officer).get(f"{ROLLUP}?org={graded.county_a.pk}").content.decode()

    assert rows(html) == {
        str(graded.school_a1.pk): ["red", "1", "1", "1", "0", "0"],
        str(graded.school_a2.pk): ["blue", "0", "0", "0", "1", "1"],
    }
    # Red first.
    assert html.index(f'data-org="{graded.school_a1.pk}"') < html.index(
        f'data-org="{graded.school_a2.pk}"'
    )


def test_the_active_org_is_the_default(graded, county_officer, as_user):
    html = as_user(county_officer).get(ROLLUP).content.decode()

    assert set(rows(html)) == {str(graded.school_a1.pk), str(graded.school_a2.pk)}


def test_a_city_sees_its_counties_rolled_up_and_drills_down(graded, city_admin, as_user):
    client = as_user(city_admin)

    html = client.get(f"{ROLLUP}?org={graded.city.pk}").content.decode()

    assert rows(html) == {
        str(graded.county_a.pk): ["red", "1", "1", "1", "1", "1"],
        str(graded.county_b.pk): ["red", "1", "0", "0", "0", "0"],
        str(graded.direct_school.pk): ["yellow", "0", "0", "1", "0", "0"],
    }
    assert f'href="?org={graded.county_a.pk}"' in html
    assert f'href="/risks/map/{graded.direct_school.pk}/"' in html
    county = client.get(f"{ROLLUP}?org={graded.county_b.pk}").content.decode()
    assert rows(county) == {str(graded.school_b1.pk): ["red", "1", "0", "0", "0", "0"]}
    assert 'id="rollup-up"' in county


def test_it_filters_by_level(graded, county_officer, as_user):
    client = as_user(county_officer)
    base = f"{ROLLUP}?org={graded.county_a.pk}"

    assert set(rows(client.get(f"{base}&level=blue").content.decode())) == {
        str(graded.school_a2.pk)
    }
    assert set(rows(client.get(f"{base}&level=red").content.decode())) == {str(graded.school_a1.pk)}
    assert rows(client.get(f"{base}&level=none").content.decode()).keys() == {
        str(graded.school_a2.pk)
    }


def test_the_grid_shows_a_tile_per_school_red_first(graded, county_officer, as_user):
    html = as_user(county_officer).get(f"{ROLLUP}?org={graded.county_a.pk}&view=grid")
    text = html.content.decode()

    tiles = re.findall(r'<a class="tile level-(\w+)"', text)
    assert tiles == ["red", "blue"]


def test_an_outsider_gets_404_and_a_school_user_goes_to_the_school_map(
    graded, other_county_officer, teacher, as_user
):
    assert (
        as_user(other_county_officer).get(f"{ROLLUP}?org={graded.county_a.pk}").status_code == 404
    )
    response = as_user(teacher).get(ROLLUP)
    assert response.status_code == 302
    assert response.url == f"/risks/map/{graded.school_a1.pk}/"


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_schools(
    world, county_officer, city_admin, as_user, categories
):
    client, city = as_user(county_officer), as_user(city_admin)
    county_page = f"{ROLLUP}?org={world.county_a.pk}"
    city_page = f"{ROLLUP}?org={world.city.pk}"
    point(world.school_a1, Level.RED)
    client.get(county_page)  # warm the session and caches
    city.get(city_page)
    small = (_queries(client, county_page), _queries(city, city_page))

    for n in range(8):
        school = make_school(world.county_a, f"新学校{n}", code=f"NEW{n}")
        for level in (Level.RED, Level.ORANGE, Level.BLUE, ""):
            point(school, level)
        open_major_hazard(point(school, Level.YELLOW), categories)

    assert (_queries(client, county_page), _queries(city, city_page)) == small
    html = client.get(county_page).content.decode()
    assert len(rows(html)) == 10


def _workbook(response):
    from io import BytesIO

    from openpyxl import load_workbook

    return load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)


def test_a_county_exports_its_roll_up_and_the_early_warning(graded, world, as_user, county_officer):
    from safecampus.audit.models import AuditEvent

    response = as_user(county_officer).get("/risks/map/export/")
    assert response.status_code == 200
    book = _workbook(response)
    rollup, warning = (list(sheet.values) for sheet in book.worksheets)
    by_code = {row[1]: row for row in rollup[1:]}
    # 东湖第一小学: one red (raised by its open major hazard), one orange, one yellow
    assert by_code["SA1"][3:] == (1, 1, 1, 0, 0, 3)
    assert set(by_code) == {"SA1", "SA2"}  # county A's schools only
    warned = {row[1]: row for row in warning[1:]}
    assert warned["SA1"][2] == 10 + 4 + 1 + 8  # red, orange, the open major hazard
    assert AuditEvent.objects.filter(verb="risk.rollup_export").count() == 1


def test_a_city_exports_by_county_and_outsiders_cannot(
    graded, world, as_user, city_admin, other_county_officer, django_user_model
):
    book = _workbook(as_user(city_admin).get("/risks/map/export/"))
    codes = {row[1] for row in list(book.worksheets[0].values)[1:]}
    assert codes == {"CA", "CB", "SD1"}
    outsider = as_user(other_county_officer).get("/risks/map/export/", {"org": world.county_a.pk})
    assert outsider.status_code == 404
    nobody = django_user_model.objects.create_user("nobody", password="x-Y-z-12345")
    assert as_user(nobody).get("/risks/map/export/").status_code == 403

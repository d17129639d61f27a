"""回头看: sample closed hazards reproducibly and record the results; recurred reopens."""

import datetime

import pytest
from django.urls import reverse

from safecampus.hazards.models import Hazard, Revisit
from safecampus.hazards.tests.helpers import FOUND
from safecampus.hazards.views_revisit import draw

URL = reverse("hazards:revisits")


@pytest.fixture
def closed(world, categories):
    """20 closed hazards in county A (direct test data), found over 20 days, and one in B."""

    def make(school, i):
        return Hazard(
            org=school,
            org_path=school.path,
            source="self_check",
            category=categories["fire"],
            title=f"已销号{i}",
            found_on=FOUND + datetime.timedelta(days=i),
            state="closed",
            closed_on=FOUND + datetime.timedelta(days=i + 3),
        )

    rows = [make(world.school_a1 if i % 2 else world.school_a2, i) for i in range(20)]
    rows.append(make(world.school_b1, 99))
    Hazard.objects.bulk_create(rows)
    return list(Hazard.objects.filter(org_path__startswith=world.county_a.path).order_by("pk"))


def _sample(client, **params):
    response = client.get(URL, params)
    return response, [h.pk for h in (response.context["rows"] or [])]


def test_the_same_seed_draws_the_same_sample(as_user, county_inspector, world, closed):
    client = as_user(county_inspector)
    params = {"area": world.county_a.pk, "mode": "percent", "percent": 25, "seed": 42}
    first, ids = _sample(client, **params)
    _again, ids_again = _sample(client, **params)
    assert first.status_code == 200 and ids == ids_again and len(ids) == 5
    assert set(ids) <= {h.pk for h in closed}
    assert "42" in first.content.decode()
    _other, other_ids = _sample(client, **dict(params, seed=43))
    assert other_ids != ids  # (a different seed draws a different five of twenty)


def test_without_a_seed_the_page_fixes_one_in_the_address(as_user, county_inspector, world, closed):
    client = as_user(county_inspector)
    response = client.get(URL, {"area": world.county_a.pk, "mode": "percent", "percent": 10})
    assert response.status_code == 302 and "seed=" in response.url
    assert len(client.get(response.url).context["rows"]) == 2


def test_the_draw_is_reproducible_whatever_the_order_of_ids():
    assert draw([5, 1, 9, 3, 7], 40, seed=1) == draw([9, 7, 5, 3, 1], 40, seed=1)


def test_the_found_date_range_narrows_the_pool(as_user, county_inspector, world, closed):
    response, ids = _sample(
        as_user(county_inspector),
        area=world.county_a.pk,
        mode="percent",
        percent=100,
        seed=1,
        found_from=FOUND.isoformat(),
        found_to=(FOUND + datetime.timedelta(days=4)).isoformat(),
    )
    assert len(ids) == 5 and response.context["total"] == 5


def test_a_list_of_numbers_picks_those_hazards(as_user, county_inspector, world, closed):
    wanted = closed[:2]
    numbers = f"{wanted[0].number}, {wanted[1].pk} 999999"
    response, ids = _sample(
        as_user(county_inspector), area=world.county_a.pk, mode="numbers", numbers=numbers
    )
    assert ids == [h.pk for h in wanted] and response.context["missing"] == [999999]


def test_bad_numbers_are_a_form_error(as_user, county_inspector, world, closed):
    response, _ids = _sample(
        as_user(county_inspector), area=world.county_a.pk, mode="numbers", numbers="abc"
    )
    assert response.status_code == 400 and "numbers" in response.context["form"].errors


def test_an_area_outside_scope_is_a_form_error(as_user, county_inspector, world, closed):
    response, _ids = _sample(
        as_user(county_inspector), area=world.county_b.pk, mode="percent", percent=50, seed=1
    )
    assert response.status_code == 400 and "area" in response.context["form"].errors


def test_schools_and_read_only_viewers_get_403(as_user, school_principal, county_viewer, world):
    assert as_user(school_principal).get(URL).status_code == 403
    assert as_user(county_viewer).get(URL).status_code == 403


def _record(client, hazard, area, result, note="", next_url=""):
    prefix = f"r{hazard.pk}"
    return client.post(
        reverse("hazards:revisit", args=[hazard.pk]),
        {
            f"{prefix}-area": area.pk,
            f"{prefix}-result": result,
            f"{prefix}-note": note,
            "next": next_url,
        },
    )


def test_a_fix_that_holds_is_recorded(as_user, county_inspector, world, closed):
    hazard = closed[0]
    back = f"{URL}?area={world.county_a.pk}&mode=numbers&numbers={hazard.pk}"
    response = _record(as_user(county_inspector), hazard, world.county_a, "holds", "良好", back)
    assert response.status_code == 302 and response.url == back
    revisit = Revisit.objects.get()
    assert (revisit.hazard, revisit.result, revisit.by) == (hazard, "holds", county_inspector)
    assert Hazard.objects.get(pk=hazard.pk).state == "closed"


def test_a_recurrence_reopens_the_hazard_and_the_page_links_to_it(
    as_user, county_inspector, world, closed
):
    hazard = closed[0]
    client = as_user(county_inspector)
    _record(client, hazard, world.county_a, "recurred", "灭火器又过期")
    hazard.refresh_from_db()
    assert (hazard.state, hazard.reopened_count) == ("rectifying", 1)
    response, _ids = _sample(client, area=world.county_a.pk, mode="numbers", numbers=str(hazard.pk))
    html = response.content.decode()
    assert reverse("hazards:detail", args=[hazard.pk]) in html and "灭火器又过期" in html


def test_the_outsider_gets_404_on_recording(as_user, other_county_officer, world, closed):
    response = _record(as_user(other_county_officer), closed[0], world.county_b, "holds")
    assert response.status_code == 404 and not Revisit.objects.exists()


def test_the_viewer_and_the_school_get_403_on_recording(
    as_user, county_viewer, school_principal, world, closed
):
    at_a1 = next(h for h in closed if h.org == world.school_a1)
    for person in (county_viewer, school_principal):
        assert _record(as_user(person), at_a1, world.county_a, "holds").status_code == 403
    assert not Revisit.objects.exists()


def test_a_bad_result_writes_nothing(as_user, county_inspector, world, closed):
    response = _record(as_user(county_inspector), closed[0], world.county_a, "maybe")
    assert response.status_code == 400 and not Revisit.objects.exists()


def test_an_open_hazard_cannot_be_revisited(as_user, county_inspector, world, closed):
    Hazard.objects.filter(pk=closed[0].pk).update(state="rectifying")
    response = _record(as_user(county_inspector), closed[0], world.county_a, "holds")
    assert response.status_code == 409 and not Revisit.objects.exists()


def test_an_offsite_next_is_ignored(as_user, county_inspector, world, closed):
    response = _record(
        as_user(county_inspector), closed[0], world.county_a, "holds", "", "https://evil.example/"
    )
    assert response.url == reverse("hazards:detail", args=[closed[0].pk])


def test_a_drawn_sample_stays_the_same_after_a_recurrence(as_user, county_inspector, world, closed):
    client = as_user(county_inspector)
    params = {"area": world.county_a.pk, "mode": "percent", "percent": 25, "seed": 7}
    _response, ids = _sample(client, **params)
    _record(client, Hazard.objects.get(pk=ids[0]), world.county_a, "recurred", "又坏了")
    _response, ids_after = _sample(client, **params)
    assert ids_after == ids

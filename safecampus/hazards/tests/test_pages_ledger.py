"""The hazard ledger page (台账): scoped, filtered, sorted, keyset-paged, with bounded queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.hazards import listing
from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.helpers import FOUND, report

URL = reverse("hazards:ledger")


def _soon(days):
    return timezone.localdate() + datetime.timedelta(days=30 + days)


def _bulk(world, categories, n, school=None, **fields):
    """n hazards written directly (test data), found on a few repeated dates, some without a
    deadline, so that keys tie and NULLs occur."""
    school = school or world.school_a1
    rows = []
    for i in range(n):
        values = {
            "org": school,
            "org_path": school.path,
            "source": "self_check",
            "category": categories["fire"],
            "title": f"隐患{i:03d}",
            "found_on": FOUND - datetime.timedelta(days=i % 4),
            # Deadlines in the future, whatever the day the suite runs: nothing overdue.
            "deadline": None if i % 3 == 0 else _soon(i % 5),
            "state": "assigned" if i % 3 else "reported",
        }
        values.update(fields)
        rows.append(Hazard(**values))
    return Hazard.objects.bulk_create(rows)


def _walk(client, params):
    """Follow the "next page" links; return the ids in the order shown and the page count."""
    seen, pages, after = [], 0, None
    while True:
        query = dict(params, **({"after": after} if after else {}))
        response = client.get(URL, query)
        assert response.status_code == 200
        seen += [h.pk for h in response.context["hazards"]]
        pages += 1
        after = response.context["next_cursor"]
        if not after:
            return seen, pages


def test_it_lists_the_hazards_of_the_county_for_the_county_officer(
    as_user, county_officer, teacher, world, categories
):
    mine = report(teacher, world.school_a1, categories)
    _bulk(world, categories, 1, school=world.school_b1)
    response = as_user(county_officer).get(URL)
    assert response.status_code == 200
    assert [h.pk for h in response.context["hazards"]] == [mine.pk]
    html = response.content.decode()
    assert mine.number in html and "东湖第一小学" in html


def test_a_teacher_sees_the_school_ledger_with_the_school_in_the_picker(
    as_user, teacher, world, categories
):
    mine = report(teacher, world.school_a1, categories)
    response = as_user(teacher).get(URL)
    assert [h.pk for h in response.context["hazards"]] == [mine.pk]
    assert f'value="{world.school_a1.pk}" selected' in response.content.decode()


def test_the_outsider_sees_none_of_another_countys_hazards(
    as_user, other_county_officer, teacher, world, categories
):
    report(teacher, world.school_a1, categories)
    client = as_user(other_county_officer)
    assert list(client.get(URL).context["hazards"]) == []
    # Naming the other county's org in the filter finds nothing either.
    response = client.get(URL, {"org": world.county_a.pk})
    assert list(response.context["hazards"]) == []


def test_the_read_only_viewer_may_read_the_ledger(
    as_user, county_viewer, teacher, world, categories
):
    report(teacher, world.school_a1, categories)
    response = as_user(county_viewer).get(URL)
    assert response.status_code == 200 and len(response.context["hazards"]) == 1
    assert 'id="report-link"' not in response.content.decode()


def test_someone_without_any_hazard_role_gets_403(as_user, world):
    from safecampus.lib.testing.factories import make_user

    nobody = make_user("nobody")
    assert as_user(nobody).get(URL).status_code == 403


def test_the_filters_narrow_the_list(as_user, county_officer, world, categories):
    _bulk(world, categories, 6)
    overdue = _bulk(world, categories, 1, title="逾期", deadline=datetime.date(2020, 1, 1))[0]
    client = as_user(county_officer)
    response = client.get(URL, {"overdue": "true"})
    assert [h.pk for h in response.context["hazards"]] == [overdue.pk]
    assert 'class="badge bad"' in response.content.decode()
    response = client.get(URL, {"q": "逾期"})
    assert [h.pk for h in response.context["hazards"]] == [overdue.pk]
    response = client.get(URL, {"state": "reported"})
    assert {h.state for h in response.context["hazards"]} == {"reported"}


def test_the_org_filter_defaults_to_the_active_org(as_user, city_admin, world, categories):
    _bulk(world, categories, 2)
    _bulk(world, categories, 3, school=world.school_b1)
    client = as_user(city_admin)
    assert len(client.get(URL).context["hazards"]) == 5
    client.post(reverse("web:switch_org"), {"org": world.county_b.pk})
    response = client.get(URL)
    assert len(response.context["hazards"]) == 3
    assert f"org={world.county_b.pk}" in response.context["query"]


@pytest.mark.parametrize("sort", ["-found_on", "found_on", "deadline", "-deadline"])
def test_keyset_pages_show_every_row_exactly_once(
    as_user, county_officer, world, categories, monkeypatch, sort
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 4)
    created = _bulk(world, categories, 23)
    seen, pages = _walk(as_user(county_officer), {"sort": sort})
    assert sorted(seen) == sorted(h.pk for h in created)
    assert len(seen) == len(set(seen)) and pages == 6
    field, descending = listing.SORTS[sort]
    rows = {h.pk: h for h in created}
    keys = [getattr(rows[pk], field) for pk in seen]
    present = [k for k in keys if k is not None]
    assert present == sorted(present, reverse=descending)
    assert all(k is None for k in keys[len(present) :])  # NULL deadlines come last


def test_the_next_page_link_keeps_the_filters(
    as_user, county_officer, world, categories, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    _bulk(world, categories, 5, state="assigned", deadline=_soon(0))
    _bulk(world, categories, 5, state="reported", deadline=None)
    client = as_user(county_officer)
    seen, pages = _walk(client, {"state": "assigned", "sort": "deadline"})
    assert len(seen) == 5 and pages == 3
    first = client.get(URL, {"state": "assigned"})
    html = first.content.decode()
    assert "state=assigned" in html and "after=" in html


def test_an_unknown_sort_or_a_forged_cursor_falls_back_to_the_first_page(
    as_user, county_officer, world, categories
):
    _bulk(world, categories, 3)
    client = as_user(county_officer)
    response = client.get(URL, {"sort": "title; drop table", "after": "!!not-a-cursor"})
    assert response.status_code == 200 and response.context["sort"] == "-found_on"
    assert len(response.context["hazards"]) == 3


def test_the_export_link_carries_the_filters(as_user, county_officer, world, categories):
    response = as_user(county_officer).get(URL, {"severity": "major"})
    html = response.content.decode()
    assert "/hazards/excel/export/?" in html and "severity=major" in html


def test_the_ledger_query_count_does_not_grow_with_rows(
    as_user, county_officer, world, categories, django_assert_max_num_queries
):
    client = as_user(county_officer)
    _bulk(world, categories, 1)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(14) as few:
        client.get(URL)
    _bulk(world, categories, 45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["hazards"]) == 46


def test_the_yes_no_filters_start_unset(as_user, county_officer, world):
    form = as_user(county_officer).get(URL).context["filter"].form
    for name in ("open", "overdue", "supervised"):
        assert '<option value="" selected>' in str(form[name])


def test_later_pages_seek_by_key_instead_of_offset(
    as_user, county_officer, world, categories, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    _bulk(world, categories, 8)
    client = as_user(county_officer)
    after = client.get(URL).context["next_cursor"]
    with django_assert_max_num_queries(20) as queries:
        client.get(URL, {"after": after})
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)

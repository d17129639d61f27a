"""The register page: the active school's register, a bureau's schools, filters, level counts,
the "grade rose" highlight, the "review overdue" marker; who may see it."""

import datetime

import pytest

from safecampus.orgs.active import SESSION_KEY
from safecampus.risks.tests.helpers import add_point, assess_lec, major_hazard

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(world, lib, safety_officer, categories):
    """A1's register: one orange point whose grade rose from blue, one blue point, one point
    shown red by an open major hazard, one not assessed."""
    rose = add_point(safety_officer, world.school_a1, lib["fire"], hazard="实验室危化品")
    assess_lec(safety_officer, rose, "1", "1", "1")
    assess_lec(safety_officer, rose, "3", "6", "15", reason="yearly")  # 270: orange
    low = add_point(safety_officer, world.school_a1, lib["gate"], hazard="门卫登记")
    assess_lec(safety_officer, low, "1", "1", "3")
    flagged = add_point(safety_officer, world.school_a1, lib["fire"], hazard="配电房")
    assess_lec(safety_officer, flagged, "1", "2", "3")
    major_hazard(safety_officer, flagged, categories)
    add_point(safety_officer, world.school_a1, lib["gate"], hazard="未评估的点")
    return {"rose": rose, "low": low, "flagged": flagged}


def test_it_sends_a_school_user_to_the_register_of_their_school(as_user, teacher, world):
    response = as_user(teacher).get("/risks/")
    assert response.status_code == 302
    assert response.url == f"/risks/schools/{world.school_a1.pk}/"


def test_it_lists_a_bureaus_schools_with_counts(as_user, county_officer, points, world):
    response = as_user(county_officer).get("/risks/")
    assert response.status_code == 200
    text = response.content.decode()
    assert world.school_a1.name in text and world.school_a2.name in text
    assert world.school_b1.name not in text


def test_a_teacher_sees_the_register_with_counts_chips_and_markers(as_user, teacher, points, world):
    response = as_user(teacher).get(f"/risks/schools/{world.school_a1.pk}/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["red"], counts["orange"], counts["blue"], counts["ungraded"]) == (1, 1, 1, 1)
    text = response.content.decode()
    assert 'class="level level-orange"' in text and 'class="level level-red"' in text
    assert 'class="risk-row rose"' in text
    assert 'id="new-link"' not in text  # a teacher views, does not edit
    assert "style=" not in text.split('id="level-counts"')[1]


def test_it_marks_a_review_overdue(as_user, safety_officer, points, world):
    points["low"].review_on = datetime.date(2020, 1, 1)
    points["low"].save(update_fields=["review_on"])
    response = as_user(safety_officer).get(f"/risks/schools/{world.school_a1.pk}/?due=overdue")
    rows = list(response.context["page"])
    assert rows == [points["low"]]
    assert "review-overdue" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=red", ["flagged"]),
        ("level=orange", ["rose"]),
        ("rose=true", ["rose"]),
        ("q=门卫", ["low"]),
    ],
)
def test_it_filters(as_user, safety_officer, points, world, lib, query, expected):
    response = as_user(safety_officer).get(f"/risks/schools/{world.school_a1.pk}/?{query}")
    assert {p.pk for p in response.context["page"]} == {points[k].pk for k in expected}


def test_it_filters_by_category(as_user, safety_officer, points, world, lib):
    url = f"/risks/schools/{world.school_a1.pk}/?category={lib['gate'].pk}"
    response = as_user(safety_officer).get(url)
    assert len(response.context["page"]) == 2


def test_an_outsider_gets_404(as_user, other_county_officer, points, world):
    assert (
        as_user(other_county_officer).get(f"/risks/schools/{world.school_a1.pk}/").status_code
        == 404
    )


def test_a_bureau_is_not_a_register(as_user, county_officer, world):
    assert as_user(county_officer).get(f"/risks/schools/{world.county_a.pk}/").status_code == 404


def test_the_register_costs_the_same_queries_for_more_points(
    as_user, safety_officer, points, world, lib, django_assert_max_num_queries
):
    client = as_user(safety_officer)
    client.get(f"/risks/schools/{world.school_a1.pk}/")  # warm the session
    with django_assert_max_num_queries(14) as few:
        client.get(f"/risks/schools/{world.school_a1.pk}/")
    for n in range(20):
        point = add_point(safety_officer, world.school_a1, lib["fire"], hazard=f"点{n}")
        assess_lec(safety_officer, point, "3", "6", "7")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/risks/schools/{world.school_a1.pk}/")


def test_the_nav_shows_risks_to_a_guard(as_user, guard):
    response = as_user(guard).get("/")
    assert "/risks/" in response.content.decode()


def test_a_bureau_user_working_in_a_school_lands_on_its_register(as_user, county_officer, world):
    client = as_user(county_officer)
    session = client.session
    session[SESSION_KEY] = world.school_a2.pk
    session.save()
    response = client.get("/risks/")
    assert response.status_code == 302 and str(world.school_a2.pk) in response.url

"""Building a register from the library: the preview of what one click adds, by category or for
all categories of the school's kind; a second build adds nothing."""

import pytest

from safecampus.risks.models import RiskPoint

pytestmark = pytest.mark.django_db


def _new_count(response, code):
    return next(row["new"] for row in response.context["preview"] if row["category"].code == code)


def test_the_preview_counts_what_would_be_added(as_user, safety_officer, world, lib):
    response = as_user(safety_officer).get(f"/risks/schools/{world.school_a1.pk}/build/")
    assert response.status_code == 200
    # A primary school: the kindergarten-only entry does not apply.
    assert _new_count(response, "t_fire") == 1 and _new_count(response, "t_gate") == 1
    assert response.context["total_new"] == 2


def test_one_category_then_all_then_nothing_more(as_user, safety_officer, world, lib):
    client = as_user(safety_officer)
    url = f"/risks/schools/{world.school_a1.pk}/build/"
    assert client.post(url, {"categories": [lib["gate"].pk]}).status_code == 302
    assert RiskPoint.objects.filter(school=world.school_a1).count() == 1
    client.post(url, {"everything": "on"})
    assert RiskPoint.objects.filter(school=world.school_a1).count() == 2
    client.post(url, {"everything": "on"})
    assert RiskPoint.objects.filter(school=world.school_a1).count() == 2
    assert client.get(url).context["total_new"] == 0


def test_a_kindergarten_gets_its_own_entries(as_user, county_officer, world, lib):
    response = as_user(county_officer).post(
        f"/risks/schools/{world.school_a2.pk}/build/", {"everything": "on"}
    )
    assert response.status_code == 302
    assert RiskPoint.objects.filter(school=world.school_a2).count() == 3


def test_nothing_chosen_is_an_error(as_user, safety_officer, world, lib):
    response = as_user(safety_officer).post(f"/risks/schools/{world.school_a1.pk}/build/", {})
    assert response.status_code == 400 and not RiskPoint.objects.exists()


def test_a_teacher_cannot_build(as_user, teacher, world, lib):
    url = f"/risks/schools/{world.school_a1.pk}/build/"
    assert as_user(teacher).get(url).status_code == 403
    assert as_user(teacher).post(url, {"everything": "on"}).status_code == 403
    assert not RiskPoint.objects.exists()


def test_an_outsider_gets_404(as_user, other_county_officer, world, lib):
    url = f"/risks/schools/{world.school_a1.pk}/build/"
    assert as_user(other_county_officer).post(url, {"everything": "on"}).status_code == 404

"""The home page's hazard card and the navigation entry."""

import datetime

from django.utils import timezone

from safecampus.hazards.models import Hazard
from safecampus.hazards.queries import open_counts
from safecampus.hazards.tests.helpers import FOUND


def _hazard(school, categories, state, deadline=None):
    return Hazard.objects.create(
        org=school,
        org_path=school.path,
        source="self_check",
        category=categories["fire"],
        title=state,
        found_on=FOUND,
        state=state,
        deadline=deadline,
    )


def test_open_counts_counts_open_overdue_and_awaiting_in_one_query(
    world, categories, django_assert_num_queries
):
    past = timezone.localdate() - datetime.timedelta(days=1)
    _hazard(world.school_a1, categories, "assigned", deadline=past)
    _hazard(world.school_a1, categories, "awaiting_verification")
    _hazard(world.school_a1, categories, "closed", deadline=past)
    _hazard(world.school_b1, categories, "reported")
    with django_assert_num_queries(1):
        counts = open_counts(Hazard.objects.filter(org_path__startswith=world.county_a.path))
    assert counts == {"open": 2, "overdue": 1, "awaiting": 1}


def test_the_home_card_shows_the_active_orgs_counts(as_user, county_officer, world, categories):
    _hazard(world.school_a1, categories, "reported")
    _hazard(world.school_b1, categories, "reported")
    response = as_user(county_officer).get("/")
    assert response.context["hazard_counts"] == {"open": 1, "overdue": 0, "awaiting": 0}
    html = response.content.decode()
    assert 'id="hazard-card"' in html and "/hazards/?overdue=true" in html


def test_the_ledger_is_in_the_navigation_of_those_who_may_see_hazards(as_user, teacher):
    urls = [item["url"] for item in as_user(teacher).get("/").context["nav"]]
    assert "/hazards/" in urls

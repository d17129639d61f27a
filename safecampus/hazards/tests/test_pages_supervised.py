"""The supervision board (挂牌督办): open supervised hazards of the bureaus in scope."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from safecampus.hazards import actions, actions_followup
from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.helpers import report

URL = reverse("hazards:supervised")


@pytest.fixture
def supervised(teacher, safety_officer, county_officer, county_staff, world, categories):
    h = report(teacher, world.school_a1, categories, severity="major", title="围墙倒塌风险")
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    h = actions.do_assign(safety_officer, h, responsible=teacher, deadline=deadline)
    return actions_followup.do_supervise(
        county_officer,
        h,
        supervising_org=world.county_a,
        supervisor=county_staff,
        report_interval_days=7,
    )


def test_the_county_sees_its_supervised_hazards_with_days_left(
    as_user, county_officer, supervised, teacher, world, categories
):
    report(teacher, world.school_a1, categories, severity="major", title="未督办")
    response = as_user(county_officer).get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["hazard"].pk for r in rows] == [supervised.pk]
    assert rows[0]["days_left"] == 5 and rows[0]["last_verb"] == "assign"
    assert "围墙倒塌风险" in response.content.decode()


def test_the_read_only_viewer_at_the_county_sees_the_board(as_user, county_viewer, supervised):
    response = as_user(county_viewer).get(URL)
    assert response.status_code == 200 and len(response.context["rows"]) == 1


def test_the_city_sees_the_county_supervised_hazards(as_user, city_staff, supervised):
    assert len(as_user(city_staff).get(URL).context["rows"]) == 1


def test_the_outsider_sees_nothing_of_another_county(as_user, other_county_officer, supervised):
    response = as_user(other_county_officer).get(URL)
    assert response.status_code == 200 and response.context["rows"] == []


def test_school_users_get_403(as_user, school_principal, supervised):
    assert as_user(school_principal).get(URL).status_code == 403


def test_closed_hazards_leave_the_board(as_user, county_officer, supervised, teacher):
    h = actions.do_submit(teacher, supervised, note="done")
    actions.do_verify(county_officer, h, opinion="ok")
    assert as_user(county_officer).get(URL).context["rows"] == []


def test_a_late_progress_report_is_flagged(as_user, county_officer, supervised):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    supervised.events.update(created_at=long_ago)
    Hazard.objects.filter(pk=supervised.pk).update(
        supervised_on=timezone.localdate() - datetime.timedelta(days=30)
    )
    rows = as_user(county_officer).get(URL).context["rows"]
    assert rows[0]["report_late"]


def test_the_board_query_count_is_bounded(
    as_user,
    county_officer,
    supervised,
    teacher,
    safety_officer,
    county_staff,
    world,
    categories,
    django_assert_max_num_queries,
):
    client = as_user(county_officer)
    client.get(URL)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for i in range(5):
        h = report(teacher, world.school_a1, categories, severity="major", title=f"督办{i}")
        actions_followup.do_supervise(
            county_officer,
            h,
            supervising_org=world.county_a,
            supervisor=county_staff,
            report_interval_days=7,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["rows"]) == 6

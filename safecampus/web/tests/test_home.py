"""Home page per role, org switcher, language switch, health check, error pages."""

from unittest import mock

from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse


def test_the_city_admin_home_counts_schools_and_lists_counties(as_user, city_admin, world):
    response = as_user(city_admin).get("/")
    summary = response.context["summary"]
    assert summary["schools"] == 4
    assert summary["kindergartens"] == 1 and summary["unlicensed"] == 1
    rows = response.context["children"]
    assert [r["org"].name if r["org"] else "direct" for r in rows] == ["东湖区", "西山县", "direct"]
    assert rows[0]["schools"] == 2


def test_the_home_page_query_count_is_bounded(
    as_user, city_admin, world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safecampus.lib.testing.factories import make_school

    client = as_user(city_admin)
    # counts, areas, hazards and the early warning (schools, points, hazards, unsigned lists)
    with django_assert_max_num_queries(20):
        client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for n in range(12):
        make_school(world.county_b, f"新校{n}", code=f"N{n}")
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after) == len(before)  # whatever the number of schools


def test_a_school_user_gets_the_school_home(as_user, teacher, world):
    response = as_user(teacher).get("/")
    assert response.templates[0].name == "web/home_school.html"
    assert response.context["org"] == world.school_a1


def test_navigation_follows_capabilities(as_user, teacher, city_admin):
    urls = lambda c: [i["url"] for i in as_user(c).get("/").context["nav"]]  # noqa: E731
    assert urls(teacher) == ["/", "/orgs/", "/hazards/", "/risks/"]
    assert urls(city_admin) == [
        "/",
        "/orgs/",
        "/hazards/",
        "/risks/",
        "/duties/",
        "/accounts/users/",
        "/audit/",
    ]


def test_anonymous_visitors_are_sent_to_login(db):
    response = Client().get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_org_switcher_narrows_lists_to_the_chosen_county(as_user, city_admin, world):
    client = as_user(city_admin)
    response = client.post(reverse("web:switch_org"), {"org": world.county_b.pk, "next": "/orgs/"})
    assert response.status_code == 302 and response.url == "/orgs/"
    names = {o.name for o in client.get("/orgs/").context["page"]}
    assert names == {"西山县", "西山中学"}
    assert client.get("/").context["org"] == world.county_b


def test_the_org_switcher_refuses_orgs_outside_scope(as_user, county_officer, world):
    client = as_user(county_officer)
    assert client.post(reverse("web:switch_org"), {"org": world.county_b.pk}).status_code == 404


def test_the_org_switcher_ignores_offsite_next(as_user, city_admin, world):
    response = as_user(city_admin).post(
        reverse("web:switch_org"), {"org": world.county_a.pk, "next": "//evil.example.com/"}
    )
    assert response.url == "/"


def test_zh_hans_is_the_default_whatever_the_browser_says(as_user, teacher):
    response = as_user(teacher).get("/", HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_language_can_be_switched_to_english_and_back(as_user, teacher):
    client = as_user(teacher)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/orgs/"})
    assert response.status_code == 302 and response.url == "/orgs/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Log out" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "退出登录" in client.get("/").content.decode()


def test_healthz_reports_the_database(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_healthz_returns_503_when_the_database_is_down(db):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = Client().get("/healthz")
    assert response.status_code == 503


def test_error_pages_are_translated(as_user, teacher, world):
    client = as_user(teacher)
    response = client.get(reverse("orgs:detail", args=[world.school_b1.pk]))
    assert response.status_code == 404 and "找不到" in response.content.decode()
    response = client.get(reverse("orgs:edit", args=[world.school_a1.pk]))
    assert response.status_code == 403 and "无权" in response.content.decode()


def test_unknown_api_urls_answer_in_json(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["errors"] == {}


def test_a_countys_own_schools_are_not_called_city_direct(as_user, county_officer, world):
    body = as_user(county_officer).get("/").content.decode()
    assert "市直学校" not in body and "东湖区直属学校" in body

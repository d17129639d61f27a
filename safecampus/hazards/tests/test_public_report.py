"""The public/parent report form (/report/): no login, rate-limited, honeypot, tracking code,
a status page that tells nothing but the state and dates."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safecampus.audit.models import AuditEvent
from safecampus.hazards import actions
from safecampus.hazards.actions_public import do_public_report
from safecampus.hazards.models import Hazard, HazardEvent, HazardPhoto
from safecampus.hazards.tests.helpers import jpeg
from safecampus.lib.errors import ActionError
from safecampus.lib.testing.factories import make_school
from safecampus.notify.models import Notification
from safecampus.orgs.choices import OrgStatus


@pytest.fixture(autouse=True)
def _clean(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # the rate-limit counters live in the (per-process) cache
    yield
    cache.clear()


@pytest.fixture
def public():
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def csrf_post(client, path, data, **extra):
    """Post the way a browser does: get the form first, then send its CSRF token."""
    client.get(reverse("public:report"))
    data = {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    return client.post(path, data, **extra)


def form_data(categories, school_code="SA1", **fields):
    values = {
        "school": school_code,
        "category": categories["traffic"].pk,
        "title": "校门口车辆乱停",
        "description": "放学时校门口车辆乱停，孩子过马路很危险",
        "location": "南门",
        "contact": "13800000000",
        "website": "",
    }
    values.update(fields)
    return values


def send(client, categories, **fields):
    return csrf_post(client, reverse("public:report"), form_data(categories, **fields))


# --- choosing the school ---------------------------------------------------------------------


def test_a_parent_finds_the_school_by_name_with_its_county(public, world):
    response = public.get(reverse("public:report"), {"q": "东湖"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "东湖第一小学" in page and "东湖区" in page and "?school=SA1" in page
    assert "西山中学" not in page
    assert f"/{world.school_a1.pk}/" not in page  # codes, not internal ids


def test_a_closed_school_cannot_be_chosen(public, world, categories):
    make_school(world.county_a, "东湖旧校区小学", code="SA8", status=OrgStatus.CLOSED)
    assert (
        "东湖旧校区小学" not in public.get(reverse("public:report"), {"q": "东湖"}).content.decode()
    )
    form_page = public.get(reverse("public:report"), {"school": "SA8"})
    assert "public-report-form" not in form_page.content.decode()
    response = send(public, categories, school_code="SA8")
    assert response.status_code == 400
    assert Hazard.objects.count() == 0


def test_the_form_names_the_chosen_school(public, world, categories):
    response = public.get(reverse("public:report"), {"school": "SA1"})
    page = response.content.decode()
    assert response.status_code == 200 and "public-report-form" in page
    assert "东湖第一小学" in page and "东湖区" in page


# --- reporting -------------------------------------------------------------------------------


def test_a_report_lands_at_the_school_for_its_safety_officer(
    public, world, categories, safety_officer, county_officer
):
    response = send(public, categories)
    assert response.status_code == 302 and response.url == reverse("public:thanks")
    hazard = Hazard.objects.get()
    assert (hazard.org, hazard.state, hazard.source) == (world.school_a1, "reported", "public")
    assert hazard.category == categories["traffic"] and hazard.reporter_contact == "13800000000"
    assert hazard.found_on == timezone.localdate() and hazard.created_by is None
    assert hazard.org_path == world.school_a1.path and hazard.tracking_code
    assert Notification.objects.filter(user=safety_officer, kind="hazard.reported").exists()
    assert not Notification.objects.filter(user=county_officer).exists()
    event = AuditEvent.objects.get(verb="hazard.report", object_id=str(hazard.pk))
    assert event.actor is None and event.actor_label == "public" and event.org == world.school_a1
    assert HazardEvent.objects.get(hazard=hazard).verb == "report"

    thanks = public.get(response.url)
    assert hazard.tracking_code in thanks.content.decode()
    # Shown once: the session forgets the code.
    again = public.get(reverse("public:thanks"))
    assert again.status_code == 302


def test_a_photo_is_kept_re_encoded_as_a_before_photo(public, categories, world):
    response = send(public, categories, photo=jpeg())
    assert response.status_code == 302
    photo = HazardPhoto.objects.get()
    assert photo.kind == "before" and photo.uploaded_by is None


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_written(public, categories, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = send(public, categories, photo=bad)
    assert response.status_code == 400
    assert "not a photo" in response.content.decode()
    assert Hazard.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [{"title": ""}, {"description": ""}, {"category": "999999"}, {"title": "长" * 121}],
)
def test_bad_input_writes_nothing(public, categories, world, fields):
    response = send(public, categories, **fields)
    assert response.status_code == 400
    assert Hazard.objects.count() == 0


def test_the_reporter_cannot_set_internal_fields(public, categories, world, teacher):
    extra = {"state": "closed", "severity": "major", "source": "city_inspection"}
    send(public, categories, **extra, responsible=teacher.pk, org=world.school_b1.pk)
    hazard = Hazard.objects.get()
    assert (hazard.state, hazard.severity, hazard.source) == ("reported", "general", "public")
    assert hazard.responsible is None and hazard.org == world.school_a1


def test_the_honeypot_rejects_a_robot_silently(public, categories, world, safety_officer):
    response = send(public, categories, website="http://spam.example")
    assert response.status_code == 302 and response.url == reverse("public:thanks")
    assert public.get(response.url).status_code == 200
    assert Hazard.objects.count() == 0 and Notification.objects.count() == 0


def test_csrf_stays_on(categories, world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("public:report"), form_data(categories))
    assert response.status_code == 403
    assert Hazard.objects.count() == 0


# --- rate limits -----------------------------------------------------------------------------


def test_reports_over_the_hourly_limit_get_429(public, categories, world, settings):
    settings.PUBLIC_REPORTS_PER_HOUR = 2
    assert send(public, categories, title="一").status_code == 302
    assert send(public, categories, title="二").status_code == 302
    limited = send(public, categories, title="三")
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert Hazard.objects.count() == 2
    # Another address is not limited.
    other = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.9")
    assert send(other, categories, title="四").status_code == 302


def test_reports_over_the_daily_limit_get_429(public, categories, world, settings):
    settings.PUBLIC_REPORTS_PER_DAY = 1
    assert send(public, categories).status_code == 302
    assert send(public, categories, title="二").status_code == 429


def test_the_honeypot_counts_toward_the_limit(public, categories, world, settings):
    settings.PUBLIC_REPORTS_PER_HOUR = 1
    send(public, categories, website="spam")
    assert send(public, categories).status_code == 429
    assert Hazard.objects.count() == 0


def test_status_checks_are_limited_too(public, settings, world):
    settings.PUBLIC_STATUS_CHECKS_PER_HOUR = 1
    path = reverse("public:status")
    assert csrf_post(public, path, {"code": "AAAA"}).status_code == 404
    assert csrf_post(public, path, {"code": "AAAA"}).status_code == 429


# --- status ----------------------------------------------------------------------------------


def test_the_status_page_shows_only_the_state_and_dates(
    public, categories, world, safety_officer, school_principal, teacher
):
    send(public, categories)
    hazard = Hazard.objects.get()
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    hazard = actions.do_assign(safety_officer, hazard, responsible=teacher, deadline=deadline)
    hazard = actions.do_submit(teacher, hazard, note="已安排交警疏导，内部备注XYZ")
    hazard = actions.do_verify(school_principal, hazard, opinion="验收意见ABC")

    response = csrf_post(public, reverse("public:status"), {"code": hazard.tracking_code.lower()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Closed" in page and hazard.closed_on.isoformat() in page
    for secret in (
        "内部备注XYZ",
        "验收意见ABC",
        str(teacher),
        teacher.username,
        str(school_principal),
        "南门",
        "13800000000",
        hazard.title,
        world.school_a1.name,
    ):
        assert secret not in page, secret


def test_an_unknown_code_gets_the_neutral_not_found_answer(public, world):
    response = csrf_post(public, reverse("public:status"), {"code": "0123456789"})
    assert response.status_code == 404
    assert "status-not-found" in response.content.decode()


def test_the_pages_are_open_without_login(world):
    client = Client()
    for name in ("public:report", "public:status"):
        assert client.get(reverse(name)).status_code == 200


# --- the action on its own -------------------------------------------------------------------


def test_the_action_refuses_a_bureau_or_a_closed_school(world, categories):
    fields = {"category": categories["food"], "title": "t", "description": "d"}
    with pytest.raises(ActionError):
        do_public_report(world.county_a, fields)
    closed = make_school(world.county_a, "撤并校", code="SA7", status=OrgStatus.CLOSED)
    with pytest.raises(ActionError):
        do_public_report(closed, fields)
    assert Hazard.objects.count() == 0


def test_each_report_gets_its_own_tracking_code(world, categories):
    fields = {"category": categories["food"], "title": "t", "description": "d"}
    codes = {do_public_report(world.school_a1, fields).tracking_code for _ in range(5)}
    assert len(codes) == 5 and all(len(code) == 10 for code in codes)


# --- on a phone ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_parent_reports_from_a_phone_and_checks_the_status(
    phone_page, live_server, world, categories, safety_officer, tmp_path
):
    from safecampus.lib.testing.browser import shot

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg().read())
    page = phone_page
    page.goto(f"{live_server.url}/report/")
    page.fill("#id_q", "东湖")
    page.click("#school-search button[type=submit]")
    shot(page, "public-report-1-search")
    page.click("#school-results a[data-code=SA1]")
    page.select_option("#id_category", str(categories["traffic"].pk))
    page.fill("#id_title", "校门口车辆乱停")
    page.fill("#id_description", "放学时校门口车辆乱停，孩子过马路很危险")
    page.fill("#id_location", "南门")
    page.set_input_files("#id_photo", str(photo))
    shot(page, "public-report-2-form")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # no sideways scrolling on a phone
    page.click("#send-report")
    code = page.inner_text("#tracking-code").strip()
    shot(page, "public-report-3-thanks")
    hazard = Hazard.objects.get()
    assert code == hazard.tracking_code and hazard.photos.count() == 1
    assert Notification.objects.filter(user=safety_officer, kind="hazard.reported").exists()

    page.goto(f"{live_server.url}/report/status/")
    page.fill("#id_code", code)
    page.click("#status-form button[type=submit]")
    assert page.inner_text("#status-state").strip() in ("Reported", "已上报")
    shot(page, "public-report-4-status")

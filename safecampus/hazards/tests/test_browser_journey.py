"""Browser journey 上报 → 交办 → 整改 → 验收 → 销号: a teacher reports on a phone with a photo,
the safety officer assigns it, the teacher submits the fix with an after photo, the principal
verifies and the hazard is closed. Screenshots at each step (zh-hans) and the ledger in English."""

import datetime

import pytest
from django.utils import timezone
from PIL import Image

from safecampus.hazards.models import Hazard
from safecampus.lib.testing.browser import log_in, shot
from safecampus.lib.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _photo(path, colour):
    Image.new("RGB", (640, 480), colour).save(path, format="JPEG")
    return str(path)


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _more_hazards(world, categories):
    today = timezone.localdate()
    common = {"org": world.school_a1, "org_path": world.school_a1.path, "source": "self_check"}
    Hazard.objects.create(
        **common,
        category=categories["traffic"],
        title="校门口减速带破损",
        found_on=today - datetime.timedelta(days=20),
        state="assigned",
        deadline=today - datetime.timedelta(days=3),
    )
    Hazard.objects.create(
        **common,
        category=categories["campus_security"],
        severity="major",
        title="围墙局部倒塌",
        found_on=today - datetime.timedelta(days=10),
        state="rectifying",
        deadline=today + datetime.timedelta(days=30),
        supervising_org=world.county_a,
        supervised_on=today,
        report_interval_days=7,
    )


def _desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_a_hazard_goes_from_a_phone_report_to_closed(
    phone_page,
    page,
    browser,
    live_server,
    teacher,
    safety_officer,
    school_principal,
    world,
    categories,
    tmp_path,
):
    before = _photo(tmp_path / "before.jpg", (180, 40, 40))
    after = _photo(tmp_path / "after.jpg", (40, 160, 60))

    # 1. The teacher reports it on a 390-px phone, with a photo from the camera.
    phone = phone_page
    log_in(phone, live_server.url, "teacher", PASSWORD)
    phone.goto(f"{live_server.url}/hazards/new/")
    phone.wait_for_selector("#report-form")
    _fits_the_phone(phone)
    assert phone.locator("#id_school").input_value() == str(world.school_a1.pk)
    phone.select_option("#id_category", str(categories["fire"].pk))
    phone.fill("#id_title", "二楼走廊灭火器过期")
    phone.fill("#id_location", "教学楼二楼东侧")
    phone.fill("#id_description", "两具灭火器压力表指针在红区")
    phone.fill("#id_interim_measures", "已从其他楼层调来备用灭火器")
    phone.set_input_files("#id_photos_before", before)
    shot(phone, "hazard-1-report-form-phone-zh")
    phone.click("#report-submit")
    phone.wait_for_selector("#hazard-state")
    _fits_the_phone(phone)
    hazard = Hazard.objects.get()
    assert hazard.state == "reported" and hazard.photos.filter(kind="before").count() == 1
    assert phone.locator("#photos img").count() == 1
    shot(phone, "hazard-2-reported-phone-zh")

    # 2. The safety officer assigns it to the teacher with a deadline.
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    log_in(page, live_server.url, "safety_officer", PASSWORD)
    page.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    page.wait_for_selector("#step-assign")
    page.select_option("#id_assign-responsible", str(teacher.pk))
    page.fill("#id_assign-deadline", deadline.isoformat())
    page.click("#do-assign")
    page.wait_for_selector(".messages .msg-success")
    hazard.refresh_from_db()
    assert (hazard.state, hazard.responsible, hazard.deadline) == ("assigned", teacher, deadline)
    shot(page, "hazard-3-assigned-zh")

    # 3. The teacher starts and submits the fix with an after photo, on the phone.
    phone.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    phone.click("#do-start")
    phone.wait_for_selector("#step-submit")
    phone.fill("#id_submit-note", "已更换两具灭火器并检查压力")
    phone.set_input_files("#id_submit-photos_after", after)
    _fits_the_phone(phone)
    shot(phone, "hazard-4-submit-form-phone-zh")
    phone.click("#do-submit")
    phone.wait_for_selector("#photos img >> nth=1")
    _fits_the_phone(phone)
    hazard.refresh_from_db()
    assert hazard.state == "awaiting_verification"
    shot(phone, "hazard-5-submitted-phone-zh")

    # 4. The principal verifies it: closed (销号).
    context, principal = _desktop(browser)
    try:
        log_in(principal, live_server.url, "school_principal", PASSWORD)
        principal.goto(f"{live_server.url}/hazards/{hazard.pk}/")
        principal.wait_for_selector("#step-verify")
        principal.fill("#id_verify-opinion", "现场查看，灭火器已更换，验收合格")
        principal.click("#do-verify")
        principal.wait_for_selector("#timeline")
        hazard.refresh_from_db()
        assert hazard.state == "closed" and hazard.verifier == school_principal
        assert principal.locator("#steps").count() == 0
        shot(principal, "hazard-6-closed-zh")

        # The ledger, in English, with a few more hazards to show its badges.
        _more_hazards(world, categories)
        principal.goto(f"{live_server.url}/hazards/")
        principal.click("#lang-en")
        principal.wait_for_selector("html[lang=en]")
        principal.click("#hazard-filters summary")
        table = principal.locator("#hazard-table").inner_text()
        assert hazard.number in table and "Closed" in table
        shot(principal, "hazard-ledger-en")
        principal.click("#lang-zh-hans")
        principal.wait_for_selector("html[lang=zh-hans]")
    finally:
        context.close()

    # The ledger fits the phone too: the table scrolls inside its frame, not the page.
    phone.goto(f"{live_server.url}/hazards/")
    phone.wait_for_selector("#hazard-table")
    _fits_the_phone(phone)
    shot(phone, "hazard-ledger-phone-zh")


def test_the_bureau_sees_the_supervision_board_and_draws_a_revisit_sample(
    page, live_server, county_officer, county_staff, world, categories
):
    today = timezone.localdate()
    common = {"org_path": world.school_a1.path, "org": world.school_a1, "source": "self_check"}
    Hazard.objects.create(
        **common,
        category=categories["campus_security"],
        severity="major",
        title="围墙局部倒塌",
        found_on=today - datetime.timedelta(days=40),
        state="rectifying",
        responsible=county_staff,
        deadline=today - datetime.timedelta(days=2),
        supervising_org=world.county_a,
        supervisor=county_staff,
        supervised_on=today - datetime.timedelta(days=30),
        report_interval_days=7,
    )
    for i in range(6):
        Hazard.objects.create(
            **common,
            category=categories["fire"],
            title=f"已整改隐患{i}",
            found_on=today - datetime.timedelta(days=60 + i),
            state="closed",
            closed_on=today - datetime.timedelta(days=50),
        )
    log_in(page, live_server.url, "county_officer", PASSWORD)
    page.goto(f"{live_server.url}/hazards/supervised/")
    assert "围墙局部倒塌" in page.locator("#board").inner_text()
    shot(page, "hazard-supervision-board-zh")

    page.goto(f"{live_server.url}/hazards/revisits/")
    page.fill("#id_percent", "50")
    page.click("#draw")
    page.wait_for_selector("#sample")
    seed = page.locator("#seed").inner_text()
    assert page.locator("#sample tr[id^=row-]").count() == 3
    first = page.locator("#sample tr[id^=row-]").first
    first.locator("select").select_option("recurred")
    first.locator("input[type=text]").fill("灭火器又被挪走")
    first.locator("button").click()
    page.wait_for_selector(".messages")
    assert page.locator("#seed").inner_text() == seed  # the same sample, after the result
    assert page.locator("#sample .badge.bad").count() >= 1
    shot(page, "hazard-revisits-zh")

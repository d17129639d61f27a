"""Browser journeys in headless Chromium: login, lockout, language, org switcher, phone."""

import pytest

from safecampus.lib.testing.browser import log_in, shot
from safecampus.lib.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_and_shows_the_city_home(page, live_server, city_admin, world):
    log_in(page, live_server.url, "city_admin", PASSWORD)
    page.wait_for_selector("#summary-cards")
    assert page.locator("h1").inner_text() == "江城市"
    assert "东湖区" in page.locator("#children-table").inner_text()
    shot(page, "home-city-admin-zh")


def test_a_wrong_password_then_lockout_shows_a_clear_message(page, live_server, teacher):
    for _ in range(5):
        log_in(page, live_server.url, "teacher", "wrong-password")
    message = page.locator("#lockout").inner_text()
    assert "30" in message
    shot(page, "login-lockout-zh")


def test_the_language_switch_turns_the_ui_into_english(page, live_server, teacher, world):
    log_in(page, live_server.url, "teacher", PASSWORD)
    page.wait_for_selector("#lang-en")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click("#lang-en")
    page.wait_for_selector("html[lang=en]")
    assert "Log out" in page.content()
    shot(page, "home-school-en")
    page.click("#lang-zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")


def test_the_org_switcher_changes_the_working_county(page, live_server, city_admin, world):
    log_in(page, live_server.url, "city_admin", PASSWORD)
    page.wait_for_selector("#org-select")
    page.select_option("#org-select", str(world.county_b.pk))
    page.wait_for_function("document.querySelector('h1').innerText === '西山县'")
    page.goto(f"{live_server.url}/orgs/")
    table = page.locator("#org-table").inner_text()
    assert "西山中学" in table and "东湖第一小学" not in table
    shot(page, "org-list-switched-zh")


def test_the_shell_fits_a_phone(phone_page, live_server, county_officer, world):
    log_in(phone_page, live_server.url, "county_officer", PASSWORD)
    phone_page.wait_for_selector(".menu-toggle")
    phone_page.click(".menu-toggle")
    assert phone_page.locator("#nav").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(phone_page, "home-county-phone-zh")

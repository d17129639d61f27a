"""Screenshots of a running demo (make demo) for the README and docs, in headless Chromium.

.venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from safecampus.lib.testing.browser import CHROMIUM, FLAGS

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/img")
PASSWORD = "Jiangcheng-2012"  # noqa: S105 (the printed demo password)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)

        def session(username: str, width: int = 1280, height: int = 800):  # type: ignore[no-untyped-def]
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.goto(f"{BASE}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_load_state()
            return page

        page = session("admin")
        page.screenshot(path=str(OUT / "home-city.png"))
        page.goto(f"{BASE}/hazards/?open=true")
        page.screenshot(path=str(OUT / "hazard-ledger.png"))
        page.goto(f"{BASE}/hazards/stats/")
        page.screenshot(path=str(OUT / "hazard-stats.png"), full_page=True)
        page.goto(f"{BASE}/orgs/?school_kind=kindergarten&licensed=false")
        page.screenshot(path=str(OUT / "orgs-unlicensed-kindergartens.png"))
        page.click("#lang-en")
        page.wait_for_selector("html[lang=en]")
        page.goto(f"{BASE}/")
        page.screenshot(path=str(OUT / "home-city-en.png"))
        page.click("#lang-zh-hans")
        phone = session("4399010001_principal", 390, 844)
        phone.screenshot(path=str(OUT / "home-school-phone.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()

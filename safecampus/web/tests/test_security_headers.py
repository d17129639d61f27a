"""Security headers on every page, and pages that need no inline code and no CDN (docs/security.md).

The CSP allows scripts and styles from this site only, with no 'unsafe-inline': a template with
an inline <script>, a style= attribute or an onclick= would silently break in the browser, so
the templates are checked here as text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

PACKAGE = Path(__file__).resolve().parents[2]  # safecampus/
LOGIN = "/accounts/login/"


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_it_sends_a_strict_content_security_policy_on_the_login_page(db):
    response = Client().get(LOGIN)

    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "http:" not in header and "https:" not in header


def test_it_forbids_framing_sniffing_and_cross_site_referrers(db):
    response = Client().get(LOGIN)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_it_sends_the_same_headers_on_pages_behind_login_and_on_the_api(as_user, city_admin):
    client = as_user(city_admin)
    for url in ["/", "/api/v1/openapi.json"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url


def test_it_serves_the_api_docs_from_its_own_static_files(as_user, city_admin):
    response = as_user(city_admin).get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert scripts, "the API docs page should load Swagger UI"
    assert all(src.startswith("/static/") for src in scripts), scripts
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_it_sends_no_hsts_on_a_plain_laptop_install(db):
    response = Client().get(LOGIN, secure=True)

    assert "Strict-Transport-Security" not in response.headers


PRODUCTION_TLS = {
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


def test_it_sends_hsts_over_https_in_production(db, settings):
    for name, value in PRODUCTION_TLS.items():
        setattr(settings, name, value)

    response = Client().get(LOGIN, secure=True)

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert response.cookies["csrftoken"]["secure"]


def test_it_trusts_the_forwarded_proto_header_from_nginx_in_production(db, settings):
    for name, value in PRODUCTION_TLS.items():
        setattr(settings, name, value)

    behind_nginx = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
    plain_http = Client().get(LOGIN)

    assert behind_nginx.status_code == 200
    assert "Strict-Transport-Security" in behind_nginx.headers
    assert plain_http.status_code == 301
    assert plain_http["Location"] == f"https://testserver{LOGIN}"


def test_it_answers_the_health_check_over_plain_http_in_production(db, settings):
    for name, value in PRODUCTION_TLS.items():
        setattr(settings, name, value)

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


# --- templates and static files: no CDN, no inline code ------------------------------------


def _page_sources() -> list[Path]:
    vendor = PACKAGE / "static" / "vendor"
    files = list(PACKAGE.rglob("templates/**/*.html"))
    files += [
        p
        for p in (PACKAGE / "static").rglob("*")
        if p.is_file() and vendor not in p.parents and p.suffix in {".css", ".js", ".svg", ".html"}
    ]
    return sorted(files)


def _violations(pattern: re.Pattern[str], *, flags_tags_only: bool = False) -> list[str]:
    found = []
    for path in _page_sources():
        text = path.read_text(encoding="utf-8")
        chunks = re.findall(r"<[a-zA-Z][^>]*>", text) if flags_tags_only else [text]
        for chunk in chunks:
            for match in pattern.finditer(chunk):
                found.append(f"{path.relative_to(PACKAGE)}: {match.group(0)[:80]}")
    return found


def test_it_finds_the_templates_and_static_files_it_checks():
    names = {p.name for p in _page_sources()}
    assert {"base.html", "login.html", "app.css", "app.js"} <= names


# XML namespaces (xmlns="http://www.w3.org/2000/svg") name a vocabulary; they are never fetched.
_EXTERNAL_URL = re.compile(r"https?://(?!www\.w3\.org/)[^\s\"'<>)]+", re.I)


def test_it_references_no_external_host_in_templates_or_static_files():
    found = _violations(_EXTERNAL_URL)
    assert found == [], "external URLs (no CDN anywhere):\n" + "\n".join(found)


def test_it_has_no_protocol_relative_urls_in_templates():
    found = _violations(re.compile(r"""(?:(?:src|href|action)\s*=\s*["']|url\(\s*["']?)//""", re.I))
    assert found == [], "\n".join(found)


def test_it_has_no_inline_scripts_in_templates_or_static_files():
    found = []
    for path in _page_sources():
        text = path.read_text(encoding="utf-8")
        for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script\s*>", text, re.S | re.I):
            # A JSON data block (json_script) is data, not code: CSP does not run it.
            if re.search(r"""type\s*=\s*["']application/json["']""", attrs, re.I):
                continue
            if "src=" not in attrs or body.strip():
                found.append(f"{path.relative_to(PACKAGE)}: <script{attrs}>{body.strip()[:40]}")
    assert found == [], "inline <script> (use a src= file under static/):\n" + "\n".join(found)


def test_it_has_no_inline_styles_in_templates():
    attributes = _violations(re.compile(r"\sstyle\s*=", re.I), flags_tags_only=True)
    elements = _violations(re.compile(r"<style\b", re.I))
    found = attributes + elements
    assert found == [], "inline styles (use classes in static/css):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "pattern",
    [r"\son[a-z]+\s*=", r"""=\s*["']\s*javascript:"""],
    ids=["event-handler-attribute", "javascript-url"],
)
def test_it_has_no_inline_event_handlers_in_templates(pattern):
    found = _violations(re.compile(pattern, re.I), flags_tags_only=True)
    assert found == [], "inline handlers (use data- attributes and app.js):\n" + "\n".join(found)

"""A guard over every route: nothing but login, health and public assets answers a stranger."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "accounts/login/",
    "healthz",
    "readyz",
    "i18n/setlang/",
    "api/v1/openapi.json",
    "api/v1/docs",
    # The public/parent hazard report form (rate-limited; hazards/tests/test_public_report.py).
    "report/",
    "report/thanks/",
    "report/status/",
}


def _routes(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def _concrete(route: str) -> str:
    path = re.sub(r"<int:\w+>|\{\w+\}", "1", route)
    path = re.sub(r"<(?:str:|uuid:)?\w+>", "00000000-0000-0000-0000-000000000000", path)
    return "/" + path.lstrip("^").rstrip("$")


ROUTES = sorted({_concrete(r) for r in _routes()} - {"/" + p for p in PUBLIC})


@pytest.mark.parametrize("path", ROUTES)
def test_a_stranger_is_sent_to_login_or_refused(db, path):
    client = Client()
    for method in (client.get, client.post):
        response = method(path)
        if path.startswith("/api/"):
            assert response.status_code in (401, 403, 404, 405), (path, response.status_code)
        else:
            assert response.status_code in (302, 405), (path, response.status_code)
            if response.status_code == 302:
                assert response.url.startswith("/accounts/login/"), (path, response.url)


def test_the_guard_sees_the_routes():
    assert (
        "/orgs/" in ROUTES and "/audit/" in ROUTES and any(r.startswith("/api/v1/") for r in ROUTES)
    )

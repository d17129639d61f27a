"""The API describes itself: /api/v1/openapi.json and the Swagger page, served offline."""

import re

from django.test import Client

EXPECTED_PATHS = {
    "/api/v1/orgs": {"get", "post"},
    "/api/v1/orgs/tree": {"get"},
    "/api/v1/orgs/{org_id}": {"get", "patch"},
    "/api/v1/orgs/{org_id}/campuses": {"get", "post"},
    "/api/v1/me": {"get"},
    "/api/v1/users": {"get", "post"},
    "/api/v1/users/{user_id}": {"get", "patch"},
    "/api/v1/users/{user_id}/memberships": {"post"},
    "/api/v1/users/{user_id}/memberships/{membership_id}": {"delete"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}": {"delete"},
    "/api/v1/risks/points": {"get", "post"},
    "/api/v1/risks/points/{point_id}": {"get", "patch"},
    "/api/v1/risks/points/{point_id}/assessments": {"get", "post"},
    "/api/v1/risks/build": {"post"},
    "/api/v1/risks/library": {"get", "post"},
    "/api/v1/risks/policy": {"get", "put"},
    "/api/v1/responsibilities/posts": {"get", "post"},
    "/api/v1/responsibilities/assignments/{assignment_id}/sign": {"post"},
    "/api/v1/responsibilities/unsigned": {"get"},
    "/api/v1/responsibilities/grid": {"get", "post"},
    "/api/v1/responsibilities/letters": {"get", "post"},
    "/api/v1/warning": {"get"},
}


def test_the_openapi_document_lists_every_endpoint_with_tags(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    assert EXPECTED_PATHS.items() <= {p: set(ops) for p, ops in paths.items()}.items()
    for path, methods in EXPECTED_PATHS.items():
        for method in methods:
            operation = paths[path][method]
            assert operation["tags"], f"{method} {path} has no tag"
            assert operation["summary"]
    assert paths["/api/v1/orgs/{org_id}"]["patch"]["tags"] == ["orgs"]
    assert paths["/api/v1/responsibilities/grid"]["get"]["tags"] == ["responsibilities"]
    assert paths["/api/v1/tokens"]["post"]["tags"] == ["tokens"]


def test_the_openapi_document_has_examples_and_the_error_shape(db):
    spec = Client().get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["OrgOut"]["properties"]["name"]["examples"] == ["东湖第一小学"]
    assert set(schemas["ErrorOut"]["properties"]) == {"detail", "errors"}
    responses = spec["paths"]["/api/v1/orgs"]["post"]["responses"]
    assert {"201", "401", "403", "404", "422"} <= set(responses)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"


def test_the_docs_page_loads_its_assets_from_this_server_only(db):
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page must work without internet"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") for url in assets)
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_the_docs_page_has_no_inline_script_so_the_csp_holds(db):
    html = Client().get("/api/v1/docs").content.decode()
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, body[:80]

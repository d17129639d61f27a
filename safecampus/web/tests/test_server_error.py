"""The 500 page must render when the database is what failed (faults/test_postgres_restart.py
found it did not: the navigation's queries broke the error page itself)."""

from __future__ import annotations

import json
from typing import Any

from django.test import RequestFactory
from django.utils import translation

from safecampus.web.views import server_error


def test_the_500_page_renders_for_a_logged_in_user_without_touching_the_database(
    safety_officer: Any, django_assert_num_queries: Any
) -> None:
    request = RequestFactory().get("/hazards/")
    request.user = safety_officer  # the navigation of a logged-in page needs queries
    with translation.override("en"), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Server error" in response.content.decode()


def test_an_api_client_gets_the_error_as_json(db: Any, django_assert_num_queries: Any) -> None:
    request = RequestFactory().get("/api/v1/hazards")
    with translation.override("en"), django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "detail": "Something went wrong on the server. Please try again.",
        "errors": {},
    }

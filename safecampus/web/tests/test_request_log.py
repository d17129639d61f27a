"""Structured logs: a request id on every line of a request, one access line per request."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from safecampus.lib.logs import ContextFilter, JsonFormatter

REPO = Path(__file__).resolve().parents[3]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kaputt")


urlpatterns = [path("boom", boom)]  # for the test of a failing view (pytest.mark.urls)


@pytest.fixture
def json_lines():
    """What the console handler would write with LOG_FORMAT=json, for the loggers we read."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("safecampus.access", "django.request")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def test_a_request_logs_one_json_access_line_with_its_id_and_user(as_user, teacher, json_lines):
    response = as_user(teacher).get("/?page=2&q=secret")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32

    [line] = [entry for entry in json_lines() if entry["logger"] == "safecampus.access"]
    assert line["request_id"] == request_id
    assert (line["user"], line["user_id"]) == ("teacher", teacher.pk)
    assert line["org"] is not None  # the home page chose the active organisation
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"
    assert line["message"].startswith("GET / 200 ")
    assert "secret" not in json.dumps(line)  # no query strings in the log
    assert line["time"].endswith("+08:00")  # ISO 8601 with the offset, Asia/Shanghai


def test_every_line_of_the_request_carries_the_proxy_request_id(db, json_lines):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="nginx-4f1c2a")
    assert response.status_code == 404 and response["X-Request-ID"] == "nginx-4f1c2a"
    lines = json_lines()
    assert {entry["logger"] for entry in lines} == {"django.request", "safecampus.access"}
    assert {entry["request_id"] for entry in lines} == {"nginx-4f1c2a"}
    assert all(entry["user"] is None for entry in lines)  # nobody logged in


@pytest.mark.urls(__name__)
def test_a_failing_view_logs_its_traceback_with_the_request_id(db, json_lines):
    response = Client(raise_request_exception=False).get("/boom")
    assert response.status_code == 500
    lines = json_lines()
    [error] = [entry for entry in lines if entry["logger"] == "django.request"]
    assert error["level"] == "ERROR" and "RuntimeError: kaputt" in error["exc_info"]
    assert {entry["request_id"] for entry in lines} == {response["X-Request-ID"]}
    assert "request" not in error  # objects passed as extra are left out


@pytest.mark.parametrize("incoming", ["a b", "x" * 200, "id\nINFO forged line", "-start", ""])
def test_an_unlikely_request_id_is_replaced(db, incoming):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming and len(response["X-Request-ID"]) == 32


def test_the_user_is_not_loaded_just_for_the_log(db, json_lines, django_assert_num_queries):
    # /healthz never touches request.user: the log must not make it query the session.
    with django_assert_num_queries(1):  # SELECT 1, nothing else
        Client().get("/healthz")
    [line] = json_lines()
    assert line["user"] is None


def test_an_exception_is_logged_with_its_traceback(db):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    log = logging.getLogger("safecampus.test")
    log.addHandler(handler)
    try:
        try:
            raise ValueError("broken 坏了")
        except ValueError:
            log.exception("it failed")
    finally:
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "it failed" and line["level"] == "ERROR"
    assert "ValueError: broken 坏了" in line["exc_info"]
    assert line["request_id"] == "-"  # outside a request


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_logs_json_lines_by_default_and_laptops_text(tmp_path):
    code = "import logging; logging.getLogger('safecampus.x').warning('hello %s', 'world')"
    production = {
        "SAFECAMPUS_MODE": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "safecampus.example.gov.cn",
        "SAFECAMPUS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    done = _manage("shell", "-c", code, **production)
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == (
        "WARNING",
        "safecampus.x",
        "hello world",
    )

    text = _manage("shell", "-c", code, SAFECAMPUS_VAR_DIR=str(tmp_path))
    assert text.returncode == 0, text.stderr
    assert text.stderr.strip().splitlines()[-1].endswith("WARNING safecampus.x [-] hello world")

    bad = _manage("check", SAFECAMPUS_VAR_DIR=str(tmp_path), LOG_FORMAT="xml")
    assert bad.returncode != 0 and "LOG_FORMAT must be json or text" in bad.stderr

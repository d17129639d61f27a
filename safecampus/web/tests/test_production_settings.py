"""Production mode starts only when safely configured (docs/deploy.md, docs/configure.md).

Settings are read once per process, so each case runs ``manage.py`` in a subprocess with a
clean environment: only what the case sets, never the developer's or CI's DATABASE_URL.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory, override_settings

from safecampus.lib.http import client_ip
from safecampus.lib.testing.factories import PASSWORD

REPO = Path(__file__).resolve().parents[3]
DEPLOY_DOC = REPO / "docs" / "deploy.md"
HOST = "safecampus.example.gov.cn"
IMPROPERLY = "django.core.exceptions.ImproperlyConfigured"


def documented_production_env() -> dict[str, str]:
    """The KEY=VALUE lines of the environment file block in docs/deploy.md."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- production-env:start -->(.*?)<!-- production-env:end -->", text, re.S)
    assert block, "docs/deploy.md lost its production-env block"
    pairs = re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", block.group(1), re.M)
    return dict(pairs)


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    base["SAFECAMPUS_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(tmp_path: Path) -> dict[str, str]:
    """Exactly the documented file, with a fresh key and local stand-ins for the server paths."""
    env = documented_production_env()
    env["SECRET_KEY"] = secrets.token_urlsafe(48)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["SAFECAMPUS_VAR_DIR"] = str(tmp_path)
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    return env


def test_it_documents_a_production_environment_file():
    env = documented_production_env()
    assert env["SAFECAMPUS_MODE"] == "production"
    assert env["ALLOWED_HOSTS"] == HOST
    assert env["DATABASE_URL"].startswith("postgres://")
    assert {"SECRET_KEY", "SAFECAMPUS_VAR_DIR", "MEDIA_ROOT", "PROXY_COUNT"} <= set(env)


def test_it_passes_check_deploy_with_exactly_the_documented_environment(tmp_path):
    env = production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 64

    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_it_turns_on_https_only_cookies_hsts_and_the_proxy_header_in_production(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.DEBUG, s.PROXY_COUNT)"
    )
    result = manage(tmp_path, "shell", "-c", code, **production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') False 1"
    )


@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "",
        "django-insecure-" + secrets.token_urlsafe(48),
        secrets.token_urlsafe(24),  # 32 characters: too short
        "x" * 80,  # long but not random
    ],
    ids=["missing", "empty", "django-insecure", "short", "one-character"],
)
def test_it_refuses_to_start_production_without_a_strong_secret_key(tmp_path, secret_key):
    env = production_env(tmp_path)
    if secret_key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret_key

    result = manage(tmp_path, "check", **env)

    assert result.returncode != 0
    assert IMPROPERLY in result.stderr
    assert "SAFECAMPUS_MODE=production needs SECRET_KEY" in result.stderr


def test_it_refuses_to_start_production_without_allowed_hosts(tmp_path):
    env = production_env(tmp_path)
    del env["ALLOWED_HOSTS"]

    result = manage(tmp_path, "check", **env)

    assert result.returncode != 0
    assert "SAFECAMPUS_MODE=production needs ALLOWED_HOSTS." in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SESSION_IDLE_MINUTES", "abc", "SESSION_IDLE_MINUTES must be an integer, got 'abc'"),
        ("DEBUG", "maybe", "DEBUG must be true/false, got 'maybe'"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT must be >= 1, got 0"),
        ("PROXY_COUNT", "-1", "PROXY_COUNT must be >= 0, got -1"),
        ("SAFECAMPUS_MODE", "prod", "SAFECAMPUS_MODE must be laptop or production, got 'prod'"),
    ],
)
def test_it_fails_loudly_on_a_bad_environment_value(tmp_path, name, value, message):
    result = manage(tmp_path, "check", **{name: value})

    assert result.returncode != 0
    assert IMPROPERLY in result.stderr
    assert message in result.stderr


def test_it_starts_in_laptop_mode_with_nothing_set(tmp_path):
    result = manage(tmp_path, "check")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


# --- the client address behind nginx (PROXY_COUNT) ----------------------------------------


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/accounts/login/", **meta)


def test_it_uses_the_socket_address_when_no_proxy_is_configured():
    with override_settings(PROXY_COUNT=0):
        assert client_ip(_request("10.0.0.5", "6.6.6.6")) == "10.0.0.5"


def test_it_takes_the_address_nginx_saw_and_ignores_what_the_client_claims():
    # nginx appends the peer address: "<whatever the client sent>, <real client>".
    with override_settings(PROXY_COUNT=1):
        assert client_ip(_request("127.0.0.1", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
        assert client_ip(_request("127.0.0.1", "203.0.113.9")) == "203.0.113.9"


def test_it_counts_hops_from_the_right_behind_two_proxies():
    with override_settings(PROXY_COUNT=2):
        assert client_ip(_request("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_it_falls_back_to_the_socket_address_when_the_header_is_missing_or_garbage():
    with override_settings(PROXY_COUNT=1):
        assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
        assert client_ip(_request("127.0.0.1", "not-an-ip")) == "127.0.0.1"
    with override_settings(PROXY_COUNT=2):
        assert client_ip(_request("127.0.0.1", "203.0.113.9")) == "127.0.0.1"


def test_it_locks_out_by_the_forwarded_client_address_behind_nginx(db, teacher, settings):
    settings.PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 2
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    for _ in range(2):
        attacker.post("/accounts/login/", {"username": "teacher", "password": "wrong"})
    locked = attacker.post("/accounts/login/", {"username": "teacher", "password": "wrong"})
    assert locked.status_code == 429

    # The same user from another client address behind the same nginx still gets in.
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    response = colleague.post("/accounts/login/", {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302

"""Session lifetime: idle and absolute expiry, logout and deactivation end every session."""

import time

from django.test import Client
from django.urls import reverse

from safecampus.accounts import actions
from safecampus.accounts.middleware import LOGIN_AT, SEEN_AT
from safecampus.audit.models import AuditEvent
from safecampus.lib.testing.factories import PASSWORD


def _logged_in(username):
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code
        == 302
    )
    return client


def _age_session(client, *, seen_ago=0, login_ago=0):
    session = client.session
    now = int(time.time())
    session[SEEN_AT] = now - seen_ago
    session[LOGIN_AT] = now - login_ago
    session.save()


def test_a_session_idle_for_30_minutes_expires(db, teacher):
    client = _logged_in("teacher")
    _age_session(client, seen_ago=31 * 60, login_ago=31 * 60)
    response = client.get(reverse("orgs:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert AuditEvent.objects.filter(verb="auth.session_expired").exists()
    assert client.get(reverse("orgs:list")).status_code == 302


def test_activity_keeps_the_session_alive(db, teacher):
    client = _logged_in("teacher")
    _age_session(client, seen_ago=29 * 60, login_ago=3 * 3600)
    assert client.get(reverse("orgs:list")).status_code == 200


def test_a_session_older_than_12_hours_expires_even_when_active(db, teacher):
    client = _logged_in("teacher")
    _age_session(client, seen_ago=10, login_ago=12 * 3600 + 5)
    assert client.get(reverse("orgs:list")).status_code == 302


def test_the_limits_are_configurable(db, teacher, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client = _logged_in("teacher")
    _age_session(client, seen_ago=6 * 60)
    assert client.get(reverse("orgs:list")).status_code == 302


def test_logout_ends_every_session_of_the_user(db, teacher):
    phone, laptop = _logged_in("teacher"), _logged_in("teacher")
    assert phone.get(reverse("orgs:list")).status_code == 200
    response = laptop.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert phone.get(reverse("orgs:list")).status_code == 302
    assert AuditEvent.objects.filter(verb="auth.logout", actor=teacher).exists()


def test_logout_needs_post(db, teacher):
    client = _logged_in("teacher")
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_deactivating_a_user_ends_their_sessions_and_tokens(db, teacher, school_principal):
    client = _logged_in("teacher")
    _token, secret = actions.do_issue_token(teacher, "bi")
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    actions.do_set_active(school_principal, teacher, False)
    assert client.get(reverse("orgs:list")).status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401

"""Logging in: credentials, lockout, session rotation, forced password change, safe redirects."""

from django.contrib.auth.hashers import identify_hasher
from django.test import Client, override_settings
from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.lib.testing.factories import PASSWORD, make_user
from safecampus.orgs.roles import Role

LOGIN = "/accounts/login/"


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_it_logs_in_and_audits_it(db, teacher):
    client = Client()
    response = _login(client, "teacher", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    event = AuditEvent.objects.get(verb="auth.login")
    assert event.actor == teacher and event.ip == "127.0.0.1"


def test_the_session_key_rotates_at_login(db, teacher):
    client = Client()
    client.get(LOGIN)
    client.cookies["sessionid"] = "x"  # a planted (fixation) session id is not kept
    client.session.save()
    before = client.session.session_key
    _login(client, "teacher", PASSWORD)
    assert client.session.session_key != before


def test_a_wrong_password_is_refused_with_a_clear_message_and_audited(db, teacher):
    response = _login(Client(), "teacher", "nope")
    assert response.status_code == 200
    assert "5" in response.context["form"].non_field_errors()[0]
    event = AuditEvent.objects.get(verb="auth.login_failed")
    assert event.changes == {"username": "teacher"}


def test_five_failures_lock_the_username_on_this_address_for_30_minutes(db, teacher):
    client = Client()
    for _ in range(4):
        assert _login(client, "teacher", "wrong").status_code == 200
    locked = _login(client, "teacher", "wrong")
    assert locked.status_code == 429
    assert "30" in locked.context["lockout"]
    # Even the right password is refused while locked.
    assert _login(client, "teacher", PASSWORD).status_code == 429
    assert AuditEvent.objects.filter(verb="auth.locked_out").exists()


def test_the_lockout_is_per_username_and_address(db, teacher, guard):
    for _ in range(5):
        _login(Client(), "teacher", "wrong")
    assert _login(Client(), "guard", PASSWORD).status_code == 302
    other_ip = Client(REMOTE_ADDR="10.1.2.3")
    assert _login(other_ip, "teacher", PASSWORD).status_code == 302


def test_the_lockout_message_is_translated(db, teacher):
    client = Client()
    client.cookies["safecampus_language"] = "zh-hans"
    for _ in range(5):
        response = _login(client, "teacher", "wrong")
    assert "分钟" in response.content.decode()


def test_passwords_are_hashed_with_argon2_in_production_settings(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = make_user("argon")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_an_admin_issued_password_must_be_changed_first(db, world):
    user = make_user("newbie", world.school_a1, Role.TEACHER, must_change_password=True)
    client = Client()
    _login(client, "newbie", PASSWORD)
    response = client.get(reverse("orgs:list"))
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh-Start-88",
            "new_password2": "Fresh-Start-88",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("orgs:list")).status_code == 200  # still logged in


def test_the_next_parameter_only_redirects_within_the_site(db, teacher):
    response = _login(Client(), "teacher", PASSWORD, next="https://evil.example.com/")
    assert response.url == reverse("web:home")
    response = _login(Client(), "teacher", PASSWORD, next="/orgs/")
    assert response.url == "/orgs/"


def test_an_inactive_user_cannot_log_in(db, teacher):
    teacher.is_active = False
    teacher.save()
    assert _login(Client(), "teacher", PASSWORD).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_failure_limit_is_configurable(db, teacher):
    client = Client()
    _login(client, "teacher", "wrong")
    assert _login(client, "teacher", "wrong").status_code == 429

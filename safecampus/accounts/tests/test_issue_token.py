"""`manage.py issue_token USERNAME [--name NAME]`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from safecampus.accounts.models import ApiToken, hash_token
from safecampus.audit.models import AuditEvent


def _issue(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_only_a_working_secret_and_the_token_is_audited(teacher):
    secret, note = _issue("teacher", "--name", "BI dashboard")
    token = ApiToken.objects.get(user=teacher)
    assert (token.name, token.token_hash) == ("BI dashboard", hash_token(secret))
    assert token.prefix in note and secret not in note
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.json()["username"] == "teacher"
    event = AuditEvent.objects.get(verb="token.issue")
    assert event.actor == teacher and event.changes["name"] == "BI dashboard"


def test_the_name_says_where_the_token_came_from_by_default(teacher):
    _issue("teacher")
    assert ApiToken.objects.get(user=teacher).name == "manage.py issue_token"


def test_an_unknown_user_is_a_clear_error_and_writes_nothing(world):
    with pytest.raises(CommandError, match="ghost"):
        _issue("ghost")
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_gets_no_token(teacher):
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="teacher"):
        _issue("teacher")
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(verb="token.issue").exists()


def test_a_blank_name_is_refused(teacher):
    with pytest.raises(CommandError):
        _issue("teacher", "--name", "  ")
    assert not ApiToken.objects.exists()

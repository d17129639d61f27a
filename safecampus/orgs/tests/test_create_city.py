"""manage.py create_city: the first city and administrator of a production database."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from safecampus.accounts.models import User
from safecampus.audit.models import AuditEvent
from safecampus.orgs.models import Membership, Organization


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_it_creates_the_city_and_an_admin_who_must_change_the_password(db):
    out = StringIO()
    call_command("create_city", name="江城市", code="439900", admin="admin", stdout=out)
    password = re.search(r"first login\): (\S+)", out.getvalue()).group(1)
    city = Organization.objects.get(code="439900")
    admin = User.objects.get(username="admin")
    assert city.level == "city" and admin.must_change_password
    assert Membership.objects.get(user=admin).role == "city_admin"
    assert AuditEvent.objects.filter(verb__in=["org.create", "user.create"]).count() == 2
    client = Client()
    response = client.post("/accounts/login/", {"username": "admin", "password": password})
    assert response.status_code == 302
    assert client.get("/orgs/").url == "/accounts/password/"


def test_a_taken_code_or_username_writes_nothing(db):
    call_command("create_city", name="江城市", code="439900", admin="admin", stdout=StringIO())
    with pytest.raises(CommandError, match="code"):
        call_command("create_city", name="河城市", code="439900", admin="other", stdout=StringIO())
    with pytest.raises(CommandError, match="username"):
        call_command("create_city", name="河城市", code="439800", admin="ADMIN", stdout=StringIO())
    assert Organization.objects.count() == 1 and User.objects.count() == 1


def test_a_bad_code_is_refused(db):
    with pytest.raises(CommandError, match="letters"):
        call_command("create_city", name="江城市", code="43 99", admin="a", stdout=StringIO())
    assert not Organization.objects.exists()

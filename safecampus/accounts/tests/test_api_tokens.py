"""/api/v1/tokens, and authenticating with a token instead of a session."""

from django.test import Client

from safecampus.accounts.actions import do_issue_token, do_revoke_token
from safecampus.accounts.models import ApiToken, hash_token
from safecampus.audit.models import AuditEvent

TOKENS = "/api/v1/tokens"


def _bearer(secret, **kwargs):
    return Client(headers={"Authorization": f"Bearer {secret}"}, **kwargs)


def _post(client, url, data, **kwargs):
    return client.post(url, data, content_type="application/json", **kwargs)


def test_a_token_authenticates_api_calls(teacher):
    token, secret = do_issue_token(teacher, "BI")
    response = _bearer(secret).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "teacher"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_gets_401(teacher):
    token, secret = do_issue_token(teacher, "BI")
    do_revoke_token(teacher, token)
    response = _bearer(secret).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["errors"] == {}


def test_an_unknown_token_or_a_deactivated_persons_token_gets_401(teacher):
    _token, secret = do_issue_token(teacher, "BI")
    assert _bearer("sc_not-a-real-token").get("/api/v1/me").status_code == 401
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])
    assert _bearer(secret).get("/api/v1/me").status_code == 401


def test_a_token_write_needs_no_csrf_token(school_principal, world):
    _token, secret = do_issue_token(school_principal, "script")
    client = _bearer(secret, enforce_csrf_checks=True)
    response = client.patch(
        f"/api/v1/orgs/{world.school_a1.pk}", {"students": 801}, content_type="application/json"
    )
    assert response.status_code == 200
    world.school_a1.refresh_from_db()
    assert world.school_a1.students == 801


def test_a_token_only_sees_what_its_person_may_see(other_county_officer, world):
    _token, secret = do_issue_token(other_county_officer, "BI")
    client = _bearer(secret)
    assert client.get(f"/api/v1/orgs/{world.school_a1.pk}").status_code == 404
    codes = [o["code"] for o in client.get("/api/v1/orgs").json()["items"]]
    assert codes == ["CB", "SB1"]


# --- issuing -------------------------------------------------------------------------------


def test_a_signed_in_person_issues_a_token_and_sees_the_secret_once(as_user, teacher):
    response = _post(as_user(teacher), TOKENS, {"name": "BI dashboard"})
    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    token = ApiToken.objects.get(pk=body["token"]["id"])
    assert (token.user, token.name, body["token"]["is_active"]) == (teacher, "BI dashboard", True)
    assert token.token_hash == hash_token(secret) and secret.startswith(token.prefix)
    assert not ApiToken.objects.filter(token_hash=secret).exists()  # only the hash is stored
    event = AuditEvent.objects.get(verb="token.issue")
    assert event.actor == teacher and secret not in str(event.changes)
    listed = as_user(teacher).get(TOKENS).json()["items"]
    assert "secret" not in listed[0] and listed[0]["prefix"] == token.prefix


def test_a_token_cannot_mint_more_tokens(teacher):
    _token, secret = do_issue_token(teacher, "BI")
    response = _post(_bearer(secret), TOKENS, {"name": "another"})
    assert response.status_code == 403
    assert ApiToken.objects.filter(user=teacher).count() == 1


def test_a_nameless_token_gets_422_and_nothing_is_written(as_user, teacher):
    client = as_user(teacher)
    response = _post(client, TOKENS, {"name": "  "})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["name"])
    response = _post(client, TOKENS, {"name": "x" * 61})
    assert (response.status_code, list(response.json()["errors"])) == (422, ["name"])
    response = _post(client, TOKENS, {"name": "BI", "user": 1, "token_hash": "0" * 64})
    assert set(response.json()["errors"]) == {"user", "token_hash"}
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(verb="token.issue").exists()


def test_a_session_write_without_the_csrf_token_is_refused(teacher):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    response = _post(client, TOKENS, {"name": "BI"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_an_anonymous_caller_cannot_issue_tokens(world):
    assert _post(Client(), TOKENS, {"name": "BI"}).status_code == 401
    assert not ApiToken.objects.exists()


# --- listing and revoking ------------------------------------------------------------------


def test_the_list_holds_only_ones_own_tokens_newest_first(as_user, teacher, guard):
    do_issue_token(teacher, "first")
    do_issue_token(teacher, "second")
    do_issue_token(guard, "the guard's")
    response = as_user(teacher).get(TOKENS)
    assert response.status_code == 200
    assert [t["name"] for t in response.json()["items"]] == ["second", "first"]


def test_the_token_list_makes_the_same_few_queries_however_many_tokens(
    teacher, django_assert_max_num_queries
):
    _token, secret = do_issue_token(teacher, "BI")
    for n in range(20):
        do_issue_token(teacher, f"robot {n}")
    client = _bearer(secret)
    client.get(TOKENS)  # the first use also records last_used_at
    # token, count, page
    with django_assert_max_num_queries(3):
        response = client.get(TOKENS)
    assert response.json()["count"] == 21


def test_revoking_a_token_stops_it_at_once(as_user, teacher):
    token, secret = do_issue_token(teacher, "BI")
    response = as_user(teacher).delete(f"{TOKENS}/{token.pk}")
    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(verb="token.revoke", actor=teacher).count() == 1
    assert _bearer(secret).get("/api/v1/me").status_code == 401
    assert as_user(teacher).delete(f"{TOKENS}/{token.pk}").status_code == 204  # idempotent


def test_a_token_may_revoke_itself(teacher):
    token, secret = do_issue_token(teacher, "BI")
    assert _bearer(secret).delete(f"{TOKENS}/{token.pk}").status_code == 204
    assert _bearer(secret).get(TOKENS).status_code == 401


def test_someone_elses_token_is_not_found(as_user, teacher, guard):
    token, secret = do_issue_token(guard, "BI")
    assert as_user(teacher).delete(f"{TOKENS}/{token.pk}").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _bearer(secret).get("/api/v1/me").status_code == 200

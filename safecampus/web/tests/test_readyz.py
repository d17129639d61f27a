"""/readyz: database, Redis, the background worker and the outbox, each reported on its own."""

from __future__ import annotations

import datetime
import json
import uuid
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client
from django.utils import timezone

from safecampus.lib.tests.test_cache import CLOSED, REAL, redis_up
from safecampus.notify.choices import Channel, OutboxState
from safecampus.notify.models import OutboxMessage
from safecampus.web import heartbeat, readiness

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def healthy(db, settings):
    """A laptop install whose `manage.py tick` ran a minute ago, without Redis or Celery."""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    heartbeat.beat(heartbeat.TICK, timezone.now() - MINUTE)


def readyz() -> tuple[int, dict]:
    response = Client().get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def statuses(body: dict) -> dict[str, str]:
    return {name: check["status"] for name, check in body["checks"].items()}


def test_it_is_ready_when_every_check_passes(healthy):
    status, body = readyz()
    assert status == 200 and body["status"] == "ok"
    assert statuses(body) == {
        "database": "ok",
        "redis": "not configured",
        "worker": "ok",
        "outbox": "ok",
    }
    assert body["checks"]["worker"]["source"] == "tick"
    assert body["checks"]["worker"]["age_seconds"] >= 60


def test_it_answers_over_plain_http_in_production(healthy, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/readyz").status_code == 200
    assert Client().get("/accounts/login/").status_code == 301


def test_an_unreachable_database_is_not_ready(healthy):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        status, body = readyz()
    assert status == 503 and body["status"] == "error"
    assert statuses(body)["database"] == "error"
    assert statuses(body)["worker"] == statuses(body)["outbox"] == "error"
    assert "down" not in json.dumps(body)


def test_unapplied_migrations_are_not_ready(healthy, monkeypatch):
    monkeypatch.setattr(readiness, "_migrations_applied", False)
    with mock.patch.object(
        readiness.MigrationExecutor, "migration_plan", return_value=[("m1", False), ("m2", False)]
    ):
        status, body = readyz()
    assert status == 503
    assert body["checks"]["database"] == {"status": "pending", "unapplied_migrations": 2}


def test_redis_down_is_not_ready_but_the_pages_still_work(healthy, settings, as_user, teacher):
    settings.REDIS_URL = CLOSED
    status, body = readyz()
    assert status == 503 and statuses(body)["redis"] == "error"
    assert statuses(body)["database"] == "ok"
    assert "127.0.0.1" not in json.dumps(body)  # no internal addresses
    assert as_user(teacher).get("/").status_code == 200


@pytest.mark.skipif(not redis_up(), reason="needs the Redis server at 127.0.0.1:6379")
def test_a_reachable_redis_is_ready(healthy, settings):
    settings.REDIS_URL = REAL
    status, body = readyz()
    assert status == 200 and statuses(body)["redis"] == "ok"
    assert "broker" not in body["checks"]  # the same Redis is not pinged twice


def test_a_separate_broker_is_checked_too(healthy, settings):
    settings.CELERY_BROKER_URL = CLOSED
    heartbeat.beat(heartbeat.WORKER)
    status, body = readyz()
    assert status == 503 and statuses(body)["broker"] == "error"


def test_a_tick_that_stopped_running_is_stale(healthy, settings):
    settings.READYZ_WORKER_STALE_MINUTES = 15
    heartbeat.beat(heartbeat.TICK, timezone.now() - 16 * MINUTE)
    status, body = readyz()
    assert status == 503 and statuses(body)["worker"] == "stale"
    assert body["checks"]["worker"]["age_seconds"] >= 16 * 60


def test_nothing_that_ever_ran_is_stale(db, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = ""
    status, body = readyz()
    assert status == 503
    assert body["checks"]["worker"] == {"status": "stale", "source": None, "age_seconds": None}


def test_the_celery_heartbeat_or_a_tick_from_cron_will_do(db, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = REAL  # Celery configured...
    heartbeat.beat(heartbeat.TICK, timezone.now() - 20 * MINUTE)
    with mock.patch.object(readiness, "_ping", return_value={"status": "ok"}):
        status, body = readyz()
        assert status == 503 and statuses(body)["worker"] == "stale"
        heartbeat.beat(heartbeat.WORKER, timezone.now() - MINUTE)  # ...and its worker beats
        status, body = readyz()
        assert status == 200 and body["checks"]["worker"]["source"] == "celery"
        heartbeat.beat(heartbeat.WORKER, timezone.now() - 30 * MINUTE)  # it stopped,
        heartbeat.beat(heartbeat.TICK)  # but a timer runs `manage.py tick`
        status, body = readyz()
    assert status == 200 and body["checks"]["worker"]["source"] == "tick"


def _message(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        target="a@school.example",
        subject="s",
        body="b",
        dedupe_key=uuid.uuid4().hex,
        **fields,
    )


def test_a_message_due_for_longer_than_the_threshold_is_stale(healthy, settings):
    settings.READYZ_OUTBOX_STALE_MINUTES = 30
    _message(next_attempt_at=timezone.now() - 5 * MINUTE)
    status, body = readyz()
    assert status == 200 and body["checks"]["outbox"]["oldest_due_seconds"] >= 5 * 60
    _message(next_attempt_at=timezone.now() - 31 * MINUTE)
    status, body = readyz()
    assert status == 503 and statuses(body)["outbox"] == "stale"
    assert body["checks"]["outbox"]["oldest_due_seconds"] >= 31 * 60


def test_messages_waiting_for_a_retry_or_already_sent_are_not_late(healthy):
    long_ago = timezone.now() - datetime.timedelta(days=2)
    _message(created_at=long_ago, attempts=3, next_attempt_at=timezone.now() + 60 * MINUTE)
    _message(created_at=long_ago, next_attempt_at=long_ago, state=OutboxState.SENT)
    _message(created_at=long_ago, next_attempt_at=long_ago, state=OutboxState.FAILED)
    status, body = readyz()
    assert status == 200 and body["checks"]["outbox"] == {"status": "ok", "oldest_due_seconds": 0}

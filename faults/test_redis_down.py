"""Redis (cache and Celery broker) goes away: the site keeps working, notifications wait in
the outbox (in PostgreSQL) and are sent once Redis is back, by the same, never restarted,
Celery worker."""

from __future__ import annotations

import time

import pytest

from faults.support import Stack, wait_for

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 20  # long enough for the worker's reconnect backoff to grow (2, 4, 6 ... s)
DELIVERY_TIMEOUT = 120  # seconds: the worker's reconnect backoff plus one delivery run


def test_redis_down_pages_keep_working_and_notifications_wait_in_the_outbox(
    stack: Stack,
) -> None:
    city = stack.city
    stack.start_redis()
    web = stack.start_web(workers=2)
    worker = stack.start_worker("worker")
    web_workers = web.children()
    token = stack.issue_tokens([city.username("safety_officer", city.school)])[0]
    officer = stack.login(city.username("safety_officer", city.school))
    assert stack.page("/", officer).status == 200
    assert stack.outbox() == []

    stack.stop_redis()
    down = time.monotonic()

    # Pages, for someone already logged in and for a new login; the API; health.
    for path in ("/", "/hazards/", "/accounts/me/"):
        answer = stack.page(path, officer)
        assert answer.status == 200, (path, answer.status, answer.text()[:500])
    principal = stack.login(city.username("principal", city.school))
    assert stack.page("/hazards/", principal).status == 200
    listed = stack.api("GET", "/hazards?limit=5", token)
    assert listed.status == 200, listed.text()[:500]
    assert stack.get("/healthz").status == 200
    # The public report form: its rate limits live in the cache and fail open.
    hazard = stack.public_report("fault test: reported while Redis is down")
    # Monitoring does see it: /readyz fails on Redis and says which check.
    ready = stack.get("/readyz")
    assert ready.status == 503 and ready.json()["checks"]["redis"]["status"] == "error"

    # The report's emails (the school's principal and safety officer) wait in the outbox.
    handlers = [city.username(role, city.school) for role in ("principal", "safety_officer")]
    emails = {
        str(r[0])
        for r in stack.sql("SELECT email FROM accounts_user WHERE username = ANY(%s)", [handlers])
    }
    waiting = stack.outbox()
    assert sorted(r[2] for r in waiting) == sorted(emails), waiting
    assert all(r[1] == "email" and r[3] == "pending" and r[4] == 0 for r in waiting), waiting
    # The rest of the outage: pages keep answering; the worker keeps retrying its broker
    # connection (CELERY_BROKER_CONNECTION_MAX_RETRIES=None) instead of exiting.
    pages = 0
    while time.monotonic() - down < OUTAGE_SECONDS:
        for path in ("/", "/hazards/"):
            answer = stack.page(path, officer)
            assert answer.status == 200, (path, answer.status, answer.text()[:500])
            pages += 1
        time.sleep(0.5)
    assert worker.alive(), worker.output()[-2000:]
    assert stack.smtp.snapshot() == []
    assert [r[3] for r in stack.outbox()] == ["pending"] * len(waiting)
    outage = time.monotonic() - down

    stack.start_redis()  # the same port, empty (a Redis without persistence)
    back = time.monotonic()
    stack.send_task("safecampus.deliver_outbox")  # what beat sends every minute

    def all_sent() -> bool:
        return all(r[3] == "sent" for r in stack.outbox())

    wait_for("the outbox to be sent after Redis came back", all_sent, DELIVERY_TIMEOUT, 0.5)
    delivered_after = time.monotonic() - back
    mails = stack.smtp.snapshot()
    print(
        f"\n[faults] Redis down for {outage:.1f} s: pages ({pages} more checked), login, API "
        f"and the public report answered; {len(waiting)} emails waited in the outbox and were sent "
        f"{delivered_after:.1f} s after Redis was back (same worker pid {worker.pid})"
    )
    assert sorted(r for m in mails for r in m.recipients) == sorted(emails), mails
    assert all(m.subject.endswith("reported while Redis is down") for m in mails), mails
    assert stack.sql("SELECT state FROM hazards_hazard WHERE id = %s", [hazard]) == [("reported",)]
    assert worker.alive() and web.alive() and web.children() == web_workers
    assert "cache: Redis unreachable" in web.output()  # the fallback was what served
    ready = stack.get("/readyz")
    assert ready.json()["checks"]["redis"]["status"] == "ok", ready.text()

"""20 clients send the same transition on the same hazard at once, over HTTP through gunicorn.

The database-level version (safecampus/hazards/tests/test_concurrency.py, run by CI on
PostgreSQL) calls the action from 20 threads; this one goes through everything in front of
it: 20 HTTP connections, token authentication, 4 gunicorn workers x 5 threads (so all 20
requests really are served at the same time, each on its own database connection).
"""

from __future__ import annotations

import datetime
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from faults.support import Response, Stack

pytestmark = pytest.mark.faults

CLIENTS = 20


def test_twenty_clients_assigning_at_once_one_wins_the_rest_get_409(stack: Stack) -> None:
    stack.start_redis()
    stack.start_web(workers=4, threads=5)
    city = stack.city
    hazard = stack.public_report("fault test: concurrent assign")
    assert stack.sql("SELECT state FROM hazards_hazard WHERE id = %s", [hazard]) == [("reported",)]

    # Everyone who may assign at the school: its principal and safety officer, the county's
    # and the city's administrators and staff; 20 tokens spread over them.
    county = city.school[:6]
    people = [
        city.username("principal", city.school),
        city.username("safety_officer", city.school),
        city.username("county_admin", county),
        city.username("county_staff", county),
        city.username("city_admin"),
        city.username("city_staff"),
    ]
    tokens = stack.issue_tokens([people[i % len(people)] for i in range(CLIENTS)])
    teacher = stack.user_id(city.username("teacher", city.school))
    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    payload = {
        "expected_state": "reported",
        "responsible": teacher,
        "deadline": (today + datetime.timedelta(days=7)).isoformat(),
    }

    barrier = threading.Barrier(CLIENTS)
    answers: list[Response | BaseException] = [RuntimeError("did not run")] * CLIENTS

    def client(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = stack.api("POST", f"/hazards/{hazard}/assign", tokens[index], payload)
        except BaseException as exc:  # reported by the assertion below
            answers[index] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started

    statuses = sorted(a.status if isinstance(a, Response) else repr(a) for a in answers)
    print(f"\n[faults] 20 concurrent assigns over HTTP: {statuses} in {elapsed:.2f} s")
    assert statuses == [200] + [409] * (CLIENTS - 1), statuses
    conflicts = [a for a in answers if isinstance(a, Response) and a.status == 409]
    assert all("changed this hazard" in a.json()["detail"] for a in conflicts), conflicts[0].text()

    assert stack.sql(
        "SELECT state, responsible_id FROM hazards_hazard WHERE id = %s", [hazard]
    ) == [("assigned", teacher)]
    events = "SELECT count(*) FROM hazards_hazardevent WHERE hazard_id = %s AND verb = 'assign'"
    assert stack.sql(events, [hazard]) == [(1,)]
    audit = "SELECT count(*) FROM audit_auditevent WHERE verb = 'hazard.assign' AND object_id = %s"
    assert stack.sql(audit, [str(hazard)]) == [(1,)]
    # The chain of every audit row (the 20 token issues, the report, the one assignment).
    verified = stack.manage("audit_verify")
    assert "audit chain OK" in verified, verified
    print(f"[faults] audit_verify: {verified.strip()}")

"""PostgreSQL stops in the middle of the load and comes back; gunicorn is not restarted.

What counts as failing cleanly, precisely:
- every request gets a complete HTTP answer within the client's 10 s timeout: no refused or
  reset connection, no timeout, no truncated answer (gunicorn's workers neither hang nor die);
- an answer that is not 200 is /healthz's JSON 503 ("database": "unreachable"), the API's
  JSON 500 ({"detail": ..., "errors": {}}) or a page's own 500 page (templates/500.html),
  both made without the database (web.views.server_error);
- requests sent before PostgreSQL was stopped, and every request sent after ``pg_ctl start``
  returned (the server accepts connections again), answer 200: each worker's broken
  persistent connection is noticed and replaced (errors mark it unusable, CONN_HEALTH_CHECKS
  tests an idle one), nobody restarts anything;
- the same gunicorn workers (pids) serve before, during and after.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from faults.support import Stack, request

pytestmark = pytest.mark.faults

CLIENTS = 4
DOWN_SECONDS = 4.0  # PostgreSQL is stopped this long (plus the time the stop and start take)
TIMEOUT = 10.0  # the client's timeout for one request
AFTER_SECONDS = 8.0  # load kept up after PostgreSQL is back


@dataclass
class Outcome:
    sent: float
    done: float
    path: str
    status: int | None  # None: no HTTP answer at all
    detail: str


def _clean_error(outcome: Outcome, body: str) -> bool:
    if outcome.path == "/healthz":
        return outcome.status == 503 and '"database": "unreachable"' in body
    if outcome.path.startswith("/api/"):
        return outcome.status == 500 and '"detail": "Something went wrong on the server' in body
    return outcome.status == 500 and "Server error" in body


def test_postgres_restart_under_load_fails_cleanly_and_recovers_without_restart(
    stack: Stack,
) -> None:
    stack.start_redis()
    web = stack.start_web(workers=2)
    workers_before = web.children()
    token = stack.issue_tokens([stack.city.username("county_staff", stack.city.school[:6])])[0]
    headers = {"Cookie": "safecampus_language=en"}
    paths = {
        "/healthz": headers,
        "/api/v1/hazards?limit=5": {**headers, "Authorization": f"Bearer {token}"},
    }
    for path, sent in paths.items():
        warm = stack.get(path, headers=sent)
        assert warm.status == 200, (path, warm.status, warm.text()[:300])

    outcomes: list[Outcome] = []
    unclean: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(index: int) -> None:
        items = list(paths.items())
        turn = index
        while not stop.is_set():
            path, sent = items[turn % len(items)]
            turn += 1
            begin = time.monotonic()
            try:
                answer = request("GET", stack.base_url + path, headers=sent, timeout=TIMEOUT)
                outcome = Outcome(begin, time.monotonic(), path, answer.status, "")
                body = answer.text()
                if answer.status != 200 and not _clean_error(outcome, body):
                    with lock:
                        unclean.append(f"{path} {answer.status}: {body[:300]}")
            except Exception as exc:  # no HTTP answer: the worst kind of failure here
                outcome = Outcome(begin, time.monotonic(), path, None, repr(exc))
            with lock:
                outcomes.append(outcome)
            time.sleep(0.005)  # load, not a busy loop on a shared machine

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        stop_sent = time.monotonic()
        stack.pg.stop("fast")  # ends every session at once, as a restart or crash does
        stopped = time.monotonic()
        time.sleep(DOWN_SECONDS)
        start_sent = time.monotonic()
        stack.pg.start()  # -w: returns once the server accepts connections
        up = time.monotonic()
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT + 5)

    failed = [o for o in outcomes if o.status != 200]
    no_answer = [o for o in outcomes if o.status is None]
    slowest = max(o.done - o.sent for o in outcomes)
    before = [o for o in outcomes if o.sent < stop_sent]
    after = [o for o in outcomes if o.sent >= up]
    print(
        f"\n[faults] PostgreSQL restart under load: {len(outcomes)} requests by {CLIENTS} "
        f"clients; stop took {stopped - stop_sent:.2f} s, down {start_sent - stopped:.2f} s, "
        f"start took {up - start_sent:.2f} s"
    )
    if failed:
        first, last = min(o.sent for o in failed), max(o.done for o in failed)
        ok_after = [o for o in outcomes if o.status == 200 and o.sent > last]
        first_ok = min(o.done for o in ok_after) if ok_after else float("nan")
        print(
            f"[faults]   {len(failed)} failed cleanly "
            f"({sum(o.status == 500 for o in failed)} x 500, "
            f"{sum(o.status == 503 for o in failed)} x 503, {len(no_answer)} without an answer); "
            f"errors seen from t={first - t0:.2f} s to t={last - t0:.2f} s "
            f"(window {last - first:.2f} s; stop sent at t={stop_sent - t0:.2f} s, "
            f"PostgreSQL up at t={up - t0:.2f} s); first success after the last failure "
            f"{first_ok - up:+.2f} s from pg_ctl start returning; slowest request {slowest:.2f} s"
        )

    assert not no_answer, [f"{o.path}: {o.detail}" for o in no_answer[:5]]
    assert not unclean, unclean[:5]
    assert failed, "the outage was never seen: the test did not test anything"
    assert before and all(o.status == 200 for o in before if o.done < stop_sent)
    assert len(after) >= 10, f"too few requests after the restart: {len(after)}"
    assert all(o.status == 200 for o in after), [
        (round(o.sent - up, 2), o.path, o.status) for o in after if o.status != 200
    ]
    assert web.alive() and web.children() == workers_before, (workers_before, web.children())

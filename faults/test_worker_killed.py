"""A Celery worker killed (SIGKILL) in the middle of sending the outbox.

The task (safecampus.deliver_outbox) is caught in flight by the SMTP sink, which has read a
whole email and holds back its "250": the message is not delivered yet, exactly as with a
slow mail server. Then:

- pool process killed (what the kernel's OOM killer does): the worker's main process sees
  the loss and, with acks_late + reject_on_worker_lost, gives the task back to the broker at
  once; it runs again, exactly once;
- whole worker killed (main process and pool, as a power cut or ``kill -9`` of the group):
  nobody gives the task back; the broker does, after its visibility timeout, to the next
  worker. In production that timeout is 2 h (settings.CELERY_BROKER_TRANSPORT_OPTIONS); this
  test shortens it to 10 s with faults/worker_settings.py, a settings module of its own.

In both cases the run that was killed had claimed the messages (notify/jobs.py: claimed rows
are left alone by other runs for CLAIM = 10 minutes), so the repeated task sends nothing:
the messages go out once the claim runs out, by whichever delivery run comes next (beat sends
one a minute). The test does not wait 10 minutes: it moves the claim's end to now in the
database, which is the only thing those 10 minutes change. Each message then reaches the
mail server exactly once: none lost, none twice.

Not covered, by design: a worker killed after the mail server said 250 but before the row
was marked sent. That message is sent again when the claim runs out (notify/jobs.py: "a
message may rarely arrive twice, never not at all").
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from faults.support import Service, Stack, task_lines, wait_for

pytestmark = pytest.mark.faults

VISIBILITY_TIMEOUT = 10  # seconds; the whole-worker test's broker setting (production: 2 h)
TITLE = "fault test: worker killed"


def _pending_report(stack: Stack) -> set[str]:
    """Report a hazard; the email addresses its outbox messages go to."""
    stack.public_report(TITLE)
    rows = stack.outbox()
    assert rows and all(r[1] == "email" and r[3] == "pending" for r in rows), rows
    return {r[2] for r in rows}


def _catch_in_flight(stack: Stack) -> str:
    stack.smtp.hold()
    task = stack.send_task("safecampus.deliver_outbox")
    assert stack.smtp.in_flight.wait(60), "the delivery never reached the mail server"
    return task


def _claimed_and_untouched(stack: Stack) -> None:
    """What the killed run left: every message still pending, no try counted, claimed."""
    rows = stack.sql(
        "SELECT state, attempts, next_attempt_at > now() + interval '9 minutes' "
        "FROM notify_outboxmessage"
    )
    assert all(r == ("pending", 0, True) for r in rows), rows
    assert stack.smtp.snapshot() == [] and stack.smtp.aborted == 1, stack.smtp


def _claim_runs_out_and_all_arrive_once(stack: Stack, worker: Service, addresses: set[str]) -> None:
    stack.sql("UPDATE notify_outboxmessage SET next_attempt_at = now() WHERE state = 'pending'")
    stack.smtp.release()
    task = stack.send_task("safecampus.deliver_outbox")
    wait_for("the outbox to be sent", lambda: all(r[3] == "sent" for r in stack.outbox()), 60, 0.3)
    wait_for("the run to finish", lambda: task_lines(worker, task, "succeeded") == 1, 30)
    # Once more, as the next beat run would: nothing is sent twice.
    again = stack.send_task("safecampus.deliver_outbox")
    wait_for("the next run to finish", lambda: task_lines(worker, again, "succeeded") == 1, 30)
    mails = stack.smtp.snapshot()
    recipients = sorted(r for m in mails for r in m.recipients)
    assert recipients == sorted(addresses), recipients
    assert all(m.subject.endswith(TITLE) for m in mails), mails
    assert [r[4] for r in stack.outbox()] == [1] * len(addresses)  # one try each


def test_pool_process_killed_mid_delivery_the_task_runs_again_once(stack: Stack) -> None:
    stack.start_redis()
    stack.start_web(workers=1)
    worker = stack.start_worker("worker")
    addresses = _pending_report(stack)

    task = _catch_in_flight(stack)
    pool = worker.children()
    assert len(pool) == 1, pool
    os.kill(pool[0], signal.SIGKILL)
    killed = time.monotonic()

    wait_for("the task to be redelivered", lambda: task_lines(worker, task, "received") == 2, 60)
    redelivered = time.monotonic() - killed
    wait_for("the second run to finish", lambda: task_lines(worker, task, "succeeded") == 1, 60)
    print(
        f"\n[faults] pool process killed mid-delivery: task {task} received again "
        f"{redelivered:.2f} s later and run once more ({len(addresses)} messages claimed by "
        "the killed run, none sent by the repeat)"
    )
    assert "WorkerLostError" in worker.output()
    assert worker.alive() and len(worker.children()) == 1 and worker.children() != pool
    _claimed_and_untouched(stack)

    _claim_runs_out_and_all_arrive_once(stack, worker, addresses)
    assert task_lines(worker, task, "received") == 2 and task_lines(worker, task, "succeeded") == 1


def test_whole_worker_killed_mid_delivery_the_next_worker_runs_the_task_once(
    stack: Stack,
) -> None:
    settings = {
        "DJANGO_SETTINGS_MODULE": "faults.worker_settings",
        "FAULTS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    stack.start_redis()
    stack.start_web(workers=1)
    first = stack.start_worker("worker1", **settings)
    addresses = _pending_report(stack)

    task = _catch_in_flight(stack)
    taken = time.monotonic()
    first.kill()  # SIGKILL to the process group: main process and pool at once
    assert task_lines(first, task, "received") == 1 and task_lines(first, task, "succeeded") == 0

    # A Redis scan gives the task back only once it is older than the visibility timeout; a
    # worker scans when it starts (then every ~100 s), so the next one starts after that.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - taken)))
    second = stack.start_worker("worker2", **settings)
    # 150 s: should the scan at start miss it, the next one comes ~100 s later.
    wait_for("the task to be given back", lambda: task_lines(second, task, "received") == 1, 150)
    redelivered = time.monotonic() - taken
    wait_for("the task to run", lambda: task_lines(second, task, "succeeded") == 1, 60)
    print(
        f"\n[faults] whole worker killed mid-delivery: task {task} run by the next worker "
        f"{redelivered:.1f} s after it was first taken (visibility timeout "
        f"{VISIBILITY_TIMEOUT} s here, 2 h in production)"
    )
    _claimed_and_untouched(stack)

    _claim_runs_out_and_all_arrive_once(stack, second, addresses)
    assert task_lines(second, task, "received") == 1 and task_lines(second, task, "succeeded") == 1

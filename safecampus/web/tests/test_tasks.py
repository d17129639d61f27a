"""The Celery tasks do exactly what ``manage.py tick`` does (eager mode: no broker needed)."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from safecampus import celery_app
from safecampus.hazards import actions
from safecampus.hazards.tests.helpers import report
from safecampus.notify import jobs as notify_jobs
from safecampus.notify.jobs import Delivered
from safecampus.web import heartbeat, tasks
from safecampus.web import jobs as web_jobs
from safecampus.web.jobs import run_tick

TODAY = datetime.date(2026, 4, 1)
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def overdue(teacher, safety_officer, world, categories):
    """One hazard a day past its deadline; only the teacher has an email address."""
    teacher.email = "teacher@school.example"
    teacher.save(update_fields=["email"])
    hazard = report(teacher, world.school_a1, categories)
    return actions.do_assign(
        safety_officer, hazard, responsible=teacher, deadline=TODAY - datetime.timedelta(days=1)
    )


def test_the_tasks_run_eagerly_without_a_broker():
    assert not settings.CELERY_BROKER_URL  # the test settings have no broker
    assert celery_app.conf.task_always_eager is True


def test_the_tick_and_delivery_tasks_do_the_work_of_manage_py_tick_once(overdue, mailoutbox):
    counts = tasks.tick.delay(today=TODAY.isoformat()).get()["counts"]
    assert counts == {
        "deadline reminders": 0,
        "overdue notices": 1,
        "escalations": 0,
        "progress-report reminders": 0,
        "risk review reminders": 0,
    }
    assert len(mailoutbox) == 0  # the tick task only queues; delivery is its own task
    delivered = tasks.deliver_outbox.delay().get()
    assert delivered == {"sent": 2, "retrying": 0, "failed": 0, "deferred": 0}
    assert {tuple(m.to) for m in mailoutbox} == {("teacher@school.example",)}

    # The command now finds the same work done: nothing queued or sent twice.
    out = io.StringIO()
    with translation.override("en"):
        call_command("tick", "--today", TODAY.isoformat(), stdout=out)
    assert "overdue notices: 0" in out.getvalue()
    assert "delivery: 0 sent" in out.getvalue()
    assert len(mailoutbox) == 2


def test_the_command_and_the_tasks_call_the_same_functions(db, monkeypatch):
    calls: list[tuple[str, object]] = []

    def job(today):
        calls.append(("job", today))
        return 7

    def deliver(now=None, limit=500):
        calls.append(("deliver", limit))
        return Delivered(sent=3)

    monkeypatch.setattr(web_jobs, "JOBS", [("a job", job)])
    monkeypatch.setattr(notify_jobs, "deliver_outbox", deliver)

    call_command("tick", "--today", TODAY.isoformat(), "--limit", "9", stdout=io.StringIO())
    by_command = list(calls)
    calls.clear()
    assert tasks.tick.delay(today=TODAY.isoformat()).get()["counts"] == {"a job": 7}
    assert tasks.deliver_outbox.delay(limit=9).get()["sent"] == 3

    assert by_command == calls == [("job", TODAY), ("deliver", 9)]


def test_a_broken_job_fails_the_tick_task_after_the_others_ran(overdue, monkeypatch):
    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setattr(web_jobs, "JOBS", [("broken", broken), *web_jobs.JOBS])
    with pytest.raises(tasks.TickFailed, match="broken"):
        tasks.tick.delay(today=TODAY.isoformat()).get()
    # The overdue notice was still queued: the command finds nothing left to do.
    with pytest.raises(CommandError), translation.override("en"):
        out = io.StringIO()
        call_command("tick", "--today", TODAY.isoformat(), stdout=out)
    assert "overdue notices: 0" in out.getvalue()


def test_a_tick_and_the_heartbeat_task_record_when_they_ran(db):
    assert heartbeat.last_seen(heartbeat.TICK) is None
    before = timezone.now()
    run_tick(TODAY, send=False)
    assert heartbeat.last_seen(heartbeat.TICK) >= before
    assert heartbeat.last_seen(heartbeat.WORKER) is None
    tasks.heartbeat.delay()
    tasks.heartbeat.delay()  # the second run updates the one row
    assert heartbeat.last_seen(heartbeat.WORKER) >= before


def test_the_celery_configuration_is_the_reliable_one():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert conf.broker_connection_max_retries is None  # waits out a Redis restart
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.timezone == "Asia/Shanghai"
    assert conf.worker_hijack_root_logger is False
    assert Path(conf.beat_schedule_filename).parent == settings.VAR_DIR


def test_beat_runs_the_tick_every_five_minutes_delivery_and_heartbeat_every_minute():
    schedule = celery_app.conf.beat_schedule
    assert schedule["tick"]["task"] == "safecampus.tick"
    assert schedule["tick"]["schedule"] == settings.TICK_INTERVAL_SECONDS == 300
    assert schedule["deliver-outbox"]["task"] == "safecampus.deliver_outbox"
    assert schedule["heartbeat"]["task"] == "safecampus.heartbeat"
    assert schedule["deliver-outbox"]["schedule"] == schedule["heartbeat"]["schedule"] == 60
    for entry in schedule.values():
        assert entry["task"] in celery_app.tasks


def _celery_settings(**env: str) -> list[str]:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    code = (
        "from safecampus.celery import app; c = app.conf; "
        "print(c.broker_url or '-', c.task_always_eager, c.beat_schedule['tick']['schedule'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env={**base, "DJANGO_SETTINGS_MODULE": "safecampus.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


def test_the_broker_is_celery_broker_url_else_redis_url_else_none(tmp_path):
    var = {"SAFECAMPUS_VAR_DIR": str(tmp_path)}
    assert _celery_settings(**var) == ["-", "True", "300"]
    redis_only = _celery_settings(REDIS_URL="redis://127.0.0.1:6379/0", **var)
    assert redis_only == ["redis://127.0.0.1:6379/0", "False", "300"]
    both = _celery_settings(
        REDIS_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/1",
        TICK_INTERVAL_SECONDS="600",
        **var,
    )
    assert both == ["redis://127.0.0.1:6379/1", "False", "600"]

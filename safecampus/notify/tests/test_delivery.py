"""Delivering the outbox: robots by POST, email by the mail backend, retries and backoff.

urllib is replaced by a fake (no network), except in the test against a local HTTP server.
"""

import datetime
import json
import smtplib
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from safecampus.hazards import actions
from safecampus.hazards.models import Hazard
from safecampus.hazards.tests.helpers import FOUND, report
from safecampus.notify import delivery
from safecampus.notify.jobs import deliver_outbox
from safecampus.notify.models import Notification, OutboxMessage, WebhookEndpoint

NOW = datetime.datetime(2026, 4, 1, 9, 0, tzinfo=datetime.UTC)
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=xyz"
MINUTE = datetime.timedelta(minutes=1)


class FakeResponse:
    def __init__(self, payload):
        self.payload = payload

    def read(self, limit=-1):
        return self.payload

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def robot_answers(monkeypatch):
    """Make every robot answer ``answer`` (bytes, or an exception to raise); record calls."""
    calls = []
    state = {"answer": b'{"errcode":0,"errmsg":"ok"}'}

    def fake_urlopen(request, timeout):
        calls.append({"request": request, "timeout": timeout})
        if isinstance(state["answer"], Exception):
            raise state["answer"]
        return FakeResponse(state["answer"])

    monkeypatch.setattr(delivery, "urlopen", fake_urlopen)

    def answer(value):
        state["answer"] = value

    answer.calls = calls
    return answer


def queue(channel="wecom", target=WECOM, key="k1", **fields):
    values = {
        "subject": "逾期：灭火器过期",
        "body": "东湖第一小学 · 灭火器过期",
        "next_attempt_at": NOW,
    }
    values.update(fields)
    return OutboxMessage.objects.create(channel=channel, target=target, dedupe_key=key, **values)


def test_it_posts_a_text_message_to_a_wecom_robot_and_marks_it_sent(db, robot_answers):
    message = queue()
    result = deliver_outbox(NOW)
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    [call] = robot_answers.calls
    request = call["request"]
    assert call["timeout"] == 5
    assert request.full_url == WECOM and request.get_method() == "POST"
    assert request.get_header("Content-type").startswith("application/json")
    assert json.loads(request.data) == {
        "msgtype": "text",
        "text": {"content": "逾期：灭火器过期\n东湖第一小学 · 灭火器过期"},
    }
    message.refresh_from_db()
    assert (message.state, message.sent_at, message.attempts) == ("sent", NOW, 1)


def test_a_dingtalk_robot_gets_the_same_text_message(db, robot_answers):
    queue(channel="dingtalk", target=DINGTALK)
    assert deliver_outbox(NOW).sent == 1
    body = json.loads(robot_answers.calls[0]["request"].data)
    assert body["msgtype"] == "text" and body["text"]["content"].startswith("逾期")


def test_a_nonzero_errcode_is_a_failure_tried_again_a_minute_later(db, robot_answers):
    robot_answers(b'{"errcode":93000,"errmsg":"invalid webhook url"}')
    message = queue()
    result = deliver_outbox(NOW)
    assert (result.sent, result.retrying) == (0, 1)
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == NOW + MINUTE
    assert "93000" in message.last_error


def test_an_answer_that_is_not_json_is_a_failure(db, robot_answers):
    robot_answers(b"<html>gateway</html>")
    message = queue()
    deliver_outbox(NOW)
    message.refresh_from_db()
    assert message.state == "pending" and "JSON" in message.last_error


def test_the_waits_grow_and_it_gives_up_after_the_configured_tries(db, robot_answers, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 6
    robot_answers(urllib.error.URLError("no route to host"))
    message = queue()
    waits = []
    now = NOW
    for _ in range(5):
        deliver_outbox(now)
        message.refresh_from_db()
        waits.append(message.next_attempt_at - now)
        assert deliver_outbox(message.next_attempt_at - MINUTE / 60).sent == 0  # not yet due
        now = message.next_attempt_at
    assert [w.total_seconds() / 60 for w in waits] == [1, 5, 30, 120, 720]
    result = deliver_outbox(now)
    message.refresh_from_db()
    assert (result.failed, message.state, message.attempts) == (1, "failed", 6)
    assert deliver_outbox(now + datetime.timedelta(days=1)).failed == 0  # never tried again
    assert len(robot_answers.calls) == 6


def test_when_a_robot_is_unreachable_its_other_messages_wait_without_a_try(db, robot_answers):
    robot_answers(TimeoutError("timed out"))
    first, second = queue(key="a"), queue(key="b")
    other = queue(key="c", channel="dingtalk", target=DINGTALK)
    result = deliver_outbox(NOW)
    assert (result.retrying, result.deferred) == (2, 1)
    assert len(robot_answers.calls) == 2  # one per robot, not one per message
    for m in (first, second, other):
        m.refresh_from_db()
    assert (first.attempts, second.attempts, other.attempts) == (1, 0, 1)
    assert second.next_attempt_at == first.next_attempt_at == NOW + MINUTE


def test_email_goes_through_the_django_mail_backend(db, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "safecampus@jiangcheng.example"
    message = queue(channel="email", target="teacher@school.example")
    assert deliver_outbox(NOW).sent == 1
    [mail] = mailoutbox
    assert mail.to == ["teacher@school.example"] and mail.subject == "逾期：灭火器过期"
    assert mail.from_email == "safecampus@jiangcheng.example"
    message.refresh_from_db()
    assert message.state == "sent"


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_an_smtp_server_that_is_down_keeps_the_mail_waiting(db, settings):
    settings.EMAIL_BACKEND = "safecampus.notify.tests.test_delivery.DownBackend"
    first = queue(channel="email", target="a@school.example", key="a")
    second = queue(channel="email", target="b@school.example", key="b")
    result = deliver_outbox(NOW)
    assert (result.retrying, result.deferred) == (1, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == second.state == "pending"
    assert "smtp" in first.last_error


def test_a_message_not_yet_due_waits(db, robot_answers):
    queue(next_attempt_at=NOW + MINUTE)
    assert deliver_outbox(NOW).sent == 0
    assert robot_answers.calls == []


def test_a_claimed_message_is_left_alone_by_a_second_tick(db, robot_answers):
    from safecampus.notify.jobs import _claim

    queue()
    assert len(_claim(NOW, 10)) == 1  # a tick that died after claiming
    assert deliver_outbox(NOW).sent == 0
    assert deliver_outbox(NOW + datetime.timedelta(minutes=11)).sent == 1


def test_a_long_message_is_cut_to_what_a_robot_accepts():
    text = delivery.robot_text("标题", "很长" * 2000)
    assert len(text.encode("utf-8")) <= 2000 and text.startswith("标题\n很长")


def test_an_action_succeeds_while_every_webhook_would_fail(
    robot_answers, world, categories, teacher, safety_officer
):
    robot_answers(urllib.error.URLError("network is unreachable"))
    for org, key in ((world.city, "c"), (world.county_a, "x"), (world.school_a1, "s")):
        WebhookEndpoint.objects.create(org=org, channel="wecom", name=key, url=f"{WECOM}{key}")
    hazard = report(teacher, world.school_a1, categories)
    hazard = actions.do_assign(
        safety_officer, hazard, responsible=teacher, deadline=FOUND + datetime.timedelta(days=7)
    )
    assert Hazard.objects.get(pk=hazard.pk).state == "assigned"
    assert Notification.objects.filter(user=teacher, kind="hazard.assigned").exists()
    # Day-to-day steps of a general hazard reach the school's group chat only.
    assert OutboxMessage.objects.filter(channel="wecom").count() == 2
    result = deliver_outbox(timezone.now())
    assert result.sent == 0 and result.retrying + result.deferred == 2
    assert Hazard.objects.get(pk=hazard.pk).state == "assigned"
    assert Notification.objects.filter(user=teacher, kind="hazard.assigned").exists()
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"pending"}


class _Robot(BaseHTTPRequestHandler):
    received: list = []
    redirect = False

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).received.append(
            {
                "path": self.path,
                "type": self.headers["Content-Type"],
                "body": self.rfile.read(length),
            }
        )
        if self.redirect:
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            return
        answer = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_robot():
    """A robot on 127.0.0.1 (http.server in a thread), stopped after the test."""

    class Handler(_Robot):
        received = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Handler, f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=local"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_real_post_reaches_a_robot_on_this_machine(db, local_robot):
    handler, url = local_robot
    message = queue(target=url)
    assert deliver_outbox(NOW).sent == 1
    [got] = handler.received
    assert got["path"] == "/cgi-bin/webhook/send?key=local"
    assert got["type"] == "application/json; charset=utf-8"
    assert json.loads(got["body"].decode("utf-8"))["text"]["content"].startswith("逾期：")
    message.refresh_from_db()
    assert message.state == "sent"


def test_a_robot_address_that_redirects_is_not_followed(db, local_robot):
    handler, url = local_robot
    handler.redirect = True
    message = queue(target=url)
    assert deliver_outbox(NOW).retrying == 1
    assert len(handler.received) == 1
    message.refresh_from_db()
    assert message.last_error == "HTTP 302"


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_never_take_the_same_message(robot_answers):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; SQLite lets one writer in at a time")
    for i in range(4):
        queue(key=f"m{i}")
    held, release, taken = threading.Event(), threading.Event(), []

    def other_tick():
        try:
            with transaction.atomic():
                rows = OutboxMessage.objects.select_for_update(skip_locked=True).order_by("id")
                taken.extend(row.pk for row in rows[:2])
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_tick)
    thread.start()
    assert held.wait(10)
    try:
        result = deliver_outbox(NOW)
    finally:
        release.set()
        thread.join(10)
    assert result.sent == 2
    sent = set(OutboxMessage.objects.filter(state="sent").values_list("pk", flat=True))
    assert len(taken) == 2 and sent.isdisjoint(taken)

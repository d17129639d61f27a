"""Sending one outbox message: email through Django's mail backend, robots by HTTPS POST.

Nothing here touches the database; ``notify.jobs.deliver_outbox`` decides what to send and
records the outcome.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from safecampus.notify.choices import Channel

TIMEOUT_SECONDS = 5
# WeCom accepts at most 2048 bytes of text; DingTalk more. One limit keeps both happy.
ROBOT_TEXT_MAX_BYTES = 2000


class DeliveryError(Exception):
    """A message could not be sent. ``unreachable`` means the channel itself is down (no
    network, SMTP refused), so the other messages for it wait instead of trying now."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A robot address that answers with a redirect is not followed anywhere else.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def urlopen(request: urllib.request.Request, timeout: float) -> Any:
    """The one network call (tests replace it)."""
    return _OPENER.open(request, timeout=timeout)


def robot_text(subject: str, body: str) -> str:
    text = f"{subject}\n{body}" if body else subject
    data = text.encode("utf-8")
    if len(data) <= ROBOT_TEXT_MAX_BYTES:
        return text
    return data[: ROBOT_TEXT_MAX_BYTES - 3].decode("utf-8", "ignore") + "…"


def robot_payload(subject: str, body: str) -> dict[str, Any]:
    """WeCom and DingTalk group robots take the same plain-text message."""
    return {"msgtype": "text", "text": {"content": robot_text(subject, body)}}


def post_robot(url: str, payload: dict[str, Any]) -> None:
    """POST the message; the robot answers JSON with errcode 0 when it took it."""
    if urlsplit(url).scheme not in ("https", "http"):
        raise DeliveryError("not an http(s) address")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}", unreachable=exc.code >= 500) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"network: {reason}", unreachable=True) from None
    try:
        answer = json.loads(raw)
    except ValueError:
        raise DeliveryError("the robot did not answer JSON") from None
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise DeliveryError(f"errcode {code}: {message}"[:300])


def send_email(
    address: str, subject: str, body: str, connection: BaseEmailBackend | None = None
) -> None:
    # Subjects are one line (a header); titles never hold line breaks, but be sure.
    subject = " ".join(subject.split())
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
    )
    try:
        message.send(fail_silently=False)
    except (
        smtplib.SMTPConnectError,
        smtplib.SMTPServerDisconnected,
        smtplib.SMTPAuthenticationError,
    ) as exc:
        raise DeliveryError(f"smtp: {exc}", unreachable=True) from None
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"smtp: {exc}") from None
    except OSError as exc:
        raise DeliveryError(f"smtp: {exc}", unreachable=True) from None
    except ValueError as exc:  # a bad address or header
        raise DeliveryError(f"email: {exc}") from None


def send(
    channel: str,
    target: str,
    subject: str,
    body: str,
    connection: BaseEmailBackend | None = None,
) -> None:
    """Send one message or raise DeliveryError."""
    if channel == Channel.EMAIL:
        send_email(target, subject, body, connection)
    elif channel in (Channel.WECOM, Channel.DINGTALK):
        post_robot(target, robot_payload(subject, body))
    else:
        raise DeliveryError(f"unknown channel {channel!r}")

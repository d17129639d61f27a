"""Log records that say which request (or Celery task), user and organisation they belong to.

The request-log middleware (safecampus/web/access_log.py) binds the request id and the request
to this context; ``ContextFilter`` (on the console handler, so every record passes it) copies
them onto each record; ``JsonFormatter`` writes one JSON object per line for the log shipper
(LOG_FORMAT=json, the production default; docs/configure.md "Logging").
"""

from __future__ import annotations

import datetime
import json
import logging
from contextvars import ContextVar, Token
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import LazyObject, empty

_request_id: ContextVar[str] = ContextVar("safecampus_request_id", default="")
_request: ContextVar[HttpRequest | None] = ContextVar("safecampus_request", default=None)

Tokens = tuple[Token[str], Token[HttpRequest | None]]

# The attributes every LogRecord has; anything else on a record was passed as ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_CONTEXT = ("request_id", "user_id", "user", "org")


def bind(request_id: str, request: HttpRequest | None = None) -> Tokens:
    return _request_id.set(request_id), _request.set(request)


def unbind(tokens: Tokens | None = None) -> None:
    if tokens is None:
        _request_id.set("")
        _request.set(None)
    else:
        _request_id.reset(tokens[0])
        _request.reset(tokens[1])


def _loaded_user(request: HttpRequest) -> Any:
    """The request's user if something already loaded it; never a query of its own (the
    session user is lazy until a view or middleware asks for it)."""
    user = vars(request).get("user")
    if isinstance(user, LazyObject):
        wrapped = user._wrapped  # type: ignore[attr-defined]
        user = None if wrapped is empty else wrapped
    return user if getattr(user, "is_authenticated", False) else None


class ContextFilter(logging.Filter):
    """Adds request_id, user_id, user (user name) and org (active organisation id) to every
    record; each is empty/None outside a request or when not known without a query."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request.get()
        if request is None:
            # Django logs a 404's "Not Found" after the middleware has returned, with the
            # request attached: the id the middleware put on it still applies.
            attached = vars(record).get("request")
            request = attached if isinstance(attached, HttpRequest) else None
        record.request_id = _request_id.get() or getattr(request, "request_id", "") or "-"
        record.user_id = record.user = record.org = None
        if request is not None:
            user = _loaded_user(request)
            if user is not None:
                record.user_id = user.pk
                record.user = vars(user).get("username")
            # orgs.active caches the active organisation on the request once computed.
            org = vars(request).get("_sc_active_org")
            record.org = getattr(org, "pk", None)
        return True


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601 with offset), level, logger, message, the
    context fields, plain ``extra`` values (objects such as the request are left out: their
    text could carry query strings), and the traceback as ``exc_info``."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.datetime.fromtimestamp(
            record.created, tz=timezone.get_default_timezone()
        )
        payload: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT:
            payload[name] = getattr(record, name, None)
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in payload and _plain(value):
                payload[name] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)

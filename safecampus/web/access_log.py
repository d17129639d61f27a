"""Request ids and the access log: one INFO line per request (logger ``safecampus.access``).

The id comes from the proxy's ``X-Request-ID`` when it looks like an id (nginx:
``proxy_set_header X-Request-ID $request_id;``), else a new one; it is sent back in the
response header and carried by every log line written while the request runs
(safecampus/lib/logs.py), so a user's error report, nginx's log and ours can be matched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from safecampus.lib import logs

HEADER = "X-Request-ID"
# Letters, digits and . _ : - only: the id is written into log lines and response headers.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

access = logging.getLogger("safecampus.access")


def request_id_from(request: HttpRequest) -> str:
    incoming = request.headers.get(HEADER, "")
    return incoming if _SANE.fullmatch(incoming) else uuid.uuid4().hex


class RequestLogMiddleware:
    """First in MIDDLEWARE, so that redirects and errors of the later middleware are logged
    with the id too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        tokens = logs.bind(request_id, request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response.headers[HEADER] = request_id
            # For a streamed export this is the time to the first byte, not to the last.
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = request.path[:500]  # never the query string: it may carry search terms
            access.info(
                "%s %s %s %sms",
                request.method,
                path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            logs.unbind(tokens)

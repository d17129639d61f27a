"""Session lifetime (30 min idle, 12 h absolute) and forced change of admin-issued passwords."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from safecampus.audit.log import record

LOGIN_AT = "_sc_login_at"
SEEN_AT = "_sc_seen_at"
# Writing the session on every request is wasteful; a minute of slack on the idle clock is not.
TOUCH_EVERY_SECONDS = 60


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = now - seen_at > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600
            if idle or too_old:
                record(
                    "auth.session_expired",
                    actor=user,
                    obj=user,
                    request=request,
                    changes={"reason": "idle" if idle else "absolute"},
                )
                logout(request)
                if _is_api(request):
                    return self.get_response(request)
                messages.info(request, _("Your session has expired. Please log in again."))
                login = reverse(settings.LOGIN_URL)
                return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
            if LOGIN_AT not in request.session:
                request.session[LOGIN_AT] = now
            if now - seen_at >= TOUCH_EVERY_SECONDS or SEEN_AT not in request.session:
                request.session[SEEN_AT] = now
        return self.get_response(request)


ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/", "/i18n/", "/healthz")


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if _is_api(request):
                return JsonResponse(
                    {"detail": _("You must change your password before using SafeCampus.")},
                    status=403,
                )
            return redirect("accounts:password_change")
        return self.get_response(request)

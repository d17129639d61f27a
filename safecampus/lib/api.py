"""API plumbing shared by every router: authentication and the one JSON error shape
``{"detail": ..., "errors": {field: [...]}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from safecampus.audit.log import record
from safecampus.lib.errors import ActionError, Conflict

# last_used_at is informative; writing it on every call would turn reads into writes.
TOKEN_TOUCH_SECONDS = 300


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sc_...`` with a personal access token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from safecampus.accounts.models import ApiToken, hash_token

        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if (
            row.last_used_at is None
            or (now - row.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS
        ):
            type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data")]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            errors.setdefault(_field_name(list(item.get("loc", []))), []).append(
                str(item.get("msg", ""))
            )
        return api.create_response(
            request, {"detail": _("The request has invalid fields."), "errors": errors}, status=422
        )

    @api.exception_handler(ActionError)
    def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": _("The request has invalid fields."), "errors": exc.errors},
            status=422,
        )

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc), "errors": {}}, status=409)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": _("Not found."), "errors": {}}, status=404)

    @api.exception_handler(PermissionDenied)
    def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        record(
            "access.denied",
            actor=getattr(request, "user", None),
            request=request,
            changes={"path": request.path[:200], "method": request.method},
        )
        return api.create_response(
            request,
            {"detail": _("You do not have permission to do this."), "errors": {}},
            status=403,
        )

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, {"detail": _("Authentication required."), "errors": {}}, status=401
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, {"detail": str(exc), "errors": {}}, status=exc.status_code
        )


def make_api() -> NinjaAPI:
    api = NinjaAPI(
        title="SafeCampus API",
        version="1",
        description=(
            "JSON API of SafeCampus (平安校园). Authenticate with a personal access token "
            "(`Authorization: Bearer sc_...`) or a browser session (with CSRF on writes)."
        ),
        urls_namespace="api",
        auth=[TokenAuth(), SessionAuth()],
        docs_url="/docs",
    )
    install_error_handlers(api)
    return api

"""API plumbing shared by every router: authentication and the one JSON error shape
``{"detail": ..., "errors": {field: [...]}}``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import FilterSet
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, Field

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
        setattr(request, _TOKEN_ATTR, row)
        return row.user


_TOKEN_ATTR = "_sc_api_token"  # noqa: S105 (an attribute name, not a secret)


def token_of(request: HttpRequest) -> Any:
    """The ApiToken this request authenticated with, or None for a browser session."""
    return getattr(request, _TOKEN_ATTR, None)


class ErrorOut(Schema):
    """Every error response: a sentence for people, and per-field messages for forms."""

    detail: str = Field(examples=["The request has invalid fields."])
    errors: dict[str, list[str]] = Field(
        default_factory=dict, examples=[{"code": ["This code is already used."]}]
    )


class InputSchema(Schema):
    """A request body: only the fields listed; any other field is rejected with 422
    (no mass assignment of ``level``, ``path``, ``is_superuser``...)."""

    model_config = ConfigDict(extra="forbid")


def error_responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error statuses an operation documents (401 always: every operation needs auth)."""
    return dict.fromkeys(sorted({401, *codes}), ErrorOut)


def raise_for_form(form: forms.BaseForm) -> None:
    """Validate API input with the same form as the page (so UI and API agree): 422 if bad."""
    if not form.is_valid():
        raise ActionError({field: [str(m) for m in msgs] for field, msgs in form.errors.items()})


def raise_for_filter(filterset: FilterSet) -> None:
    """Validate list parameters with the list's FilterSet: 422 with its field errors if bad."""
    if not filterset.is_valid():
        raise ActionError(
            {field: [str(m) for m in msgs] for field, msgs in filterset.errors.items()}
        )


_SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")
_BODY_PARAMS = ("payload", "data")  # what operations name their body parameter


def _field_name(loc: list[Any]) -> str:
    """("body", "payload", "code") -> "code"; a field may itself be called ``path``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in _BODY_PARAMS:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _message(item: dict[str, Any]) -> str:
    """pydantic's English messages, for the common cases, in words we can translate."""
    kind = item.get("type", "")
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not accepted here.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind == "string_type":
        return _("Enter text.")
    if kind == "greater_than_equal":
        return _("Enter a number greater than or equal to %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return _("Enter a number less than or equal to %(limit)s.") % {"limit": ctx.get("le")}
    return str(item.get("msg", ""))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            errors.setdefault(_field_name(list(item.get("loc", []))), []).append(_message(item))
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
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = _("The request body is not valid JSON.")
        elif exc.status_code == 403 and detail.startswith("CSRF"):
            detail = _("CSRF check failed: send the X-CSRFToken header with session requests.")
        return api.create_response(
            request, {"detail": detail, "errors": {}}, status=exc.status_code
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

"""Home page per role, health and readiness checks, org switcher, error pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.analytics.warning import warning_summary
from safecampus.audit.log import record
from safecampus.hazards.queries import open_counts, visible_hazards
from safecampus.lib.scoping import scope_for
from safecampus.orgs.active import active_org, set_active_org
from safecampus.orgs.queries import child_summaries, get_org_for_user, school_summary, subtree
from safecampus.orgs.roles import Cap
from safecampus.web import readiness


@login_required
def home(request: HttpRequest) -> HttpResponse:
    org = active_org(request)
    scope = scope_for(request.user)
    context: dict[str, Any] = {"org": org, "memberships": scope.grants}
    if org is not None and scope.can_anywhere(Cap.HAZARD_VIEW):
        context["hazard_counts"] = open_counts(
            visible_hazards(request.user).filter(org_path__startswith=org.path)
        )
    if org is not None and org.is_school:
        context["campuses"] = list(org.campuses.all())
        context["can_edit"] = scope.can(Cap.ORG_MANAGE, org)
        return render(request, "web/home_school.html", context)
    if org is not None:
        context["summary"] = school_summary(subtree(org))
        context["children"] = child_summaries(org)
        if scope.can(Cap.RISK_VIEW, org):
            # The first thing a bureau officer sees: the schools at red warning (issue 5).
            summary = warning_summary(org, timezone.localdate())
            context["red_warnings"] = summary.red
            context["warning_counts"] = summary.by_level
    return render(request, "web/home_bureau.html", context)


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def switch_org(request: HttpRequest) -> HttpResponse:
    org = get_org_for_user(request.user, request.POST.get("org"))
    set_active_org(request, org)
    return redirect(safe_next(request))


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Every check of safecampus/web/readiness.py: HTTP 200 when all pass, else 503."""
    ready, checks = readiness.run_checks()
    body = {"status": "ok" if ready else "error", "checks": checks}
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    user = getattr(request, "user", None)
    record(
        "access.denied",
        actor=user,
        request=request,
        changes={"path": request.path[:200], "method": request.method},
    )
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors, as Django's own handler500 is: they
    # query the database (navigation, inbox count), which may be exactly what just failed
    # (faults/test_postgres_restart.py), and then the visitor got gunicorn's bare error page.
    if request.path.startswith("/api/"):
        detail = _("Something went wrong on the server. Please try again.")
        return JsonResponse({"detail": detail, "errors": {}}, status=500)
    return HttpResponseServerError(render_to_string("500.html"))

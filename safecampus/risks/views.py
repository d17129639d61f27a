"""A school's risk register (风险台账, DOMAIN.md §3): the register with its filters and level
counts, building it from the library, one point with its assessments and hazards, and the
forms that add, edit, assess and retire points. Bureau pages: views_bureau.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safecampus.hazards.choices import OPEN_STATES
from safecampus.lib.errors import ActionError
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import get_org_for_user
from safecampus.orgs.roles import Cap
from safecampus.risks import actions
from safecampus.risks.choices import CONTROL_TIER, INSPECTION, REVIEW_DAYS, Frequency, Level
from safecampus.risks.filters import RiskPointFilter
from safecampus.risks.forms import AssessForm, BuildForm, PointForm
from safecampus.risks.models import RiskCategory, RiskPoint
from safecampus.risks.queries import (
    areas_of,
    displayed_level,
    get_point_for_user,
    level_counts,
    library_for,
    people_at,
    policy_for,
    register_schools,
    visible_points,
)

PAGE_SIZE = 100


def school_for(request: HttpRequest, pk: Any) -> Organization:
    """A school whose register the user may see: 404 outside the scope, 403 without the
    capability there."""
    school = get_org_for_user(request.user, pk)
    if not school.is_school:
        raise Http404("school")
    require(request.user, Cap.RISK_VIEW, school)
    return school


def _can_manage(request: HttpRequest, school: Organization) -> bool:
    return scope_for(request.user).can(Cap.RISK_MANAGE, school)


# --- the register ---------------------------------------------------------------------------


@login_required
@require_GET
def register_home(request: HttpRequest) -> HttpResponse:
    """The active school's register; from a bureau, its schools with their counts per level."""
    scope = scope_for(request.user)
    if not scope.can_anywhere(Cap.RISK_VIEW):
        raise PermissionDenied(Cap.RISK_VIEW)
    current = active_org(request)
    if current is not None and current.is_school and scope.can(Cap.RISK_VIEW, current):
        return redirect("risks:register", pk=current.pk)
    schools = register_schools(request.user, current)
    page = Paginator(schools, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risks/schools.html",
        {
            "page": page,
            "within": current,
            "can_library": scope.can_anywhere(Cap.RISK_LIBRARY),
            "levels": Level.values,
        },
    )


@login_required
@require_GET
def register(request: HttpRequest, pk: int) -> HttpResponse:
    school = school_for(request, pk)
    points = visible_points(request.user).filter(school=school)
    filterset = RiskPointFilter(request.GET or None, queryset=points)
    filterset.form.fields["area"].queryset = areas_of(school)
    for name in ("school", "org"):
        del filterset.form.fields[name]
    rows = filterset.qs if filterset.is_bound else points.filter(active=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for point in page.object_list:
        point.shown_level = displayed_level(point)  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    scope = scope_for(request.user)
    return render(
        request,
        "risks/register.html",
        {
            "school": school,
            "filter": filterset,
            "page": page,
            "query": params.urlencode(),
            "counts": level_counts(points.filter(active=True)),
            "levels": Level.values,
            "today": timezone.localdate(),
            "can_manage": _can_manage(request, school),
            "can_export": scope.can(Cap.RISK_VIEW, school),
            "policy": policy_for(school),
        },
    )


# --- building from the library -----------------------------------------------------------------


def build_preview(school: Organization) -> list[dict[str, Any]]:
    """Per category: the library entries for the school's kind, and how many are not yet in
    its register (what one click would add)."""
    have = set(
        RiskPoint.objects.filter(school=school, library_item__isnull=False).values_list(
            "library_item__owner_id", "library_item__code"
        )
    )
    rows: dict[int, dict[str, Any]] = {
        c.pk: {"category": c, "entries": 0, "new": 0}
        for c in RiskCategory.objects.filter(active=True)
    }
    for item in library_for(school):
        if not item.applies_to(school.school_kind) or item.category_id not in rows:
            continue
        row = rows[item.category_id]
        row["entries"] += 1
        if (item.owner_id, item.code) not in have:
            row["new"] += 1
    return list(rows.values())


@login_required
def build(request: HttpRequest, pk: int) -> HttpResponse:
    school = school_for(request, pk)
    require(request.user, Cap.RISK_MANAGE, school)
    preview = build_preview(school)
    form = BuildForm(request.POST or None)
    context = {
        "school": school,
        "form": form,
        "preview": preview,
        "total_new": sum(row["new"] for row in preview),
    }
    if request.method != "POST":
        return render(request, "risks/build.html", context)
    if not form.is_valid():
        return render(request, "risks/build.html", context, status=400)
    try:
        added = actions.do_build_register(current_user(request), school, categories=form.chosen())
    except ActionError as exc:
        apply_action_error(form, exc)
        return render(request, "risks/build.html", context, status=422)
    messages.success(request, _("%(n)d risk points were added from the library.") % {"n": added})
    return redirect("risks:register", pk=school.pk)


# --- one point --------------------------------------------------------------------------------


def point_facts(point: RiskPoint) -> dict[str, Any]:
    """What the point's level implies: who controls it, how often it is inspected, when it is
    reviewed again (DOMAIN.md §3.3 tiers; REVIEW_DAYS)."""
    shown = displayed_level(point)
    if not shown:
        return {"shown_level": "", "raised": False}
    return {
        "shown_level": shown,
        "shown_label": Level(shown).label,
        "raised": shown != point.level,
        "tier": CONTROL_TIER[Level(shown)],
        "inspection": Frequency(INSPECTION[Level(shown)]).label,
        "review_days": REVIEW_DAYS[Level(shown)],
    }


@login_required
@require_GET
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_point_for_user(request.user, pk)
    scope = scope_for(request.user)
    hazards = list(point.hazards.select_related("category").order_by("-found_on", "-pk"))
    open_hazards = [h for h in hazards if h.state in OPEN_STATES]
    return render(
        request,
        "risks/point.html",
        {
            "point": point,
            **point_facts(point),
            "assessments": point.assessments.select_related("assessed_by"),
            "open_hazards": open_hazards,
            "closed_count": len(hazards) - len(open_hazards),
            "today": timezone.localdate(),
            "can_manage": scope.can(Cap.RISK_MANAGE, point.school),
            "can_report": scope.can(Cap.HAZARD_REPORT, point.school) and point.active,
            "report_url": f"{reverse('hazards:new')}?risk_point={point.pk}",
        },
    )


def _point_form(school: Organization, *args: Any, **kwargs: Any) -> PointForm:
    return PointForm(*args, areas=areas_of(school), people=people_at(school), **kwargs)


@login_required
def point_new(request: HttpRequest, pk: int) -> HttpResponse:
    school = school_for(request, pk)
    require(request.user, Cap.RISK_MANAGE, school)
    form = _point_form(school, request.POST or None)
    context = {"school": school, "form": form, "point": None}
    if request.method != "POST":
        return render(request, "risks/point_form.html", context)
    if not form.is_valid():
        return render(request, "risks/point_form.html", context, status=400)
    try:
        point = actions.do_add_point(current_user(request), school, **form.values())
    except ActionError as exc:
        apply_action_error(form, exc)
        return render(request, "risks/point_form.html", context, status=422)
    messages.success(request, _("The risk point was added. Assess it next."))
    return redirect("risks:assess", pk=point.pk)


@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_point_for_user(request.user, pk)
    require(request.user, Cap.RISK_MANAGE, point.school)
    initial = {name: getattr(point, name) for name in PointForm.FIELDS}
    form = _point_form(point.school, request.POST or None, initial=initial)
    context = {"school": point.school, "form": form, "point": point}
    if request.method != "POST":
        return render(request, "risks/point_form.html", context)
    if not form.is_valid():
        return render(request, "risks/point_form.html", context, status=400)
    try:
        actions.do_update_point(current_user(request), point, **form.values())
    except ActionError as exc:
        apply_action_error(form, exc)
        return render(request, "risks/point_form.html", context, status=422)
    messages.success(request, _("The risk point was saved."))
    return redirect("risks:point", pk=point.pk)


@login_required
def point_assess(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_point_for_user(request.user, pk)
    require(request.user, Cap.RISK_MANAGE, point.school)
    policy = policy_for(point.school)
    form = AssessForm(request.POST or None, method=policy.method)
    context = {"point": point, "form": form, "policy": policy}
    if request.method != "POST":
        return render(request, "risks/assess.html", context)
    if not form.is_valid():
        return render(request, "risks/assess.html", context, status=400)
    try:
        assessment = actions.do_assess(current_user(request), point, **form.values())
    except ActionError as exc:
        apply_action_error(form, exc)
        return render(request, "risks/assess.html", context, status=422)
    messages.success(
        request,
        _("Assessed: score %(score)s, %(level)s.")
        % {"score": f"{assessment.score.normalize():f}", "level": Level(assessment.level).label},
    )
    return redirect("risks:point", pk=point.pk)


@login_required
@require_POST
def point_retire(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_point_for_user(request.user, pk)
    restore = request.POST.get("restore") == "1"
    actions.do_retire_point(current_user(request), point, active=restore)
    if restore:
        messages.success(request, _("The risk point is back in the register."))
    else:
        messages.success(request, _("The risk point was taken out of the register."))
    return redirect("risks:point", pk=point.pk)

"""The four-colour risk map (四色图, DOMAIN.md §3.3): a school's plan with its areas coloured
by the highest displayed level of their points, the editor that draws them, the printable A3
sheet posted on campus, and a bureau's roll-up of its schools by level."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safecampus.lib.errors import ActionError
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import get_org_for_user
from safecampus.orgs.roles import Cap
from safecampus.risks import actions
from safecampus.risks.choices import COLOURS, CONTROL_TIER, Level
from safecampus.risks.forms_map import AreaForm, AssignForm, PlanUploadForm, RollupFilter
from safecampus.risks.models import CampusArea, RiskPoint
from safecampus.risks.queries import displayed_level
from safecampus.risks.queries_map import (
    LEVELS,
    UNGRADED,
    SchoolMap,
    current_plan,
    rollup_rows,
    school_map,
    school_people,
    totals,
)


def _school(request: HttpRequest, pk: int, cap: str) -> Organization:
    """The school if the user sees it (404 otherwise) and holds ``cap`` there (403)."""
    school = get_org_for_user(request.user, pk)
    if school.level != OrgLevel.SCHOOL:
        raise Http404("school")
    require(request.user, cap, school)
    return school


def _legend(smap: SchoolMap) -> list[dict[str, Any]]:
    return [
        {
            "level": level,
            "label": Level(level).label,
            "colour": COLOURS[Level(level)],
            "tier": CONTROL_TIER[Level(level)],
            "count": smap.counts[level],
        }
        for level in LEVELS
    ]


def _map_context(request: HttpRequest, school: Organization) -> dict[str, Any]:
    smap = school_map(request.user, school)
    return {
        "school": school,
        "smap": smap,
        "legend": _legend(smap),
        "ungraded": smap.counts[UNGRADED],
        "can_edit": scope_for(request.user).can(Cap.RISK_MANAGE, school),
    }


@login_required
@require_GET
def map_view(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = _school(request, school_pk, Cap.RISK_VIEW)
    return render(request, "risks/map_view.html", _map_context(request, school))


@login_required
@require_GET
def map_print(request: HttpRequest, school_pk: int) -> HttpResponse:
    """The A3 sheet (A3 landscape, CSS @page) posted on campus: the map, the legend with the
    control tiers, and who answers for the school and for its red and orange areas."""
    school = _school(request, school_pk, Cap.RISK_VIEW)
    context = _map_context(request, school)
    smap: SchoolMap = context["smap"]
    serious = []
    for row in smap.areas:
        if row.level not in (Level.RED, Level.ORANGE):
            continue
        people = sorted(
            {
                str(p.responsible) if p.responsible else p.responsible_post
                for p in row.points
                if displayed_level(p) in (Level.RED, Level.ORANGE)
                and (p.responsible or p.responsible_post)
            }
        )
        serious.append({"row": row, "people": people})
    context.update(
        {"people": school_people(school), "serious": serious, "today": timezone.localdate()}
    )
    return render(request, "risks/map_print.html", context)


@login_required
@require_GET
def plan_image(request: HttpRequest, school_pk: int) -> FileResponse:
    school = _school(request, school_pk, Cap.RISK_VIEW)
    plan = current_plan(school)
    if plan is None or not plan.image:
        raise Http404("plan")
    kind = "image/png" if plan.image.name.endswith(".png") else "image/jpeg"
    response = FileResponse(plan.image.open("rb"), content_type=kind)
    # Private: the file sits behind a permission check, never in a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- editor -----------------------------------------------------------------------------------


def _editor(
    request: HttpRequest,
    school: Organization,
    *,
    upload: PlanUploadForm | None = None,
    area_form: AreaForm | None = None,
    assign: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _map_context(request, school)
    smap: SchoolMap = context["smap"]
    points = _placeable(smap)
    areas = [row.area for row in smap.areas]
    context.update(
        {
            "upload_form": upload or PlanUploadForm(),
            "area_form": area_form or AreaForm(school=school),
            "assign_form": assign or AssignForm(points=points, areas=areas),
        }
    )
    return render(request, "risks/map_edit.html", context, status=status)


def _placeable(smap: SchoolMap) -> list[RiskPoint]:
    """The school's active points for the placement table: those in no area first."""
    points = [p for row in smap.areas for p in row.points] + smap.unplaced
    return sorted(points, key=lambda p: (p.area_id is not None, p.pk))


def _back(school: Organization) -> HttpResponse:
    return redirect(reverse("risks:map_edit", args=[school.pk]))


@login_required
@require_GET
def map_edit(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = _school(request, school_pk, Cap.RISK_MANAGE)
    return _editor(request, school)


@login_required
@require_POST
def plan_upload(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = _school(request, school_pk, Cap.RISK_MANAGE)
    form = PlanUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.do_upload_plan(
                current_user(request),
                school,
                form.cleaned_data["image"],
                title=form.cleaned_data["title"],
            )
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(request, _("The campus plan was saved."))
            return _back(school)
    return _editor(request, school, upload=form, status=400)


@login_required
@require_POST
def area_save(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = _school(request, school_pk, Cap.RISK_MANAGE)
    form = AreaForm(request.POST, school=school)
    if form.is_valid():
        data = form.cleaned_data
        values: dict[str, Any] = {}
        if data["name"].strip():
            values["name"] = data["name"]
        if data["shape"] is not None:
            values["shape"] = data["shape"]
            values["plan"] = current_plan(school)
        try:
            area = actions.do_save_area(current_user(request), school, area=data["area"], **values)
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(request, _("Area “%(name)s” saved.") % {"name": area.name})
            return _back(school)
    return _editor(request, school, area_form=form, status=400)


@login_required
@require_POST
def area_delete(request: HttpRequest, school_pk: int, area_pk: int) -> HttpResponse:
    school = _school(request, school_pk, Cap.RISK_MANAGE)
    area = CampusArea.objects.filter(school=school, pk=area_pk).first()
    if area is None:
        raise Http404("area")
    actions.do_delete_area(current_user(request), area)
    messages.success(request, _("Area “%(name)s” deleted.") % {"name": area.name})
    return _back(school)


@login_required
@require_POST
def assign_points(request: HttpRequest, school_pk: int) -> HttpResponse:
    """Place the school's points in its areas: one do_update_point per changed point, all
    in one transaction (all or nothing)."""
    school = _school(request, school_pk, Cap.RISK_MANAGE)
    smap = school_map(request.user, school)
    points = _placeable(smap)
    areas = {row.area.pk: row.area for row in smap.areas}
    form = AssignForm(request.POST, points=points, areas=list(areas.values()))
    if form.is_valid():
        user = current_user(request)
        moved = 0
        with transaction.atomic():
            for point in points:
                name = f"point-{point.pk}"
                if name not in request.POST:
                    continue  # not on the page the person saw (added since): leave it
                chosen = form.cleaned_data.get(name)
                if chosen != point.area_id:
                    actions.do_update_point(user, point, area=areas.get(chosen) if chosen else None)
                    moved += 1
        messages.success(request, _("%(n)d points placed.") % {"n": moved})
        return _back(school)
    return _editor(request, school, assign=form, status=400)


# --- bureau roll-up ---------------------------------------------------------------------------


def rollup_org(request: HttpRequest, *, schools: bool = False) -> Organization:
    """The bureau of a roll-up: the chosen one (404 outside the user's area), else the active
    organisation; 403 without risk.view there. A school only where the caller handles it."""
    chosen = request.GET.get("org")
    org = get_org_for_user(request.user, chosen) if chosen else active_org(request)
    if org is None:
        raise PermissionDenied(Cap.RISK_VIEW)
    require(request.user, Cap.RISK_VIEW, org)
    if org.level == OrgLevel.SCHOOL and not schools:
        raise Http404("a roll-up is of a bureau")
    return org


@login_required
@require_GET
def rollup(request: HttpRequest) -> HttpResponse:
    """A bureau's schools (a city: its counties and city-direct schools, to drill into) with
    their points by displayed level, as a table or a grid of tiles, the most serious first."""
    org = rollup_org(request, schools=True)
    if org.level == OrgLevel.SCHOOL:
        return redirect(reverse("risks:map", args=[org.pk]))
    filters = RollupFilter(request.GET)
    filters.is_valid()
    level = filters.cleaned_data.get("level") or ""
    view = filters.cleaned_data.get("view") or "table"
    rows = rollup_rows(org)
    all_totals = totals(rows)
    if level:
        rows = [r for r in rows if r.counts[level]]
    parent = None
    if org.depth > 1:
        parent_path = org.path[: -Organization.steplen]
        if scope_for(request.user).can(Cap.RISK_VIEW, Organization(path=parent_path)):
            parent = Organization.objects.filter(path=parent_path).first()
    return render(
        request,
        "risks/map_rollup.html",
        {
            "org": org,
            "parent": parent,
            "rows": rows,
            "ungraded": all_totals[UNGRADED],
            "filters": filters,
            "level": level,
            "view": view,
            "levels": [
                {"level": lv, "label": Level(lv).label, "count": all_totals[lv]} for lv in LEVELS
            ],
            "is_city": org.level == OrgLevel.CITY,
        },
    )

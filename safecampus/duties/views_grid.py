"""The campus grid (网格化, §2.3) and teacher–student pairings (一岗双带, §2.4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.duties import actions_grid
from safecampus.duties.forms import CellForm, PairingForm, PairingNoteForm
from safecampus.duties.models import GridCell, Pairing
from safecampus.duties.queries import (
    get_cell_for_user,
    get_pairing_for_user,
    grid_of,
    pairing_counts,
    pairing_manage_paths,
    pairing_paths,
    people_at,
)
from safecampus.duties.views import duty_org, tabs
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.lib.scoping import require
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

TIME_SLOTS = ["全天", "上学", "课间", "午休", "放学", "夜间"]


# --- grid -----------------------------------------------------------------------------------


def _render_grid(
    request: HttpRequest, school: Organization, *, form: CellForm | None = None, status: int = 200
) -> HttpResponse:
    context = tabs(request, school, "grid")
    if context["can_manage"] and form is None:
        form = CellForm(people=people_at(school))
    context.update({"cells": list(grid_of(school)), "form": form, "time_slots": TIME_SLOTS})
    return render(request, "duties/grid.html", context, status=status)


@login_required
def grid(request: HttpRequest, pk: int) -> HttpResponse:
    school = duty_org(request, pk)
    if school.level != Level.SCHOOL:
        return redirect("duties:org", pk=school.pk)
    if request.method != "POST":
        return _render_grid(request, school)
    require(request.user, Cap.DUTY_MANAGE, school)
    form = CellForm(request.POST, people=people_at(school))
    if not form.is_valid():
        return _render_grid(request, school, form=form, status=400)
    try:
        actions_grid.do_save_cell(request.user, school, form.cleaned_data, request=request)
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_grid(request, school, form=form, status=422)
    messages.success(request, _("The grid cell has been saved."))
    return redirect("duties:grid", pk=school.pk)


@login_required
def cell_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cell: GridCell = get_cell_for_user(request.user, pk)
    school = cell.school
    require(request.user, Cap.DUTY_MANAGE, school)
    initial = {field: getattr(cell, field) for field in actions_grid.CELL_FIELDS}
    form = CellForm(request.POST or None, initial=initial, people=people_at(school))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions_grid.do_save_cell(
                    request.user, school, form.cleaned_data, cell=cell, request=request
                )
            except ActionError as exc:
                apply_action_error(form, exc)
                status = 422
            else:
                messages.success(request, _("The grid cell has been saved."))
                return redirect("duties:grid", pk=school.pk)
    context = {**tabs(request, school, "grid"), "cell": cell, "form": form}
    context["time_slots"] = TIME_SLOTS
    return render(request, "duties/cell.html", context, status=status)


@login_required
@require_POST
def cell_delete(request: HttpRequest, pk: int) -> HttpResponse:
    cell = get_cell_for_user(request.user, pk)
    actions_grid.do_delete_cell(request.user, cell, request=request)
    messages.success(request, _("The grid cell has been removed."))
    return redirect("duties:grid", pk=cell.school_id)


# --- pairings -------------------------------------------------------------------------------


def _sees_details(user: Any, school: Organization) -> bool:
    return any(school.path.startswith(p) for p in pairing_paths(user))


def _may_keep(user: Any, school: Organization) -> bool:
    return any(school.path.startswith(p) for p in pairing_manage_paths(user))


def _render_pairings(
    request: HttpRequest,
    org: Organization,
    *,
    form: PairingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = tabs(request, org, "pairings")
    details = org.level == Level.SCHOOL and _sees_details(request.user, org)
    may_keep = org.level == Level.SCHOOL and _may_keep(request.user, org)
    if may_keep and form is None:
        form = PairingForm(people=people_at(org))
    pairings: list[Pairing] = []
    if details:
        pairings = list(
            Pairing.objects.filter(school=org)
            .select_related("teacher")
            .order_by("ended_on", "group_label")
        )
    context.update(
        {
            "details": details,
            "pairings": pairings,
            # Bureaus and anyone without the school's own view: counts only (§13.13).
            "counts": [] if details else pairing_counts(org),
            "form": form if may_keep else None,
        }
    )
    return render(request, "duties/pairings.html", context, status=status)


@login_required
def pairings(request: HttpRequest, pk: int) -> HttpResponse:
    org = duty_org(request, pk)
    if request.method != "POST":
        return _render_pairings(request, org)
    if not _may_keep(request.user, org):
        raise PermissionDenied(Cap.DUTY_MANAGE)
    form = PairingForm(request.POST, people=people_at(org))
    if not form.is_valid():
        return _render_pairings(request, org, form=form, status=400)
    try:
        pairing = actions_grid.do_save_pairing(request.user, org, form.values(), request=request)
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_pairings(request, org, form=form, status=422)
    messages.success(request, _("The pairing has been saved."))
    return redirect("duties:pairing", pk=pairing.pk)


def _render_pairing(
    request: HttpRequest,
    pairing: Pairing,
    *,
    form: PairingForm | None = None,
    note: PairingNoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_keep = _may_keep(request.user, pairing.school)
    if may_keep and form is None:
        initial = {
            "teacher": pairing.teacher_id,
            "group_label": pairing.group_label,
            "students": "\n".join(pairing.students),
            "contact_duty": pairing.contact_duty,
            "started_on": pairing.started_on,
        }
        form = PairingForm(initial=initial, people=people_at(pairing.school))
    may_note = may_keep or pairing.teacher_id == request.user.pk
    context = {
        "pairing": pairing,
        "org": pairing.school,
        "notes": list(pairing.notes.select_related("author")[:200]),
        "form": form if may_keep else None,
        "note_form": (note or PairingNoteForm()) if may_note and pairing.ended_on is None else None,
        "may_keep": may_keep,
    }
    return render(request, "duties/pairing.html", context, status=status)


@login_required
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, pk)
    if request.method != "POST":
        return _render_pairing(request, pairing)
    actions_grid.require_pairing_manager(request.user, pairing.school)
    form = PairingForm(request.POST, people=people_at(pairing.school))
    if not form.is_valid():
        return _render_pairing(request, pairing, form=form, status=400)
    try:
        actions_grid.do_save_pairing(
            request.user, pairing.school, form.values(), pairing=pairing, request=request
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_pairing(request, pairing, form=form, status=422)
    messages.success(request, _("The pairing has been saved."))
    return redirect("duties:pairing", pk=pairing.pk)


@login_required
@require_POST
def pairing_note(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, pk)
    form = PairingNoteForm(request.POST)
    if not form.is_valid():
        return _render_pairing(request, pairing, note=form, status=400)
    try:
        actions_grid.do_add_pairing_note(
            request.user,
            pairing,
            text=form.cleaned_data["text"],
            written_on=form.cleaned_data["written_on"],
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_pairing(request, pairing, note=form, status=422)
    messages.success(request, _("The note has been added."))
    return redirect("duties:pairing", pk=pairing.pk)


@login_required
@require_POST
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_pairing_for_user(request.user, pk)
    try:
        actions_grid.do_end_pairing(request.user, pairing, request=request)
    except (ActionError, Conflict) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The pairing has ended."))
    return redirect("duties:pairing", pk=pairing.pk)

"""/api/v1/responsibilities/grid and /pairings: the campus grid (网格化) and teacher–student
pairings (一岗双带; details only for the school itself and the paired teacher, §13.13)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from safecampus.duties import actions_grid
from safecampus.duties.api_common import person_for
from safecampus.duties.models import GridCell, Pairing
from safecampus.duties.queries import (
    get_cell_for_user,
    get_duty_org_for_user,
    get_pairing_for_user,
    grid_of,
    pairing_paths,
)
from safecampus.duties.schemas import (
    CellIn,
    CellOut,
    PairingIn,
    PairingNoteIn,
    PairingNoteOut,
    PairingOut,
)
from safecampus.hazards.api_common import org_ref, user_ref
from safecampus.lib.api import error_responses
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

router = Router()  # mounted under /responsibilities by api.py, which gives the tag


def cell_out(cell: GridCell) -> dict[str, Any]:
    return {
        "id": cell.pk,
        "school": org_ref(cell.school),
        "kind": cell.kind,
        "area": cell.area,
        "time_slot": cell.time_slot,
        "start_time": cell.start_time,
        "end_time": cell.end_time,
        "person": user_ref(cell.person),
        "note": cell.note,
    }


def _cell_values(payload: CellIn, school: Organization) -> dict[str, Any]:
    values = payload.model_dump(exclude={"school", "person"})
    values["person"] = person_for(payload.person, school, "person")
    return values


@router.get(
    "/grid",
    response={200: list[CellOut], **error_responses(403, 404)},
    summary="Grid of a school",
    description="Campus areas and time slots with their named person (网格化, 实名制).",
)
def list_grid(request: HttpRequest, school: int) -> list[dict[str, Any]]:
    user = current_user(request)
    org = get_duty_org_for_user(user, school)
    require(user, Cap.DUTY_VIEW, org)
    return [cell_out(c) for c in grid_of(org).select_related("school")]


@router.post(
    "/grid",
    response={201: CellOut, **error_responses(403, 404, 422)},
    summary="Add a grid cell",
)
def create_cell(request: HttpRequest, payload: CellIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    school = get_duty_org_for_user(user, payload.school)
    require(user, Cap.DUTY_MANAGE, school)
    cell = actions_grid.do_save_cell(user, school, _cell_values(payload, school), request=request)
    return Status(201, cell_out(cell))


@router.put(
    "/grid/{int:cell_id}",
    response={200: CellOut, **error_responses(403, 404, 422)},
    summary="Change a grid cell",
)
def update_cell(request: HttpRequest, cell_id: int, payload: CellIn) -> dict[str, Any]:
    user = current_user(request)
    cell = get_cell_for_user(user, cell_id)
    if payload.school != cell.school_id:
        raise ActionError(_("A grid cell stays at its school."), "school")
    require(user, Cap.DUTY_MANAGE, cell.school)
    saved = actions_grid.do_save_cell(
        user, cell.school, _cell_values(payload, cell.school), cell=cell, request=request
    )
    return cell_out(saved)


@router.delete(
    "/grid/{int:cell_id}",
    response={204: None, **error_responses(403, 404)},
    summary="Remove a grid cell",
)
def delete_cell(request: HttpRequest, cell_id: int) -> Status[None]:
    user = current_user(request)
    actions_grid.do_delete_cell(user, get_cell_for_user(user, cell_id), request=request)
    return Status(204, None)


# --- pairings -------------------------------------------------------------------------------


def pairing_out(p: Pairing, notes: bool = False) -> dict[str, Any]:
    out = {
        "id": p.pk,
        "school": org_ref(p.school),
        "teacher": user_ref(p.teacher),
        "group_label": p.group_label,
        "students": list(p.students),
        "contact_duty": p.contact_duty,
        "started_on": p.started_on,
        "ended_on": p.ended_on,
        "notes": [],
    }
    if notes:
        out["notes"] = [
            {"id": n.pk, "written_on": n.written_on, "text": n.text, "author": user_ref(n.author)}
            for n in p.notes.select_related("author")
        ]
    return out


@router.get(
    "/pairings",
    response={200: list[PairingOut], **error_responses(403, 404)},
    summary="Pairings of a school",
    description="Only for the school's own principal and safety officer (403 for bureaus: "
    "they see counts on the page); a teacher lists their own with GET /pairings/mine.",
)
def list_pairings(request: HttpRequest, school: int) -> list[dict[str, Any]]:
    user = current_user(request)
    org = get_duty_org_for_user(user, school)
    if not any(org.path.startswith(p) for p in pairing_paths(user)):
        raise PermissionDenied(Cap.DUTY_VIEW)
    rows = Pairing.objects.filter(school=org).select_related("school", "teacher")
    return [pairing_out(p) for p in rows]


@router.get(
    "/pairings/mine",
    response={200: list[PairingOut], **error_responses()},
    summary="My pairings",
)
def my_pairings(request: HttpRequest) -> list[dict[str, Any]]:
    rows = Pairing.objects.filter(teacher=current_user(request)).select_related("school", "teacher")
    return [pairing_out(p) for p in rows]


@router.post(
    "/pairings",
    response={201: PairingOut, **error_responses(403, 404, 422)},
    summary="Add a pairing (一岗双带)",
    description="Kept by the school's principal. Student names only: a name with a long "
    "number in it (an ID or phone number) is refused with 422.",
)
def create_pairing(request: HttpRequest, payload: PairingIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    school = get_duty_org_for_user(user, payload.school)
    actions_grid.require_pairing_manager(user, school)
    values = payload.model_dump(exclude={"school", "teacher"})
    values["teacher"] = person_for(payload.teacher, school, "teacher")
    pairing = actions_grid.do_save_pairing(user, school, values, request=request)
    return Status(201, pairing_out(pairing))


@router.get(
    "/pairings/{int:pairing_id}",
    response={200: PairingOut, **error_responses(404)},
    summary="One pairing with its notes",
)
def get_pairing(request: HttpRequest, pairing_id: int) -> dict[str, Any]:
    return pairing_out(get_pairing_for_user(current_user(request), pairing_id), notes=True)


@router.post(
    "/pairings/{int:pairing_id}/notes",
    response={201: PairingNoteOut, **error_responses(403, 404, 422)},
    summary="Add a dated note to a pairing",
)
def add_note(
    request: HttpRequest, pairing_id: int, payload: PairingNoteIn
) -> Status[dict[str, Any]]:
    user = current_user(request)
    pairing = get_pairing_for_user(user, pairing_id)
    note = actions_grid.do_add_pairing_note(
        user, pairing, text=payload.text, written_on=payload.written_on, request=request
    )
    return Status(
        201,
        {"id": note.pk, "written_on": note.written_on, "text": note.text, "author": user_ref(user)},
    )

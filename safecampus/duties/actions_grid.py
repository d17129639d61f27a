"""Changes to the campus grid (网格化, §2.3) and to teacher–student pairings (一岗双带, §2.4)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.duties.actions import check_person
from safecampus.duties.choices import CellKind
from safecampus.duties.models import GridCell, Pairing, PairingNote
from safecampus.duties.queries import pairing_manage_paths
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

CELL_FIELDS = ("kind", "area", "time_slot", "start_time", "end_time", "person", "note")
MAX_STUDENTS = 60
MAX_NAME = 20
# Six digits in a row look like an ID card or phone number: not kept (§13.13, names only).
_LONG_NUMBER = re.compile(r"\d{6,}")


def _school(org: Organization) -> None:
    if org.level != Level.SCHOOL:
        raise ActionError(_("Choose a school."), "school")


def _check_cell(school: Organization, values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {key: values.get(key) for key in CELL_FIELDS}
    cleaned["area"] = " ".join(str(cleaned["area"] or "").split())
    cleaned["time_slot"] = " ".join(str(cleaned["time_slot"] or "").split())
    cleaned["note"] = str(cleaned["note"] or "").strip()
    cleaned["kind"] = cleaned["kind"] or CellKind.AREA
    if cleaned["kind"] not in CellKind.values:
        raise ActionError(
            _("Choose one of: %(levels)s.") % {"levels": ", ".join(CellKind.values)}, "kind"
        )
    if not cleaned["area"]:
        raise ActionError(_("Name the area."), "area")
    if not cleaned["time_slot"]:
        raise ActionError(_("Say when (e.g. 课间, 午休, 放学 16:30–17:30)."), "time_slot")
    start, end = cleaned["start_time"], cleaned["end_time"]
    if start and end and end <= start:
        raise ActionError(_("The end time must be after the start time."), "end_time")
    check_person(cleaned["person"], school, "person")
    return cleaned


@transaction.atomic
def do_save_cell(
    actor: Any,
    school: Organization,
    values: dict[str, Any],
    *,
    cell: GridCell | None = None,
    request: HttpRequest | None = None,
) -> GridCell:
    """Create a grid cell at ``school`` or change ``cell`` (which belongs to it)."""
    require(actor, Cap.DUTY_MANAGE, school)
    _school(school)
    cleaned = _check_cell(school, values)
    if cell is None:
        cell = GridCell.objects.create(school=school, org_path=school.path, **cleaned)
        verb, changes = "duty.grid_create", {"area": cell.area, "person": cell.person_id}
    else:
        locked = GridCell.objects.select_for_update().get(pk=cell.pk, school=school)
        before = {key: getattr(locked, key) for key in CELL_FIELDS}
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*CELL_FIELDS, "updated_at"])
        cell = locked
        after = {key: getattr(locked, key) for key in CELL_FIELDS}
        verb = "duty.grid_edit"
        changes = {
            key: [_ref(before[key]), _ref(after[key])]
            for key in CELL_FIELDS
            if before[key] != after[key]
        }
    record(verb, actor=actor, org=school, obj=cell, request=request, changes=changes)
    return cell


def _ref(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def do_delete_cell(actor: Any, cell: GridCell, *, request: HttpRequest | None = None) -> None:
    require(actor, Cap.DUTY_MANAGE, cell.school)
    record(
        "duty.grid_delete",
        actor=actor,
        org=cell.school,
        obj=cell,
        request=request,
        changes={"area": cell.area, "time_slot": cell.time_slot, "person": cell.person_id},
    )
    GridCell.objects.filter(pk=cell.pk).delete()


# --- pairings -------------------------------------------------------------------------------


def require_pairing_manager(actor: Any, school: Organization) -> None:
    """Pairings are kept by the school itself (its principal), not by a bureau above it:
    their records are sensitive (§13.13)."""
    require(actor, Cap.DUTY_MANAGE, school)
    if not any(school.path.startswith(p) for p in pairing_manage_paths(actor)):
        raise PermissionDenied(_("Pairings are kept by the school itself."))


def clean_students(students: list[str]) -> list[str]:
    names = [" ".join(str(s).split()) for s in students if str(s).strip()]
    if not names:
        raise ActionError(_("Name at least one student."), "students")
    if len(names) > MAX_STUDENTS:
        raise ActionError(_("At most %(n)d students in a group.") % {"n": MAX_STUDENTS}, "students")
    for name in names:
        if len(name) > MAX_NAME or _LONG_NUMBER.search(name):
            raise ActionError(
                _(
                    "Enter student names only (at most %(n)d characters each), without ID "
                    "numbers or phone numbers."
                )
                % {"n": MAX_NAME},
                "students",
            )
    return names


def _check_pairing(school: Organization, values: dict[str, Any]) -> dict[str, Any]:
    label = " ".join(str(values.get("group_label") or "").split())
    if not label:
        raise ActionError(_("Name the group (e.g. 三年级二班 第3组)."), "group_label")
    if len(label) > 80:
        raise ActionError(_("The group name is at most 80 characters."), "group_label")
    check_person(values.get("teacher"), school, "teacher")
    return {
        "teacher": values["teacher"],
        "group_label": label,
        "students": clean_students(list(values.get("students") or [])),
        "contact_duty": str(values.get("contact_duty") or "").strip()[:200],
        "started_on": values.get("started_on") or timezone.localdate(),
    }


@transaction.atomic
def do_save_pairing(
    actor: Any,
    school: Organization,
    values: dict[str, Any],
    *,
    pairing: Pairing | None = None,
    request: HttpRequest | None = None,
) -> Pairing:
    require_pairing_manager(actor, school)
    _school(school)
    cleaned = _check_pairing(school, values)
    if pairing is None:
        pairing = Pairing.objects.create(school=school, org_path=school.path, **cleaned)
        verb = "duty.pairing_create"
    else:
        locked = Pairing.objects.select_for_update().get(pk=pairing.pk, school=school)
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*cleaned, "updated_at"])
        pairing, verb = locked, "duty.pairing_edit"
    # Never the students' names in the audit trail: the count is enough to follow changes.
    changes = {
        "teacher": pairing.teacher_id,
        "group_label": pairing.group_label,
        "students": len(pairing.students),
    }
    record(verb, actor=actor, org=school, obj=pairing, request=request, changes=changes)
    return pairing


@transaction.atomic
def do_end_pairing(
    actor: Any,
    pairing: Pairing,
    *,
    ended_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Pairing:
    require_pairing_manager(actor, pairing.school)
    locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if locked.ended_on is not None:
        raise Conflict(_("This pairing has already ended."))
    locked.ended_on = ended_on or timezone.localdate()
    if locked.ended_on < locked.started_on:
        raise ActionError(_("The end date cannot be before the start date."), "ended_on")
    locked.save(update_fields=["ended_on", "updated_at"])
    record(
        "duty.pairing_end",
        actor=actor,
        org=pairing.school,
        obj=locked,
        request=request,
        changes={"ended_on": locked.ended_on},
    )
    return locked


@transaction.atomic
def do_add_pairing_note(
    actor: Any,
    pairing: Pairing,
    *,
    text: str,
    written_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> PairingNote:
    """A dated note by the paired teacher (or the school's principal)."""
    if pairing.teacher_id != getattr(actor, "pk", None):
        require_pairing_manager(actor, pairing.school)
    text = (text or "").strip()
    if not text:
        raise ActionError(_("Write the note."), "text")
    if len(text) > 500:
        raise ActionError(_("A note is at most 500 characters."), "text")
    written_on = written_on or timezone.localdate()
    if written_on > timezone.localdate():
        raise ActionError(_("The date cannot be in the future."), "written_on")
    note = PairingNote.objects.create(
        pairing=pairing, written_on=written_on, text=text, author=actor
    )
    record(
        "duty.pairing_note",
        actor=actor,
        org=pairing.school,
        obj=pairing,
        request=request,
        changes={"note": note.pk, "written_on": written_on},
    )
    return note

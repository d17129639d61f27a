"""Writing an imported paper ledger (隐患台账导入): all rows in one transaction, or none.

``importer.py`` reads and checks the file; this module is the only place its rows become
hazards. Rows whose import key already exists are skipped, so importing the same file (or the
same rows in another file) twice does not duplicate a hazard.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.hazards.choices import OPEN_STATES, RectificationType, State
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require
from safecampus.orgs.actions import common_ancestor
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import ImportBatch, Membership, Organization
from safecampus.orgs.roles import Cap

# The states a paper ledger row may be in; "dismissed" is a decision made in SafeCampus.
IMPORTABLE_STATES = (*OPEN_STATES, State.CLOSED)
# States in which somebody is already working on the hazard: they need a person and a date.
ASSIGNED_STATES = (State.ASSIGNED, State.RECTIFYING, State.AWAITING_VERIFICATION)
# What an import may set on a hazard (no mass assignment from the file).
IMPORT_FIELDS = (
    "category",
    "severity",
    "source",
    "title",
    "description",
    "location",
    "found_on",
    "state",
    "responsible",
    "deadline",
    "rectification_note",
    "closed_on",
)
_CHUNK = 500


@dataclass
class HazardRow:
    """One checked row of the file: the school, the key that makes re-imports idempotent and
    the hazard's values (keys from IMPORT_FIELDS)."""

    school: Organization
    import_key: str
    values: dict[str, Any] = field(default_factory=dict)
    number: int = 0


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int


def responsible_paths(usernames: Iterable[str]) -> dict[str, tuple[Any, list[str]]]:
    """{username: (user, paths of the orgs where they hold a role)} for active users."""
    found: dict[str, tuple[Any, list[str]]] = {}
    wanted = sorted(set(usernames))
    for start in range(0, len(wanted), _CHUNK):
        rows = Membership.objects.filter(
            user__username__in=wanted[start : start + _CHUNK], user__is_active=True
        ).select_related("user", "org")
        for membership in rows:
            _user, paths = found.setdefault(membership.user.username, (membership.user, []))
            paths.append(membership.org.path)
    return found


def may_be_responsible(paths: Iterable[str], school: Organization) -> bool:
    """The rule of actions.check_responsible: a role at the school or a bureau above it."""
    return any(school.path.startswith(path) for path in paths)


def date_problems(values: dict[str, Any], today: datetime.date) -> list[tuple[str, str]]:
    """The date and state rules of a ledger row, as (field, message)."""
    problems: list[tuple[str, str]] = []
    found_on, deadline, closed_on = values["found_on"], values["deadline"], values["closed_on"]
    state = values["state"]
    if found_on > today:
        problems.append(("found_on", _("The date found cannot be in the future.")))
    if deadline is not None and deadline < found_on:
        problems.append(
            ("deadline", _("The deadline cannot be before the date the hazard was found."))
        )
    if state in ASSIGNED_STATES and deadline is None:
        problems.append(("deadline", _("An assigned hazard needs a deadline.")))
    if state in ASSIGNED_STATES and values["responsible"] is None:
        problems.append(("responsible", _("An assigned hazard needs a responsible person.")))
    if state == State.CLOSED:
        if closed_on is None:
            problems.append(("closed_on", _("A closed hazard needs the date it was closed.")))
        elif closed_on < found_on:
            problems.append(
                ("closed_on", _("The closing date cannot be before the date it was found."))
            )
        elif closed_on > today:
            problems.append(("closed_on", _("The closing date cannot be in the future.")))
    elif closed_on is not None:
        problems.append(("closed_on", _("Only a closed hazard has a closing date.")))
    return problems


@transaction.atomic
def do_import_hazards(
    actor: Any,
    rows: Sequence[HazardRow],
    *,
    batch: ImportBatch | None = None,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Add the hazards of a checked ledger file: every new row, or none.

    The importer checked the rows; the rules that protect the data are checked again here
    (capability at each school, the responsible-person rule, dates and states), so a change
    since the dry run ends in an error and a rollback. Historical rows are not verified again:
    the importer is recorded as the verifier of closed rows (there is nobody else to name).
    """
    if batch is not None:
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.committed_at is not None:
            raise Conflict(_("This file has already been imported."))
    if not rows:
        raise ActionError(_("The file has no hazards to import."))
    keys = [row.import_key for row in rows]
    if len(set(keys)) != len(keys):
        raise ActionError(_("Each hazard may appear only once in the file."))
    schools = _check_schools(actor, rows)
    _check_rows(rows)

    existing = existing_keys(keys)
    new_rows = [row for row in rows if row.import_key not in existing]
    hazards = [_hazard(actor, row) for row in new_rows]
    Hazard.objects.bulk_create(hazards, batch_size=_CHUNK)
    note = _("Imported from the ledger file %(name)s") % {
        "name": batch.original_name if batch is not None else "-"
    }
    now = timezone.now()
    HazardEvent.objects.bulk_create(
        [
            HazardEvent(
                hazard=hazard,
                actor=actor,
                verb="import",
                from_state="",
                to_state=hazard.state,
                note=note,
                created_at=now,
            )
            for hazard in hazards
        ],
        batch_size=_CHUNK * 2,
    )
    result = ImportResult(created=len(hazards), skipped=len(rows) - len(hazards))
    summary: dict[str, Any] = {
        "created": result.created,
        "skipped": result.skipped,
        "rows": len(rows),
        "schools": ", ".join(sorted(school.code for school in schools)[:50]),
    }
    if batch is not None:
        summary.update({"file": batch.original_name, "sha256": batch.sha256})
        batch.committed_at = now
        batch.created, batch.updated = result.created, 0
        batch.save(update_fields=["committed_at", "created", "updated"])
    record(
        "hazard.import",
        actor=actor,
        org=common_ancestor(schools),
        obj=batch,
        request=request,
        changes=summary,
    )
    return result


def _check_schools(actor: Any, rows: Sequence[HazardRow]) -> list[Organization]:
    ids = sorted({row.school.pk for row in rows})
    schools = list(Organization.objects.filter(pk__in=ids).order_by("pk"))
    if len(schools) != len(ids):
        raise ActionError(_("A school of this file no longer exists."), "school")
    for school in schools:
        require(actor, Cap.HAZARD_IMPORT, school)
        if school.level != Level.SCHOOL or school.status != OrgStatus.ACTIVE:
            raise ActionError(
                _("Hazards are imported at an open school; %(code)s is not one.")
                % {"code": school.code},
                "school",
            )
    fresh = {school.pk: school for school in schools}
    for row in rows:
        row.school = fresh[row.school.pk]
    return schools


def _check_rows(rows: Sequence[HazardRow]) -> None:
    today = timezone.localdate()
    people = responsible_paths(
        row.values["responsible"].username for row in rows if row.values.get("responsible")
    )
    for row in rows:
        values = {name: row.values.get(name) for name in IMPORT_FIELDS}
        if values["state"] not in IMPORTABLE_STATES:
            raise ActionError(
                _("Row %(row)s: this state cannot be imported.") % {"row": row.number}
            )
        person = values["responsible"]
        if person is not None:
            _user, paths = people.get(person.username, (None, []))
            if not may_be_responsible(paths, row.school):
                raise ActionError(
                    _(
                        "Row %(row)s: the responsible person must hold a role at this school "
                        "or a bureau above it."
                    )
                    % {"row": row.number},
                    "responsible",
                )
        problems = date_problems(values, today)
        if problems:
            name, message = problems[0]
            raise ActionError(
                _("Row %(row)s: %(message)s") % {"row": row.number, "message": message}, name
            )


def existing_keys(keys: Sequence[str]) -> set[str]:
    """The import keys among ``keys`` that hazards already carry."""
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = Hazard.objects.filter(import_key__in=keys[start : start + _CHUNK])
        found.update(key for key in chunk.values_list("import_key", flat=True) if key)
    return found


def _hazard(actor: Any, row: HazardRow) -> Hazard:
    values = {name: row.values.get(name) for name in IMPORT_FIELDS}
    for text in ("description", "location", "rectification_note"):
        values[text] = values[text] or ""
    hazard = Hazard(
        org=row.school,
        org_path=row.school.path,
        import_key=row.import_key,
        rectification_type=RectificationType.DEADLINE,
        created_by=actor,
        **values,
    )
    if hazard.state == State.CLOSED:
        hazard.verifier = actor
    return hazard

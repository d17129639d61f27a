"""Writing an imported risk register: every new row in one transaction, or none.

``importer.py`` reads and checks the file; here the rules that protect the data are checked
again (capability at each school, the responsible person's school, the grading factors), so a
change since the dry run ends in an error and a rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.imports import normalise
from safecampus.lib.scoping import require
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.models import ImportBatch, Organization
from safecampus.orgs.roles import Cap
from safecampus.risks.actions import check_person_at, do_assess, do_save_area
from safecampus.risks.choices import Reason
from safecampus.risks.importer import PointRow, point_key
from safecampus.risks.models import CampusArea, RiskPoint


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int
    graded: int
    areas: int


def _fresh_schools(actor: Any, rows: Sequence[PointRow]) -> dict[int, Organization]:
    ids = sorted({row.school.pk for row in rows})
    schools = {s.pk: s for s in Organization.objects.filter(pk__in=ids)}
    if len(schools) != len(ids):
        raise ActionError(_("A school of this file no longer exists."), "school")
    for school in schools.values():
        require(actor, Cap.RISK_MANAGE, school)
        if school.level != OrgLevel.SCHOOL or school.status != OrgStatus.ACTIVE:
            raise ActionError(
                _("Risk points are imported at an open school; %(code)s is not one.")
                % {"code": school.code},
                "school",
            )
    return schools


@transaction.atomic
def do_import_register(
    actor: Any, rows: Sequence[PointRow], *, batch: ImportBatch | None = None
) -> ImportResult:
    """Add the points of a checked register file (and the areas it names that are new);
    grade those with factors using each school's bureau method."""
    if batch is not None:
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.committed_at is not None:
            raise Conflict(_("This file has already been imported."))
    if not rows:
        raise ActionError(_("The file has no risk points to import."))
    schools = _fresh_schools(actor, rows)
    existing = {
        point_key(
            p["school_id"], p["category_id"], p["hazard"], p["area__name"] or "", p["location"]
        )
        for p in RiskPoint.objects.filter(school_id__in=schools, active=True).values(
            "school_id", "category_id", "hazard", "area__name", "location"
        )
    }
    areas = {
        (a.school_id, normalise(a.name)): a
        for a in CampusArea.objects.filter(school_id__in=schools)
    }
    today = timezone.localdate()
    created = graded = new_areas = 0
    for row in rows:
        if row.key in existing:
            continue
        school = schools[row.school.pk]
        try:
            check_person_at(row.values.get("responsible"), school)
        except ActionError as exc:
            raise ActionError(
                _("Row %(row)s: %(message)s") % {"row": row.number, "message": exc}, "responsible"
            ) from None
        area = None
        if row.area_name:
            area = areas.get((school.pk, normalise(row.area_name)))
            if area is None:
                area = do_save_area(actor, school, name=row.area_name)
                areas[(school.pk, normalise(row.area_name))] = area
                new_areas += 1
        values = {**row.values, "area": area}
        point = RiskPoint.objects.create(
            school=school, org_path=school.path, created_by=actor, **values
        )
        existing.add(row.key)
        created += 1
        if row.factors:
            try:
                do_assess(actor, point, **row.factors, reason=Reason.INITIAL, assessed_on=today)
            except ActionError as exc:
                raise ActionError(
                    _("Row %(row)s: %(message)s") % {"row": row.number, "message": exc}
                ) from None
            graded += 1
    result = ImportResult(
        created=created, skipped=len(rows) - created, graded=graded, areas=new_areas
    )
    summary: dict[str, Any] = {
        "created": created,
        "skipped": result.skipped,
        "graded": graded,
        "areas": new_areas,
        "schools": ", ".join(sorted(s.code for s in schools.values())[:50]),
    }
    if batch is not None:
        summary.update({"file": batch.original_name, "sha256": batch.sha256})
        batch.committed_at = timezone.now()
        batch.created, batch.updated = created, 0
        batch.save(update_fields=["committed_at", "created", "updated"])
    first = next(iter(schools.values()))
    record(
        "risk.register_imported",
        actor=actor,
        org=first if len(schools) == 1 else None,
        obj=batch,
        changes=summary,
    )
    return result

"""Every change to risk registers, grading rules and the library (§3). Atomic, capability-
checked, audited; bad input raises ActionError with the field it concerns."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.lib.errors import ActionError
from safecampus.lib.scoping import require
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Cap
from safecampus.risks.choices import REVIEW_DAYS, Level, Reason
from safecampus.risks.grading import check_thresholds, score
from safecampus.risks.models import (
    CampusArea,
    CampusPlan,
    GradingPolicy,
    LibraryItem,
    RiskAssessment,
    RiskCategory,
    RiskPoint,
)
from safecampus.risks.plans import clean_shape, process_plan
from safecampus.risks.queries import library_for, policy_for

# What a register keeper may set on a point (no mass assignment).
POINT_FIELDS = (
    "category",
    "hazard",
    "consequences",
    "area",
    "location",
    "responsible_post",
    "responsible",
    "control_measures",
    "emergency_measures",
    "frequency",
)


def _require_school(org: Organization) -> None:
    if org.level != OrgLevel.SCHOOL:
        raise ActionError(_("A risk register belongs to a school."), "school")


def check_person_at(person: Any, org: Organization, field: str = "responsible") -> None:
    """A responsible person must hold a role at this school (real-name control, §2.3)."""
    if person is None:
        return
    held = Membership.objects.filter(user=person, org=org).exists()
    if not held or not person.is_active:
        raise ActionError(
            _("%(person)s holds no role at %(school)s: choose someone of this school.")
            % {"person": person, "school": org.name},
            field,
        )


def _check_point(school: Organization, values: dict[str, Any]) -> None:
    if not values.get("hazard", "").strip():
        raise ActionError(_("Describe the risk."), "hazard")
    if not isinstance(values.get("category"), RiskCategory):
        raise ActionError(_("Choose a category."), "category")
    area = values.get("area")
    if area is not None and area.school_id != school.pk:
        raise ActionError(_("Choose an area of this school."), "area")
    check_person_at(values.get("responsible"), school)


@transaction.atomic
def do_build_register(
    actor: Any, school: Organization, *, categories: list[RiskCategory] | None = None
) -> int:
    """Add to the school's register every current library entry for its kind (in the chosen
    categories, or all), skipping those already in it: one click per category or for all."""
    require(actor, Cap.RISK_MANAGE, school)
    _require_school(school)
    items = [
        item
        for item in library_for(school)
        if item.applies_to(school.school_kind)
        and (categories is None or item.category_id in {c.pk for c in categories})
    ]
    have = set(
        RiskPoint.objects.filter(school=school, library_item__isnull=False).values_list(
            "library_item__owner_id", "library_item__code"
        )
    )
    new = [
        RiskPoint(
            school=school,
            org_path=school.path,
            library_item=item,
            category=item.category,
            hazard=item.hazard_zh,
            consequences=item.consequences_zh,
            control_measures=item.measures_zh,
            frequency=item.frequency,
            created_by=actor,
        )
        for item in items
        if (item.owner_id, item.code) not in have
    ]
    RiskPoint.objects.bulk_create(new)
    record(
        "risk.register_built",
        actor=actor,
        org=school,
        changes={
            "added": len(new),
            "categories": [c.code for c in categories] if categories else "all",
        },
    )
    return len(new)


@transaction.atomic
def do_add_point(actor: Any, school: Organization, **values: Any) -> RiskPoint:
    """A school's own risk point, not from the library."""
    require(actor, Cap.RISK_MANAGE, school)
    _require_school(school)
    values = {name: values.get(name) for name in POINT_FIELDS if name in values}
    _check_point(school, values)
    point = RiskPoint(school=school, org_path=school.path, created_by=actor)
    for name, value in values.items():
        setattr(point, name, "" if value is None and name not in ("area", "responsible") else value)
    point.save()
    record("risk.point_added", actor=actor, org=school, obj=point, changes={"hazard": point.hazard})
    return point


@transaction.atomic
def do_update_point(actor: Any, point: RiskPoint, **values: Any) -> RiskPoint:
    point = RiskPoint.objects.select_for_update().select_related("school").get(pk=point.pk)
    require(actor, Cap.RISK_MANAGE, point.school)
    changed = {name: values[name] for name in POINT_FIELDS if name in values}
    merged = {name: getattr(point, name) for name in POINT_FIELDS} | changed
    _check_point(point.school, merged)
    before = {name: str(getattr(point, name) or "") for name in changed}
    for name, value in changed.items():
        setattr(point, name, "" if value is None and name not in ("area", "responsible") else value)
    point.save(update_fields=[*changed, "updated_at"])
    after = {name: str(getattr(point, name) or "") for name in changed}
    record(
        "risk.point_updated",
        actor=actor,
        org=point.school,
        obj=point,
        changes={k: [before[k], after[k]] for k in changed if before[k] != after[k]},
    )
    return point


@transaction.atomic
def do_retire_point(actor: Any, point: RiskPoint, *, active: bool = False) -> RiskPoint:
    """Take a point out of the register (kept with its history), or put it back."""
    point = RiskPoint.objects.select_for_update().select_related("school").get(pk=point.pk)
    require(actor, Cap.RISK_MANAGE, point.school)
    point.active = active
    point.save(update_fields=["active", "updated_at"])
    record(
        "risk.point_retired" if not active else "risk.point_restored",
        actor=actor,
        org=point.school,
        obj=point,
    )
    return point


@transaction.atomic
def do_assess(
    actor: Any,
    point: RiskPoint,
    *,
    l: Any,
    e: Any = None,
    c: Any = None,
    s: Any = None,
    reason: str = Reason.INITIAL,
    direct_red_reason: str = "",
    note: str = "",
    assessed_on: datetime.date,
) -> RiskAssessment:
    """Grade a point with its bureau's method and thresholds (LEC unless the bureau chose
    L×S); red whatever the score when a direct-red reason is given (§3.3). The history keeps
    every assessment; the point shows the latest and whether it rose."""
    point = RiskPoint.objects.select_for_update().select_related("school").get(pk=point.pk)
    require(actor, Cap.RISK_MANAGE, point.school)
    if reason not in Reason.values:
        raise ActionError(_("Choose why the point is assessed."), "reason")
    policy = policy_for(point.school)
    factors = score(policy.method, l=l, e=e, c=c, s=s)
    scored = policy.level(factors.score)
    level = Level.RED if direct_red_reason.strip() else scored
    assessment = RiskAssessment.objects.create(
        point=point,
        method=policy.method,
        l=factors.l,
        e=factors.e,
        c=factors.c,
        s=factors.s,
        score=factors.score,
        scored_level=scored,
        direct_red_reason=direct_red_reason.strip(),
        level=level,
        reason=reason,
        note=note,
        assessed_on=assessed_on,
        assessed_by=actor,
    )
    before = point.level
    point.previous_level = point.level
    point.level = level
    point.score = factors.score
    point.assessed_on = assessed_on
    point.review_on = assessed_on + datetime.timedelta(days=REVIEW_DAYS[Level(level)])
    point.save(
        update_fields=["previous_level", "level", "score", "assessed_on", "review_on", "updated_at"]
    )
    record(
        "risk.assessed",
        actor=actor,
        org=point.school,
        obj=point,
        changes={"level": [before, level], "score": f"{factors.score:f}", "method": policy.method},
    )
    return assessment


@transaction.atomic
def do_set_policy(
    actor: Any, bureau: Organization, *, method: str, red: Any, orange: Any, yellow: Any
) -> GradingPolicy:
    """A bureau's grading method and thresholds, for every school under it that has no nearer
    bureau with its own. Points keep their grades until they are assessed again."""
    require(actor, Cap.RISK_LIBRARY, bureau)
    if bureau.level == OrgLevel.SCHOOL:
        raise ActionError(_("Grading rules are set by a bureau."), "org")
    policy = check_thresholds(method, red, orange, yellow)
    own, _created = GradingPolicy.objects.select_for_update().get_or_create(
        org=bureau,
        defaults={
            "method": policy.method,
            "red_above": policy.red,
            "orange_above": policy.orange,
            "yellow_above": policy.yellow,
            "updated_by": actor,
        },
    )
    before = [own.method, f"{own.red_above}", f"{own.orange_above}", f"{own.yellow_above}"]
    own.method, own.red_above = policy.method, policy.red
    own.orange_above, own.yellow_above = policy.orange, policy.yellow
    own.updated_by = actor
    own.save()
    record(
        "risk.policy_set",
        actor=actor,
        org=bureau,
        obj=own,
        changes={
            "policy": [
                before,
                [policy.method, f"{policy.red}", f"{policy.orange}", f"{policy.yellow}"],
            ]
        },
    )
    return own


LIBRARY_FIELDS = (
    "category",
    "hazard_zh",
    "hazard_en",
    "consequences_zh",
    "consequences_en",
    "measures_zh",
    "measures_en",
    "frequency",
    "school_kinds",
)


@transaction.atomic
def do_save_library_item(
    actor: Any, bureau: Organization, *, item: LibraryItem | None = None, **values: Any
) -> LibraryItem:
    """Add a bureau's own library entry, or edit one: an edit writes a new version and keeps
    the old one for the registers built from it. The standard entries are not edited here."""
    require(actor, Cap.RISK_LIBRARY, bureau)
    if bureau.level == OrgLevel.SCHOOL:
        raise ActionError(_("The risk library is kept by bureaus."), "org")
    values = {name: values[name] for name in LIBRARY_FIELDS if name in values}
    if item is not None:
        item = LibraryItem.objects.select_for_update().get(pk=item.pk)
        if item.owner_id != bureau.pk or not item.is_current:
            raise ActionError(
                _("Only the current version of this bureau's own entry can be edited.")
            )
        item.is_current = False
        item.save(update_fields=["is_current"])
        code, version = item.code, item.version + 1
        merged = {name: getattr(item, name) for name in LIBRARY_FIELDS} | values
    else:
        taken = LibraryItem.objects.filter(owner=bureau).values("code").distinct().count()
        code, version = f"{bureau.code}-{taken + 1:03d}"[:20], 1
        merged = values
    if not str(merged.get("hazard_zh", "")).strip():
        raise ActionError(_("Describe the risk in Chinese."), "hazard_zh")
    if not merged.get("school_kinds"):
        raise ActionError(_("Choose the school kinds it applies to."), "school_kinds")
    new = LibraryItem.objects.create(
        owner=bureau, code=code, version=version, is_current=True, created_by=actor, **merged
    )
    record(
        "risk.library_saved",
        actor=actor,
        org=bureau,
        obj=new,
        changes={"code": code, "version": version},
    )
    return new


@transaction.atomic
def do_save_area(
    actor: Any, school: Organization, *, area: CampusArea | None = None, **values: Any
) -> CampusArea:
    """A campus area (and its shape on the plan)."""
    require(actor, Cap.RISK_MANAGE, school)
    _require_school(school)
    name = str(values.get("name", area.name if area else "")).strip()
    if not name:
        raise ActionError(_("Name the area."), "name")
    clash = CampusArea.objects.filter(school=school, name=name)
    if area is not None:
        clash = clash.exclude(pk=area.pk)
    if clash.exists():
        raise ActionError(_("This school already has an area of that name."), "name")
    if values.get("shape") is not None:
        values["shape"] = clean_shape(values["shape"])  # 0..1 rectangle or 3–50-point polygon
    plan = values.get("plan")
    if plan is not None and plan.school_id != school.pk:
        raise ActionError(_("Choose a plan of this school."), "plan")
    target = area or CampusArea(school=school)
    target.name = name
    for field in ("plan", "shape", "sort"):
        if field in values:
            setattr(target, field, values[field])
    target.save()
    record("risk.area_saved", actor=actor, org=school, obj=target, changes={"name": name})
    return target


@transaction.atomic
def do_delete_area(actor: Any, area: CampusArea) -> None:
    """Remove an area from the school and its map; its points stay in the register, with no
    area, until they are placed again."""
    area = CampusArea.objects.select_for_update().select_related("school").get(pk=area.pk)
    require(actor, Cap.RISK_MANAGE, area.school)
    points = list(area.points.values_list("pk", flat=True))
    record(
        "risk.area_deleted",
        actor=actor,
        org=area.school,
        obj=area,
        changes={"name": area.name, "points_unplaced": points},
    )
    area.delete()


@transaction.atomic
def do_upload_plan(actor: Any, school: Organization, upload: Any, *, title: str = "") -> CampusPlan:
    """Upload the school's campus plan (校园平面图), or replace its image: the areas stay, as
    their shapes are fractions of the image. The old file is removed once the change is
    committed, so a failed upload leaves the old plan whole."""
    require(actor, Cap.RISK_MANAGE, school)
    _require_school(school)
    image = process_plan(upload)  # before any write: a bad file writes nothing
    plan = CampusPlan.objects.select_for_update().filter(school=school).first()
    old_file = plan.image.name if plan is not None else ""
    if plan is None:
        plan = CampusPlan(school=school, campus=school.campuses.filter(is_main=True).first())
    plan.title = title.strip()[:120] or plan.title
    plan.width, plan.height = image.width, image.height
    plan.uploaded_by = actor
    plan.image.save(image.content.name or "plan.png", image.content, save=False)
    storage, new_file = plan.image.storage, plan.image.name
    try:
        plan.save()
        # Areas drawn before the plan existed (named in the register) now belong to it.
        CampusArea.objects.filter(school=school, plan__isnull=True).update(plan=plan)
        record(
            "risk.plan_uploaded",
            actor=actor,
            org=school,
            obj=plan,
            changes={"size": [image.width, image.height], "replaced": bool(old_file)},
        )
    except Exception:
        storage.delete(new_file)  # nothing half-written: no file without its row
        raise
    if old_file and old_file != new_file:
        transaction.on_commit(lambda: storage.delete(old_file))
    return plan

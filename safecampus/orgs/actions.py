"""Every change to the organisation tree. Atomic, capability-checked, audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import diff, record, snapshot
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require
from safecampus.orgs.choices import ALLOWED_CHILDREN, Level, OrgStatus
from safecampus.orgs.models import Campus, ImportBatch, Organization
from safecampus.orgs.roles import Cap
from safecampus.orgs.tree import add_child, bulk_add_children, parent_of

# The fields a person may set on an organisation (no mass assignment: this list is explicit).
BUREAU_FIELDS = ["name", "code", "address", "phone"]
SCHOOL_FIELDS = [
    *BUREAU_FIELDS,
    "school_kind",
    "ownership",
    "licensed",
    "principal_name",
    "safety_officer_name",
    "students",
    "staff",
    "boarding",
]


def editable_fields(level: str) -> list[str]:
    return SCHOOL_FIELDS if level == Level.SCHOOL else BUREAU_FIELDS


def _check_placement(parent: Organization, level: str) -> None:
    if level not in ALLOWED_CHILDREN[parent.level]:
        raise ActionError(
            _("A %(child)s cannot be placed under a %(parent)s.")
            % {"child": Level(level).label, "parent": Level(parent.level).label},
            "parent",
        )


def _check_code_free(code: str, exclude_pk: int | None = None) -> None:
    clash = Organization.objects.filter(code=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ActionError(_("This code is already used by another organisation."), "code")


@transaction.atomic
def do_create_org(
    actor: Any,
    parent: Organization,
    level: str,
    fields: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> Organization:
    require(actor, Cap.ORG_MANAGE, parent)
    _check_placement(parent, level)
    allowed = editable_fields(level)
    values = {k: v for k, v in fields.items() if k in allowed}
    _check_code_free(values.get("code", ""))
    parent = Organization.objects.select_for_update().get(pk=parent.pk)
    org = add_child(parent, level=level, **values)
    if level == Level.SCHOOL:
        Campus.objects.create(school=org, name=org.name, address=org.address, is_main=True)
    record(
        "org.create",
        actor=actor,
        org=org,
        obj=org,
        request=request,
        changes={"level": level, "parent": parent.code, **snapshot(org, allowed)},
    )
    return org


@transaction.atomic
def do_update_org(
    actor: Any,
    org: Organization,
    fields: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> Organization:
    require(actor, Cap.ORG_MANAGE, org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    allowed = editable_fields(org.level)
    if "code" in fields:
        _check_code_free(fields["code"], exclude_pk=org.pk)
    before = snapshot(org, allowed)
    for name, value in fields.items():
        if name in allowed:
            setattr(org, name, value)
    changes = diff(before, snapshot(org, allowed))
    if changes:
        org.save(update_fields=[*changes, "updated_at"])
        record("org.update", actor=actor, org=org, obj=org, request=request, changes=changes)
    return org


@transaction.atomic
def do_set_org_status(
    actor: Any, org: Organization, status: str, *, request: HttpRequest | None = None
) -> Organization:
    """Close (停办) or reopen a school. Closed schools keep their history; nothing is deleted."""
    require(actor, Cap.ORG_MANAGE, org)
    if org.level != Level.SCHOOL:
        raise ActionError(_("Only schools can be closed."), "status")
    if not _manages_parent(actor, org):
        raise PermissionDenied(Cap.ORG_MANAGE)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if org.status == status:
        return org
    before = org.status
    org.status = status
    org.save(update_fields=["status", "updated_at"])
    verb = "org.close" if status == OrgStatus.CLOSED else "org.reopen"
    record(
        verb, actor=actor, org=org, obj=org, request=request, changes={"status": [before, status]}
    )
    return org


def _manages_parent(actor: Any, org: Organization) -> bool:
    # A principal may edit the school's record but not close the school itself: that is the
    # bureau's decision.
    from safecampus.lib.scoping import scope_for

    parent = parent_of(org)
    return parent is not None and scope_for(actor).can(Cap.ORG_MANAGE, parent)


@transaction.atomic
def do_add_campus(
    actor: Any,
    school: Organization,
    name: str,
    address: str = "",
    *,
    request: HttpRequest | None = None,
) -> Campus:
    require(actor, Cap.ORG_MANAGE, school)
    if school.level != Level.SCHOOL:
        raise ActionError(_("Campuses belong to schools."), "school")
    name = name.strip()
    if not name:
        raise ActionError(_("Give the campus a name."), "name")
    if Campus.objects.filter(school=school, name=name).exists():
        raise ActionError(_("This school already has a campus with that name."), "name")
    is_main = not Campus.objects.filter(school=school).exists()
    campus = Campus.objects.create(school=school, name=name, address=address, is_main=is_main)
    record(
        "campus.create",
        actor=actor,
        org=school,
        obj=campus,
        request=request,
        changes={"name": name, "address": address},
    )
    return campus


@transaction.atomic
def do_remove_campus(actor: Any, campus: Campus, *, request: HttpRequest | None = None) -> None:
    require(actor, Cap.ORG_MANAGE, campus.school)
    if campus.is_main:
        raise ActionError(_("The main campus cannot be removed."), "campus")
    record(
        "campus.remove",
        actor=actor,
        org=campus.school,
        obj=campus,
        request=request,
        changes={"name": campus.name},
    )
    campus.delete()


# --- Excel import (学校批量导入) ---------------------------------------------------------------

_CHUNK = 500  # rows per INSERT/UPDATE and codes per IN (...) lookup


@dataclass(frozen=True)
class SchoolRow:
    """One checked row of an import: a new school under ``parent``, or an update of ``school``.

    ``values`` holds only the editable school fields, already validated by OrgForm.
    """

    parent: Organization
    school: Organization | None
    values: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def do_import_schools(
    actor: Any,
    rows: Sequence[SchoolRow],
    *,
    batch: ImportBatch | None = None,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Create and update the schools of an import in one transaction: all rows or none.

    The rows were checked by the importer; the rules that protect the data are checked again
    here under row locks (capabilities, placement, codes), so a race ends in an error and a
    rollback, never in a half-written tree. A committed batch cannot be committed again.
    """
    if batch is not None:
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.committed_at is not None:
            raise Conflict(_("This file has already been imported."))
    if not rows:
        raise ActionError(_("The file has no schools to import."))
    codes = [row.values["code"] for row in rows]
    if len(set(codes)) != len(codes):
        raise ActionError(_("Each school code may appear only once in the file."), "code")

    parents = _lock_import_parents(actor, {row.parent.pk for row in rows})
    creates = [row for row in rows if row.school is None]
    updates = [row for row in rows if row.school is not None]
    new_codes = [row.values["code"] for row in creates]
    used = sorted(_existing_codes(new_codes))
    if used:
        raise ActionError(
            _("These codes are already used by other organisations: %(codes)s.")
            % {"codes": ", ".join(used[:20])},
            "code",
        )

    created = _create_schools(actor, parents, creates, request)
    changed = _update_schools(actor, parents, updates, request)
    result = ImportResult(
        created=len(created), updated=len(changed), unchanged=len(updates) - len(changed)
    )
    summary: dict[str, Any] = {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "parents": ", ".join(sorted(parent.code for parent in parents.values())),
    }
    if batch is not None:
        summary.update({"file": batch.original_name, "sha256": batch.sha256, "rows": len(rows)})
        batch.committed_at = timezone.now()
        batch.created, batch.updated = result.created, result.updated
        batch.save(update_fields=["committed_at", "created", "updated"])
    org = common_ancestor(list(parents.values()))
    record("org.import", actor=actor, org=org, obj=batch, request=request, changes=summary)
    return result


def common_ancestor(orgs: list[Organization]) -> Organization:
    """The deepest organisation above all of ``orgs`` (itself if there is one), so that the
    import's audit row is seen by whoever oversees every school it touched."""
    step = Organization.steplen
    paths = [org.path for org in orgs]
    prefix = ""
    for end in range(step, min(len(path) for path in paths) + 1, step):
        if len({path[:end] for path in paths}) > 1:
            break
        prefix = paths[0][:end]
    if len(orgs) == 1 or not prefix:
        return min(orgs, key=lambda org: org.path)
    return Organization.objects.get(path=prefix)


def _lock_import_parents(actor: Any, parent_ids: set[int]) -> dict[int, Organization]:
    # Locked in primary-key order so that two imports under the same parents cannot deadlock.
    parents = {
        org.pk: org
        for org in Organization.objects.select_for_update().filter(pk__in=parent_ids).order_by("pk")
    }
    for parent in parents.values():
        require(actor, Cap.ORG_IMPORT, parent)
        require(actor, Cap.ORG_MANAGE, parent)
        _check_placement(parent, Level.SCHOOL)
    if len(parents) != len(parent_ids):
        raise Conflict(_("An organisation in the file has been removed; check the file again."))
    return parents


def _existing_codes(codes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(codes), _CHUNK):
        found.update(
            Organization.objects.filter(code__in=codes[start : start + _CHUNK]).values_list(
                "code", flat=True
            )
        )
    return found


def _create_schools(
    actor: Any,
    parents: dict[int, Organization],
    rows: list[SchoolRow],
    request: HttpRequest | None,
) -> list[Organization]:
    by_parent: dict[int, list[Organization]] = {}
    for row in rows:
        values = {k: v for k, v in row.values.items() if k in SCHOOL_FIELDS}
        by_parent.setdefault(row.parent.pk, []).append(
            Organization(level=Level.SCHOOL, status=OrgStatus.ACTIVE, **values)
        )
    created: list[Organization] = []
    for parent_id, children in by_parent.items():
        created += bulk_add_children(parents[parent_id], children)
    Campus.objects.bulk_create(
        [Campus(school=org, name=org.name, address=org.address, is_main=True) for org in created],
        batch_size=_CHUNK,
    )
    paths = {parent.path: parent.code for parent in parents.values()}
    for org in created:
        record(
            "org.create",
            actor=actor,
            org=org,
            obj=org,
            request=request,
            changes={
                "level": Level.SCHOOL,
                "parent": paths[org.path[: -Organization.steplen]],
                "import": True,
                **snapshot(org, SCHOOL_FIELDS),
            },
        )
    return created


def _update_schools(
    actor: Any,
    parents: dict[int, Organization],
    rows: list[SchoolRow],
    request: HttpRequest | None,
) -> list[Organization]:
    if not rows:
        return []
    wanted = {row.school.pk: row for row in rows if row.school is not None}
    ids = sorted(wanted)
    schools: dict[int, Organization] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        locked = Organization.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        schools.update((org.pk, org) for org in locked)
    if len(schools) != len(wanted):
        raise Conflict(_("A school in the file has been removed; check the file again."))
    changed: list[Organization] = []
    for pk, row in wanted.items():
        school = schools[pk]
        parent = parents[row.parent.pk]
        if school.level != Level.SCHOOL or not school.path.startswith(parent.path):
            raise Conflict(_("A school in the file has moved; check the file again."))
        require(actor, Cap.ORG_MANAGE, school)
        before = snapshot(school, SCHOOL_FIELDS)
        for name, value in row.values.items():
            if name in SCHOOL_FIELDS:
                setattr(school, name, value)
        changes = diff(before, snapshot(school, SCHOOL_FIELDS))
        if not changes:
            continue
        # One UPDATE per changed school: cheaper than bulk_update's CASE per row and field.
        school.save(update_fields=[*changes, "updated_at"])
        changed.append(school)
        record(
            "org.update",
            actor=actor,
            org=school,
            obj=school,
            request=request,
            changes={**changes, "import": True},
        )
    return changed


@transaction.atomic
def do_bootstrap_city(
    *, name: str, code: str, admin_username: str, admin_name: str = ""
) -> tuple[Organization, Any, str]:
    """The first city and its administrator on an empty database (manage.py create_city).

    There is no actor yet: the audit rows name the command. Returns the city, the admin and
    the admin-issued password, which must be changed at the first login.
    """
    from safecampus.accounts.actions import generate_password
    from safecampus.accounts.models import User
    from safecampus.orgs.models import Membership
    from safecampus.orgs.roles import Role
    from safecampus.orgs.tree import add_root

    name, code, admin_username = name.strip(), code.strip(), admin_username.strip()
    if not name:
        raise ActionError(_("Give the city a name."), "name")
    if not code or not code.isascii() or not all(c.isalnum() or c in "-_" for c in code):
        raise ActionError(_("Use only letters, digits, - and _."), "code")
    _check_code_free(code)
    if User.objects.filter(username__iexact=admin_username).exists():
        raise ActionError(_("This username is already taken."), "username")
    city = add_root(level=Level.CITY, name=name, code=code)
    password = generate_password()
    admin = User(username=admin_username, display_name=admin_name, must_change_password=True)
    admin.set_password(password)
    admin.save()
    Membership.objects.create(user=admin, org=city, role=Role.CITY_ADMIN)
    label = "manage.py create_city"
    record(
        "org.create",
        org=city,
        obj=city,
        actor_label=label,
        changes={"level": Level.CITY, "name": name, "code": code},
    )
    record(
        "user.create",
        org=city,
        obj=admin,
        actor_label=label,
        changes={"username": admin_username, "role": Role.CITY_ADMIN},
    )
    return city, admin, password

"""Every change to the organisation tree. Atomic, capability-checked, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from safecampus.audit.log import diff, record, snapshot
from safecampus.lib.errors import ActionError
from safecampus.lib.scoping import require
from safecampus.orgs.choices import ALLOWED_CHILDREN, Level, OrgStatus
from safecampus.orgs.models import Campus, Organization
from safecampus.orgs.roles import Cap
from safecampus.orgs.tree import add_child, parent_of

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

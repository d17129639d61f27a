"""/api/v1/orgs: the organisation tree, schools and campuses. Thin: parse → queries/actions."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from safecampus.lib.api import error_responses, raise_for_filter, raise_for_form
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user
from safecampus.lib.pagination import PageParams, paginate
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs import actions
from safecampus.orgs.choices import Level, OrgStatus, SchoolKind
from safecampus.orgs.filters import OrgFilter
from safecampus.orgs.forms import CampusForm, OrgForm
from safecampus.orgs.models import Campus, Organization
from safecampus.orgs.queries import (
    get_org_for_user,
    school_counts_by_parent,
    visible_orgs,
    visible_parent_ids,
)
from safecampus.orgs.roles import Cap
from safecampus.orgs.schemas import (
    NEW_LEVELS,
    CampusIn,
    CampusOut,
    CampusPage,
    OrgCreateIn,
    OrgDetailOut,
    OrgListQuery,
    OrgPage,
    OrgPatchIn,
    OrgTreeOut,
)

router = Router(tags=["orgs"])

_OUT_FIELDS = [
    "level",
    "code",
    "name",
    "status",
    "address",
    "phone",
    "licensed",
    "principal_name",
    "safety_officer_name",
    "students",
    "staff",
    "boarding",
    "created_at",
    "updated_at",
]


def _org_out(org: Organization, parent_id: int | None) -> dict[str, Any]:
    return {
        "id": org.pk,
        "parent_id": parent_id,
        **{name: getattr(org, name) for name in _OUT_FIELDS},
        "school_kind": org.school_kind or None,
        "ownership": org.ownership or None,
    }


def _org_detail(user: Any, org: Organization) -> dict[str, Any]:
    return {
        **_org_out(org, visible_parent_ids(user, [org])[org.pk]),
        "children_count": org.numchild,
        "campuses": list(org.campuses.all()),
        "capabilities": sorted(scope_for(user).caps_at(org)),
    }


def _reject_fields_of_other_levels(sent: dict[str, Any], level: str) -> None:
    """School attributes sent for a bureau would be silently dropped: say so instead."""
    foreign = sorted(set(sent) - set(actions.editable_fields(level)))
    if foreign:
        message = _("This field does not apply to a %(level)s.") % {"level": Level(level).label}
        raise ActionError({name: [message] for name in foreign})


@router.get(
    "",
    response={200: OrgPage, **error_responses(403, 422)},
    summary="List organisations",
    description="Bureaus and schools you may see, filtered like the organisation list page.",
)
def list_orgs(
    request: HttpRequest, filters: Query[OrgListQuery], paging: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    if not scope_for(user).can_anywhere(Cap.ORG_VIEW):
        raise PermissionDenied(Cap.ORG_VIEW)
    filterset = OrgFilter(
        filters.model_dump(exclude_none=True), queryset=visible_orgs(user).order_by("path")
    )
    raise_for_filter(filterset)
    page = paginate(filterset.qs, paging)
    parents = visible_parent_ids(user, page.items)
    return page.as_dict([_org_out(org, parents[org.pk]) for org in page.items])


# What a tree node (or a school listed in it) shows, and the fields its counts need.
_TREE_FIELDS = ["path", "depth", "code", "name", "level", "status"]
_TREE_FIELDS += ["school_kind", "licensed", "students"]


def _own_counts(school: Organization) -> dict[str, int]:
    if school.status != OrgStatus.ACTIVE:
        return {"schools": 0, "kindergartens": 0, "unlicensed": 0, "students": 0}
    kindergarten = school.school_kind == SchoolKind.KINDERGARTEN
    return {
        "schools": 1,
        "kindergartens": int(kindergarten),
        "unlicensed": int(kindergarten and not school.licensed),
        "students": school.students,
    }


@router.get(
    "/tree",
    response={200: OrgTreeOut, **error_responses()},
    summary="Organisation tree with school counts",
    description=(
        "The bureaus (and towns) under each organisation you hold a role at, nested, with "
        "active-school counts per node. `include_schools=true` also lists the schools."
    ),
)
def org_tree(request: HttpRequest, include_schools: bool = False) -> dict[str, Any]:
    user = current_user(request)
    scope = scope_for(user)
    step = Organization.steplen
    # Bureaus, plus any school the user holds a role at directly (a principal's whole tree).
    nodes = list(
        visible_orgs(user)
        .filter(~Q(level=Level.SCHOOL) | Q(path__in=scope.root_paths))
        .order_by("path")
        .only(*_TREE_FIELDS)
    )
    direct = school_counts_by_parent(user)
    schools_under: dict[str, list[Organization]] = {}
    if include_schools:
        schools = visible_orgs(user).filter(level=Level.SCHOOL).order_by("path").only(*_TREE_FIELDS)
        for school in schools:
            schools_under.setdefault(school.path[:-step], []).append(school)

    zero = {"schools": 0, "kindergartens": 0, "unlicensed": 0, "students": 0}
    by_path: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for org in nodes:  # path order: a parent always comes before its children
        node: dict[str, Any] = {
            "id": org.pk,
            "code": org.code,
            "name": org.name,
            "level": org.level,
            "status": org.status,
            "counts": dict(direct.get(org.path, zero)),
            "children": [],
            "schools": schools_under.get(org.path, []) if include_schools else None,
        }
        if org.level == Level.SCHOOL:  # a school at the top of someone's scope counts itself
            node["counts"] = _own_counts(org)
        by_path[org.path] = node
        parent = by_path.get(org.path[:-step])
        (parent["children"] if parent else roots).append(node)
    # Roll the counts up, children first (reverse path order).
    for org in reversed(nodes):
        parent = by_path.get(org.path[:-step])
        if parent is not None:
            for key, value in by_path[org.path]["counts"].items():
                parent["counts"][key] += value
    return {"roots": roots}


@router.get(
    "/{int:org_id}",
    response={200: OrgDetailOut, **error_responses(404)},
    summary="One organisation",
)
def get_org(request: HttpRequest, org_id: int) -> dict[str, Any]:
    user = current_user(request)
    return _org_detail(user, get_org_for_user(user, org_id))


@router.post(
    "",
    response={201: OrgDetailOut, **error_responses(403, 404, 422)},
    summary="Create a school, county or town",
    description=(
        "Validated by the same rules as the page's form. A new school gets its main campus. "
        "Fields not listed in the schema are rejected with 422."
    ),
)
def create_org(request: HttpRequest, payload: OrgCreateIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    parent = get_org_for_user(user, payload.parent)
    require(user, Cap.ORG_MANAGE, parent)
    level = payload.level
    if level not in NEW_LEVELS:
        raise ActionError(
            _("Choose one of: %(levels)s.") % {"levels": ", ".join(NEW_LEVELS)}, "level"
        )
    sent = payload.model_dump(exclude_unset=True, exclude={"parent", "level"})
    _reject_fields_of_other_levels(sent, level)
    form = OrgForm(payload.model_dump(exclude={"parent", "level"}), level=level)
    raise_for_form(form)
    org = actions.do_create_org(user, parent, level, form.values(), request=request)
    return Status(201, _org_detail(user, org))


@router.patch(
    "/{int:org_id}",
    response={200: OrgDetailOut, **error_responses(403, 404, 422)},
    summary="Change an organisation",
    description="Only the fields sent are changed; the rest of the record is checked as is.",
)
def update_org(request: HttpRequest, org_id: int, payload: OrgPatchIn) -> dict[str, Any]:
    user = current_user(request)
    org = get_org_for_user(user, org_id)
    require(user, Cap.ORG_MANAGE, org)
    sent = payload.model_dump(exclude_unset=True)
    _reject_fields_of_other_levels(sent, org.level)
    data = {name: getattr(org, name) for name in actions.editable_fields(org.level)}
    data.update(sent)
    # The form writes the input into its instance while validating: give it a copy.
    form = OrgForm(data, instance=copy.copy(org), level=org.level)
    raise_for_form(form)
    changes = {name: form.cleaned_data[name] for name in sent}
    org = actions.do_update_org(user, org, changes, request=request)
    return _org_detail(user, org)


@router.get(
    "/{int:org_id}/campuses",
    response={200: CampusPage, **error_responses(404, 422)},
    summary="Campuses of a school",
)
def list_campuses(request: HttpRequest, org_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    org = get_org_for_user(current_user(request), org_id)
    return paginate(
        Campus.objects.filter(school=org).order_by("-is_main", "name"), paging
    ).as_dict()


@router.post(
    "/{int:org_id}/campuses",
    response={201: CampusOut, **error_responses(403, 404, 422)},
    summary="Add a campus to a school",
)
def add_campus(request: HttpRequest, org_id: int, payload: CampusIn) -> Status[Campus]:
    user = current_user(request)
    org = get_org_for_user(user, org_id)
    require(user, Cap.ORG_MANAGE, org)
    form = CampusForm(payload.model_dump())
    raise_for_form(form)
    campus = actions.do_add_campus(
        user, org, form.cleaned_data["name"], form.cleaned_data["address"], request=request
    )
    return Status(201, campus)

"""/api/v1/risks: registers (points, assessments, the hazards raised from a point, building
from the library), the library, grading rules and categories. Thin: parse → queries/actions →
schema; input is validated by the pages' forms where there is one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from safecampus.hazards.api_common import org_ref, user_ref
from safecampus.hazards.choices import OPEN_STATES
from safecampus.hazards.queries import visible_hazards
from safecampus.lib.api import error_responses, raise_for_filter, raise_for_form
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user
from safecampus.lib.pagination import PageParams, paginate
from safecampus.lib.scoping import path_and_ancestors, require, scope_for
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import get_org_for_user
from safecampus.orgs.roles import Cap
from safecampus.risks import actions
from safecampus.risks.choices import CONTROL_TIER, INSPECTION, REVIEW_DAYS, Level
from safecampus.risks.filters import LibraryFilter, RiskPointFilter
from safecampus.risks.forms import LibraryItemForm, PointForm
from safecampus.risks.models import GradingPolicy, LibraryItem, RiskAssessment, RiskCategory
from safecampus.risks.models import RiskPoint as Point
from safecampus.risks.queries import (
    areas_of,
    displayed_level,
    get_library_item_for_user,
    get_point_for_user,
    library_for,
    people_at,
    policy_for,
    visible_points,
)
from safecampus.risks.schemas import (
    AssessIn,
    AssessmentOut,
    BuildIn,
    BuildOut,
    CategoryOut,
    HazardRef,
    LibraryFilterQuery,
    LibraryItemIn,
    LibraryItemOut,
    LibraryPage,
    PointDetailOut,
    PointFilterQuery,
    PointIn,
    PointPage,
    PointPatchIn,
    PolicyIn,
    PolicyOut,
)

router = Router(tags=["risks"])


def _require_view(user: Any) -> None:
    if not scope_for(user).can_anywhere(Cap.RISK_VIEW):
        raise PermissionDenied(Cap.RISK_VIEW)


def _school(user: Any, pk: int, cap: str) -> Organization:
    """404 outside the scope, 403 without ``cap``, 422 if it is not a school."""
    school = get_org_for_user(user, pk)
    require(user, cap, school)
    if not school.is_school:
        raise ActionError(_("A risk register belongs to a school."), "school")
    return school


def _category_pk(value: int | str | None) -> Any:
    """A category given by code or id, as the form's choice field expects it (its pk)."""
    if isinstance(value, str) and not value.isdigit():
        found = RiskCategory.objects.filter(code=value).values_list("pk", flat=True).first()
        return found if found is not None else value
    return value


def _category_ref(category: RiskCategory) -> dict[str, Any]:
    return {"id": category.pk, "code": category.code, "name": str(category)}


def point_out(point: Point, today: Any) -> dict[str, Any]:
    """A register row: the fields visible_points() selects with it (no query per row)."""
    return {
        "id": point.pk,
        "school": org_ref(point.school),
        "category": _category_ref(point.category),
        "library_item": point.library_item_id,
        "hazard": point.hazard,
        "consequences": point.consequences,
        "area": {"id": point.area.pk, "name": point.area.name} if point.area else None,
        "location": point.location,
        "responsible_post": point.responsible_post,
        "responsible": user_ref(point.responsible),
        "control_measures": point.control_measures,
        "emergency_measures": point.emergency_measures,
        "frequency": point.frequency,
        "level": point.level,
        "previous_level": point.previous_level,
        "displayed_level": displayed_level(point),
        "has_open_major_hazard": bool(getattr(point, "has_open_major", False)),
        "rose": point.rose,
        "score": point.score,
        "assessed_on": point.assessed_on,
        "review_on": point.review_on,
        "review_overdue": bool(point.review_on and point.review_on < today),
        "active": point.active,
        "created_at": point.created_at,
        "updated_at": point.updated_at,
    }


def _point_detail(user: Any, pk: int) -> dict[str, Any]:
    point = get_point_for_user(user, pk)
    shown = displayed_level(point)
    return {
        **point_out(point, timezone.localdate()),
        "control_tier": str(CONTROL_TIER[Level(shown)]) if shown else "",
        "inspection": INSPECTION[Level(shown)].value if shown else "",
        "review_days": REVIEW_DAYS[Level(shown)] if shown else None,
        "open_hazards": point.hazards.filter(state__in=OPEN_STATES).count(),
    }


# --- registers --------------------------------------------------------------------------------


@router.get(
    "/points",
    response={200: PointPage, **error_responses(403, 422)},
    summary="List risk points (registers)",
    description=(
        "Risk points of the schools you may see, filtered like the register page (the same "
        "FilterSet as the page and its Excel export). `displayed_level` is red while an open "
        "major hazard raised from the point is open. Page-number pagination, at most 500 per "
        "page."
    ),
)
def list_points(
    request: HttpRequest, filters: Query[PointFilterQuery], paging: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    _require_view(user)
    data = {k: str(v) for k, v in filters.model_dump(exclude_none=True).items()}
    filterset = RiskPointFilter(data, queryset=visible_points(user))
    raise_for_filter(filterset)
    page = paginate(filterset.qs.order_by("org_path", "category__sort", "id"), paging)
    today = timezone.localdate()
    return page.as_dict([point_out(p, today) for p in page.items])


@router.post(
    "/points",
    response={201: PointDetailOut, **error_responses(403, 404, 422)},
    summary="Add a risk point",
    description="Validated by the same form as the page. The responsible person must hold a "
    "role at the school and the area must be one of its areas (422 otherwise).",
)
def create_point(request: HttpRequest, payload: PointIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    school = _school(user, payload.school, Cap.RISK_MANAGE)
    data = payload.model_dump(exclude={"school"})
    data["category"] = _category_pk(payload.category)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    form = PointForm(data, areas=areas_of(school), people=people_at(school))
    raise_for_form(form)
    point = actions.do_add_point(user, school, **form.values())
    return Status(201, _point_detail(user, point.pk))


@router.get(
    "/points/{int:point_id}",
    response={200: PointDetailOut, **error_responses(404)},
    summary="One risk point",
    description="With the control tier, inspection frequency and review interval its "
    "displayed level implies (docs/risks.md) and its count of open hazards.",
)
def get_point(request: HttpRequest, point_id: int) -> dict[str, Any]:
    return _point_detail(current_user(request), point_id)


@router.patch(
    "/points/{int:point_id}",
    response={200: PointDetailOut, **error_responses(403, 404, 422)},
    summary="Change a risk point",
    description="Only the fields sent change; they are checked like the edit page.",
)
def patch_point(request: HttpRequest, point_id: int, payload: PointPatchIn) -> dict[str, Any]:
    user = current_user(request)
    point = get_point_for_user(user, point_id)
    require(user, Cap.RISK_MANAGE, point.school)
    sent = payload.model_dump(exclude_unset=True)
    if "category" in sent:
        sent["category"] = _category_pk(sent["category"])
    current = {
        "category": point.category_id,
        "area": point.area_id or "",
        "responsible": point.responsible_id or "",
        **{
            name: getattr(point, name)
            for name in PointForm.FIELDS
            if name not in ("category", "area", "responsible")
        },
    }
    data = current | {k: ("" if v is None else v) for k, v in sent.items()}
    form = PointForm(data, areas=areas_of(point.school), people=people_at(point.school))
    raise_for_form(form)
    actions.do_update_point(user, point, **form.values(only=list(sent)))
    return _point_detail(user, point.pk)


def _assessment_out(a: RiskAssessment) -> dict[str, Any]:
    return {
        **{
            name: getattr(a, name)
            for name in (
                "method",
                "l",
                "e",
                "c",
                "s",
                "score",
                "scored_level",
                "direct_red_reason",
                "level",
                "reason",
                "note",
                "assessed_on",
                "created_at",
            )
        },
        "id": a.pk,
        "assessed_by": user_ref(a.assessed_by),
    }


@router.get(
    "/points/{int:point_id}/assessments",
    response={200: list[AssessmentOut], **error_responses(404)},
    summary="Assessment history of a risk point",
    description="Every assessment, newest first.",
)
def list_assessments(request: HttpRequest, point_id: int) -> list[dict[str, Any]]:
    point = get_point_for_user(current_user(request), point_id)
    return [_assessment_out(a) for a in point.assessments.select_related("assessed_by")]


@router.post(
    "/points/{int:point_id}/assessments",
    response={201: AssessmentOut, **error_responses(403, 404, 422)},
    summary="Assess a risk point",
    description=(
        "Graded with the method and thresholds of the school's bureau (LEC unless it chose "
        "L×S; GET /risks/policy). A factor outside the method's scale answers 422 with the "
        "allowed values; a `direct_red_reason` grades it red whatever the score."
    ),
)
def assess(request: HttpRequest, point_id: int, payload: AssessIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    point = get_point_for_user(user, point_id)
    require(user, Cap.RISK_MANAGE, point.school)
    today = timezone.localdate()
    assessed_on = payload.assessed_on or today
    if assessed_on > today:
        raise ActionError(_("The assessment date cannot be in the future."), "assessed_on")
    for name, limit in (("direct_red_reason", 200), ("note", 300)):
        if len(getattr(payload, name)) > limit:
            raise ActionError(_("At most %(max)s characters.") % {"max": limit}, name)
    assessment = actions.do_assess(
        user,
        point,
        l=payload.l,
        e=payload.e,
        c=payload.c,
        s=payload.s,
        reason=payload.reason,
        direct_red_reason=payload.direct_red_reason,
        note=payload.note,
        assessed_on=assessed_on,
    )
    return Status(201, _assessment_out(assessment))


@router.get(
    "/points/{int:point_id}/hazards",
    response={200: list[HazardRef], **error_responses(404)},
    summary="Hazards raised from a risk point",
    description="Open ones first. Report one with POST /hazards and `risk_point`.",
)
def point_hazards(request: HttpRequest, point_id: int) -> list[dict[str, Any]]:
    user = current_user(request)
    point = get_point_for_user(user, point_id)
    hazards = visible_hazards(user).filter(risk_point=point).order_by("-found_on", "-id")
    rows = [
        {
            "id": h.pk,
            "number": h.number,
            "title": h.title,
            "severity": h.severity,
            "state": h.state,
            "open": h.state in OPEN_STATES,
            "found_on": h.found_on,
        }
        for h in hazards
    ]
    return sorted(rows, key=lambda row: not row["open"])


@router.post(
    "/build",
    response={200: BuildOut, **error_responses(403, 404, 422)},
    summary="Build a register from the library",
    description=(
        "Adds every current library entry for the school's kind (in the given categories, or "
        "all) that is not in its register yet: a second call adds 0."
    ),
)
def build(request: HttpRequest, payload: BuildIn) -> dict[str, Any]:
    user = current_user(request)
    school = _school(user, payload.school, Cap.RISK_MANAGE)
    categories = None
    if payload.categories is not None:
        categories = list(RiskCategory.objects.filter(code__in=payload.categories))
        unknown = sorted(set(payload.categories) - {c.code for c in categories})
        if unknown or not categories:
            raise ActionError(
                _("Unknown categories: %(codes)s.") % {"codes": ", ".join(unknown) or "-"},
                "categories",
            )
    return {"added": actions.do_build_register(user, school, categories=categories)}


# --- library, grading rules, categories ---------------------------------------------------------


def _library_out(item: LibraryItem) -> dict[str, Any]:
    return {
        **{
            name: getattr(item, name)
            for name in ("code", "version", "is_current", *actions.LIBRARY_FIELDS, "created_at")
            if name != "category"  # a reference, below
        },
        "id": item.pk,
        "owner": org_ref(item.owner),
        "category": _category_ref(item.category),
    }


def _org_or_top(user: Any, pk: int | None) -> Organization:
    if pk is not None:
        org = get_org_for_user(user, pk)
    else:
        roots = scope_for(user).root_paths
        found = Organization.objects.filter(path=roots[0]).first() if roots else None
        if found is None:
            raise PermissionDenied(Cap.RISK_VIEW)
        org = found
    require(user, Cap.RISK_VIEW, org)
    return org


@router.get(
    "/library",
    response={200: LibraryPage, **error_responses(403, 404, 422)},
    summary="The risk library",
    description="The current entries an organisation may use: the standard library and the "
    "own entries of each bureau at or above it.",
)
def list_library(
    request: HttpRequest, filters: Query[LibraryFilterQuery], paging: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    org = _org_or_top(user, filters.org)
    data = {k: str(v) for k, v in filters.model_dump(exclude_none=True, exclude={"org"}).items()}
    filterset = LibraryFilter(data, queryset=library_for(org))
    raise_for_filter(filterset)
    page = paginate(filterset.qs, paging)
    return page.as_dict([_library_out(item) for item in page.items])


def _library_form(payload: LibraryItemIn) -> LibraryItemForm:
    data: dict[str, Any] = payload.model_dump(exclude={"org", "school_kinds"})
    data["category"] = _category_pk(payload.category)
    form = LibraryItemForm({**data, "school_kinds": payload.school_kinds})
    raise_for_form(form)
    return form


@router.post(
    "/library",
    response={201: LibraryItemOut, **error_responses(403, 404, 422)},
    summary="Add a bureau's own library entry",
)
def create_library_item(request: HttpRequest, payload: LibraryItemIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    if payload.org is None:
        raise ActionError(_("This field is required."), "org")
    bureau = get_org_for_user(user, payload.org)
    require(user, Cap.RISK_LIBRARY, bureau)
    form = _library_form(payload)
    item = actions.do_save_library_item(user, bureau, **form.values())
    return Status(201, _library_out(item))


@router.put(
    "/library/{int:item_id}",
    response={200: LibraryItemOut, **error_responses(403, 404, 409, 422)},
    summary="Edit a bureau's own library entry",
    description="Writes a new version (the answer) and keeps the old one for the registers "
    "built from it. Only the current version of an entry of your bureau can be edited.",
)
def update_library_item(
    request: HttpRequest, item_id: int, payload: LibraryItemIn
) -> dict[str, Any]:
    user = current_user(request)
    item = get_library_item_for_user(user, item_id)
    if item.owner is None:
        raise PermissionDenied(Cap.RISK_LIBRARY)
    require(user, Cap.RISK_LIBRARY, item.owner)
    form = _library_form(payload)
    new = actions.do_save_library_item(user, item.owner, item=item, **form.values())
    return _library_out(LibraryItem.objects.select_related("category", "owner").get(pk=new.pk))


def _policy_out(org: Organization) -> dict[str, Any]:
    policy = policy_for(org)
    source = (
        GradingPolicy.objects.filter(org__path__in=path_and_ancestors(org.path))
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )
    return {
        "org": org_ref(org),
        "method": policy.method,
        "red": policy.red,
        "orange": policy.orange,
        "yellow": policy.yellow,
        "source": org_ref(source.org) if source else None,
    }


@router.get(
    "/policy",
    response={200: PolicyOut, **error_responses(403, 404)},
    summary="Grading rules that apply to an organisation",
    description="The method and thresholds of the nearest bureau at or above `org` that set "
    "its own, else the defaults (LEC: 320/160/70).",
)
def get_policy(request: HttpRequest, org: int | None = None) -> dict[str, Any]:
    user = current_user(request)
    return _policy_out(_org_or_top(user, org))


@router.put(
    "/policy",
    response={200: PolicyOut, **error_responses(403, 404, 422)},
    summary="Set a bureau's grading rules",
    description="Thresholds must increase (yellow < orange < red) and lie below the highest "
    "possible score of the method (LEC 10000, L×S 25); otherwise 422 and nothing changes.",
)
def put_policy(request: HttpRequest, payload: PolicyIn) -> dict[str, Any]:
    user = current_user(request)
    bureau = get_org_for_user(user, payload.org)
    require(user, Cap.RISK_LIBRARY, bureau)
    actions.do_set_policy(
        user,
        bureau,
        method=payload.method,
        red=payload.red,
        orange=payload.orange,
        yellow=payload.yellow,
    )
    return _policy_out(bureau)


@router.get(
    "/categories",
    response={200: list[CategoryOut], **error_responses()},
    summary="Risk categories",
    description="The library's categories (DOMAIN.md §3.1).",
)
def list_categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "code": c.code,
            "name": str(c),
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "active": c.active,
        }
        for c in RiskCategory.objects.all()
    ]

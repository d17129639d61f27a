"""/api/v1/hazards: the ledger (keyset pages), statistics, categories, reporting and one hazard.
The lifecycle, photos, plan and revisits are in api_lifecycle.py. Thin: parse → queries/actions
→ schema."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from safecampus.analytics.hazards import hazard_stats
from safecampus.hazards import actions
from safecampus.hazards.api_common import choose, hazard_detail, hazard_out, org_ref
from safecampus.hazards.api_lifecycle import router as lifecycle_router
from safecampus.hazards.choices import PhotoKind
from safecampus.hazards.filters import HazardFilter
from safecampus.hazards.forms import ReportForm
from safecampus.hazards.listing import (
    DEFAULT_SORT,
    decode_cursor,
    keyset_page,
    precounted_area,
)
from safecampus.hazards.models import Hazard, HazardCategory
from safecampus.hazards.queries import ledger
from safecampus.hazards.schemas import (
    CategoryOut,
    HazardCreateIn,
    HazardDetailOut,
    HazardFilterQuery,
    HazardPage,
    HazardStatsOut,
    KeysetParams,
)
from safecampus.lib.api import error_responses, raise_for_filter, raise_for_form
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user
from safecampus.lib.scoping import scope_for
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import get_org_for_user, visible_orgs
from safecampus.orgs.roles import Cap

router = Router(tags=["hazards"])


def _filterset(user: Any, filters: HazardFilterQuery) -> HazardFilter:
    data = filters.model_dump(exclude_none=True)
    filterset = HazardFilter(data, queryset=ledger(user))
    raise_for_filter(filterset)
    return filterset


def _require_hazard_view(user: Any) -> None:
    if not scope_for(user).can_anywhere(Cap.HAZARD_VIEW):
        raise PermissionDenied(Cap.HAZARD_VIEW)


# --- the ledger -----------------------------------------------------------------------------


@router.get(
    "",
    response={200: HazardPage, **error_responses(403, 422)},
    summary="List hazards (the ledger)",
    description=(
        "Hazards you may see, filtered like the ledger page (the same FilterSet as the page, "
        "the Excel export and the statistics), newest found first. Keyset pagination: pass the "
        "answer's `next` as `after` for the next page; `next` is null on the last page."
    ),
)
def list_hazards(
    request: HttpRequest, filters: Query[HazardFilterQuery], paging: Query[KeysetParams]
) -> dict[str, Any]:
    user = current_user(request)
    _require_hazard_view(user)
    qs = _filterset(user, filters).qs
    # The page's keyset (newest found first): the API refuses a cursor it did not write.
    if paging.after and decode_cursor(paging.after) is None:
        raise ActionError(_("This cursor is not valid; start again from the first page."), "after")
    rows, after = keyset_page(qs, DEFAULT_SORT, paging.after, paging.limit)
    return {"items": [hazard_out(h) for h in rows], "next": after}


@router.get(
    "/categories",
    response={200: list[CategoryOut], **error_responses()},
    summary="Hazard categories",
    description="The managed category list (DOMAIN.md §3.1); inactive ones are kept for history.",
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
        for c in HazardCategory.objects.all()
    ]


def _stats_root(user: Any, filterset: HazardFilter) -> Organization | None:
    """What ``by_org`` breaks down: the `org` filter, else the one top organisation of the
    caller's hazard scope (none when the caller holds roles in several separate places)."""
    chosen = filterset.form.cleaned_data.get("org")
    if chosen is not None:
        return visible_orgs(user).filter(pk=int(chosen)).first()
    paths = scope_for(user).paths_with(Cap.HAZARD_VIEW)
    tops = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
    return Organization.objects.filter(path=tops[0]).first() if len(tops) == 1 else None


@router.get(
    "/stats",
    response={200: HazardStatsOut, **error_responses(403, 422)},
    summary="Hazard statistics",
    description=(
        "Found, closed, in rectification, overdue, rectification and on-time rates, by "
        "category, severity, source, state and child organisation, for the hazards the same "
        "filters select in the ledger (period: `found_from`/`found_to`). Definitions: "
        "docs/hazards.md, section Statistics."
    ),
)
def stats(request: HttpRequest, filters: Query[HazardFilterQuery]) -> dict[str, Any]:
    user = current_user(request)
    _require_hazard_view(user)
    filterset = _filterset(user, filters)
    root = _stats_root(user, filterset)
    area = precounted_area(filterset, user, root)
    result = hazard_stats(filterset.qs, today=timezone.localdate(), root=root, precounted=area)
    result["root"] = org_ref(root)
    result["by_category"] = [
        {k: v for k, v in row.items() if k != "category"} for row in result["by_category"]
    ]
    result["by_org"] = [{**row, "org": org_ref(row["org"])} for row in result["by_org"]]
    return result


# --- report ---------------------------------------------------------------------------------


def _category_pk(value: int | str) -> Any:
    """A category given by code or id, as the form's choice field expects it (its pk)."""
    if isinstance(value, str) and not value.isdigit():
        found = HazardCategory.objects.filter(code=value).values_list("pk", flat=True).first()
        return found if found is not None else value
    return value


def _decoded_photos(payload: HazardCreateIn) -> MultiValueDict[str, Any]:
    files: MultiValueDict[str, Any] = MultiValueDict()
    for index, photo in enumerate(payload.photos):
        kind = choose(photo.kind, PhotoKind.values, f"photos.{index}.kind")
        try:
            content = base64.b64decode(photo.data, validate=True)
        except (binascii.Error, ValueError):
            raise ActionError(_("Send the photo as base64."), f"photos_{kind}") from None
        upload = SimpleUploadedFile(f"{kind}-{index}.jpg", content, "application/octet-stream")
        files.appendlist(f"photos_{kind}", upload)
    return files


@router.post(
    "",
    response={201: HazardDetailOut, 200: HazardDetailOut, **error_responses(403, 404, 409, 422)},
    summary="Report a hazard",
    description=(
        "Validated by the same form as the report page. Answers 201 with the new hazard; a "
        "retry with the same `client_id` answers 200 with the hazard created the first time "
        "(409 if that id was used for somebody else's report). A hazard fixed on the spot "
        "(`rectification_type: immediate`) needs a before and an after photo in `photos`."
    ),
)
def create_hazard(request: HttpRequest, payload: HazardCreateIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    school = get_org_for_user(user, payload.school)
    data = payload.model_dump(mode="json", exclude={"photos", "client_id"})
    data["category"] = _category_pk(payload.category)
    # The form checks the school is an open school; whether the caller may report there is
    # the action's check (403), after the 404 for schools outside the caller's area.
    schools = Organization.objects.filter(pk=school.pk, level=Level.SCHOOL, status=OrgStatus.ACTIVE)
    form = ReportForm(data, _decoded_photos(payload), schools=schools)
    raise_for_form(form)

    def report() -> tuple[Hazard, bool]:
        return actions.do_report_hazard(
            user,
            school,
            form.values(),
            photos=form.photos(),
            client_id=payload.client_id,
            request=request,
        )

    try:
        hazard, created = report()
    except IntegrityError:
        if payload.client_id is None:
            raise
        # Two copies of the same retry raced: the other one won; answer with its hazard.
        hazard, created = report()
    return Status(201 if created else 200, hazard_detail(user, hazard.pk))


@router.get(
    "/{int:hazard_id}",
    response={200: HazardDetailOut, **error_responses(404)},
    summary="One hazard",
    description="With its timeline, photos (links to the permission-checked photo view), "
    "rectification plan and revisits.",
)
def get_hazard(request: HttpRequest, hazard_id: int) -> dict[str, Any]:
    return hazard_detail(current_user(request), hazard_id)


# The lifecycle, photos, plan and revisits (api_lifecycle.py) under the same /hazards prefix.
router.add_router("", lifecycle_router)

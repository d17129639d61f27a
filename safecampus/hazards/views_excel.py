"""Excel pages of the hazard ledger: export exactly the ledger's rows; import a paper ledger
(template, dry run, commit). Thin: ``importer`` checks rows, ``actions_import`` writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safecampus.audit.log import record
from safecampus.hazards import import_files, importer
from safecampus.hazards.actions_import import IMPORTABLE_STATES, do_import_hazards
from safecampus.hazards.choices import Severity, Source, State
from safecampus.hazards.export import EXPORT_HEADER, export_queryset, export_rows
from safecampus.hazards.importer import ImportPlan
from safecampus.hazards.ledger_file import COLUMNS, choice_names
from safecampus.hazards.models import HazardCategory
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.http import current_user
from safecampus.lib.scoping import Scope, scope_for
from safecampus.lib.xlsx import Sheet, XlsxError, xlsx_response
from safecampus.orgs.active import active_org
from safecampus.orgs.models import ImportBatch, Organization
from safecampus.orgs.roles import Cap

logger = logging.getLogger(__name__)

HELP_LIST_LIMIT = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


def _require_anywhere(request: HttpRequest, cap: str) -> Scope:
    scope = scope_for(request.user)
    if not scope.can_anywhere(cap):
        raise PermissionDenied(cap)
    return scope


# --- export ----------------------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    """The ledger as .xlsx: exactly the ledger's filters and order, written row by row."""
    scope = _require_anywhere(request, Cap.HAZARD_EXPORT)
    filterset, queryset = export_queryset(request, scope)
    counter = [0]
    response = xlsx_response(
        [
            Sheet(
                title="隐患台账 Hazards",
                header=[f"{zh} / {en}" for zh, en, _width in EXPORT_HEADER],
                rows=export_rows(queryset, scope, counter),
                widths=[width for _zh, _en, width in EXPORT_HEADER],
            )
        ],
        filename=f"hazards-{timezone.localdate():%Y-%m-%d}.xlsx",
    )
    filters = {
        key: values if len(values) > 1 else values[0]
        for key, values in sorted(filterset.data.lists())
        if key not in ("after", "page")
    }
    record(
        "hazard.export",
        actor=request.user,
        org=active_org(request),
        request=request,
        changes={"filters": filters, "rows": counter[0]},
    )
    return response


# --- import: template ------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    """The empty ledger (header only, so no example can be imported by mistake) and a help
    sheet: what to write in each column, an example row, the values and the schools."""
    _require_anywhere(request, Cap.HAZARD_IMPORT)
    schools = importer.import_schools(request.user, HELP_LIST_LIMIT)
    return xlsx_response(
        [
            Sheet(
                title="隐患台账 Hazards",
                header=[c.header for c in COLUMNS],
                rows=[],
                widths=[14, 16, 12, 14, 28, 36, 18, 14, 14, 18, 14, 30, 14],
            ),
            Sheet(
                title="说明 Help",
                header=[_("Column"), _("Required"), _("What to write")],
                rows=_help_rows(schools),
                widths=[30, 22, 80],
            ),
        ],
        filename="hazard-ledger-template.xlsx",
    )


def _help_rows(schools: list[Organization]) -> Iterator[list[Any]]:
    notes = {
        "school": _("The code of the school (see the list below)."),
        "category": _("A category below, by code or by its Chinese or English name."),
        "severity": _("General (一般) or major (重大). Blank: general."),
        "source": _("A source below, in Chinese or English. Blank: other."),
        "title": _("What the hazard is, in a few words (at most 120 characters)."),
        "location": _("Where on the campus (at most 120 characters)."),
        "found_on": _("The date it was found: an Excel date, 2026-03-02 or 2026/3/2."),
        "state": _("A state below, in Chinese or English."),
        "responsible": _(
            "The SafeCampus user name of the person responsible for the fix; they must hold a "
            "role at the school or a bureau above it. Needed when assigned, rectifying or "
            "awaiting verification."
        ),
        "deadline": _(
            "The date the fix is due; not before the date found. Needed when assigned, "
            "rectifying or awaiting verification."
        ),
        "rectification_note": _("What was done to fix it."),
        "closed_on": _(
            "The date it was closed (销号); needed for closed hazards and only for them. You are "
            "recorded as the verifier of closed hazards."
        ),
    }
    for column in COLUMNS:
        yield [column.header, _("Required") if column.required else "", notes.get(column.key, "")]
    yield []
    yield [
        _(
            "Nothing is saved until every row is correct. A row already imported (same school, "
            "title, date found and location) is skipped, so a file can be imported again."
        )
    ]
    yield []
    yield [_("Example row")]
    yield [c.header for c in COLUMNS]
    example_school = schools[0].code if schools else "S0001"
    yield [
        example_school,
        "消防安全",
        "一般",
        "学校自查",
        "灭火器过期",
        "教学楼二楼走廊两具灭火器已过期",
        "教学楼二楼",
        "2026-03-02",
        "已销号",
        "",
        "2026-03-09",
        "已更换灭火器",
        "2026-03-06",
    ]
    yield []
    yield [_("Categories"), "中文", "English"]
    for category in HazardCategory.objects.filter(active=True):
        yield [category.code, category.name_zh, category.name_en]
    for title, choices in (
        (_("Severity"), Severity),
        (_("Source"), Source),
        (_("State"), State),
    ):
        yield []
        yield [title, "中文", "English"]
        for value, chinese, english in choice_names(choices):
            if choices is not State or value in IMPORTABLE_STATES:
                yield [value, chinese, english]
    yield []
    yield [_("Schools where you may import hazards"), _("Name")]
    for school in schools:
        yield [school.code, school.name]


# --- import: upload, dry run, commit -----------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a paper ledger and see the dry run: every row new / already imported / error."""
    _require_anywhere(request, Cap.HAZARD_IMPORT)
    user = current_user(request)
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        plan = importer.plan_import(user, upload)
    except XlsxError as exc:
        form.add_error("file", exc.message)
        return _upload_page(request, form, status=400)
    if not plan.has_new:
        return _preview(request, plan, None, upload.name, status=200 if plan.ok else 422)
    batch = import_files.stage_batch(user, upload, plan)
    return _preview(request, plan, batch, batch.original_name)


def _stored_plan(request: HttpRequest, pk: int) -> tuple[ImportBatch, ImportPlan] | HttpResponse:
    """The user's staged ledger checked again, or the page to show instead."""
    _require_anywhere(request, Cap.HAZARD_IMPORT)
    batch = import_files.get_batch_for_user(request.user, pk)
    if batch.is_committed:
        return _already_imported(request, batch)
    try:
        return batch, import_files.plan_batch(request.user, batch)
    except XlsxError as exc:
        return _upload_page(request, UploadForm(), status=400, problem=exc.message)


@login_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    checked = _stored_plan(request, pk)
    if isinstance(checked, HttpResponse):
        return checked
    batch, plan = checked
    return _preview(request, plan, batch, batch.original_name, status=200 if plan.ok else 422)


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Check the stored file again and add every new row in one transaction, or none."""
    checked = _stored_plan(request, pk)
    if isinstance(checked, HttpResponse):
        return checked
    batch, plan = checked
    if not plan.ok:
        # The data changed since the dry run (e.g. a person lost their role): write nothing.
        return _preview(request, plan, None, batch.original_name, status=422)
    try:
        do_import_hazards(request.user, plan.hazard_rows(), batch=batch, request=request)
    except Conflict as exc:
        if ImportBatch.objects.filter(pk=batch.pk, committed_at__isnull=False).exists():
            return _already_imported(request, batch)
        return _preview(request, plan, None, batch.original_name, status=409, problem=str(exc))
    except ActionError as exc:
        return _preview(request, plan, None, batch.original_name, status=422, problem=str(exc))
    except DatabaseError:
        logger.exception("hazard import %s failed", batch.pk)
        return _preview(
            request,
            plan,
            batch,
            batch.original_name,
            status=500,
            problem=_("The import failed and nothing was saved. Try again in a moment."),
        )
    return redirect("hazards:import_done", pk=batch.pk)


@login_required
@require_GET
def import_done(request: HttpRequest, pk: int) -> HttpResponse:
    _require_anywhere(request, Cap.HAZARD_IMPORT)
    batch = import_files.get_batch_for_user(request.user, pk)
    if not batch.is_committed:
        return redirect("hazards:import_preview", pk=batch.pk)
    return render(
        request,
        "hazards/import_done.html",
        {"batch": batch, "skipped": batch.rows - batch.created},
    )


def _preview(
    request: HttpRequest,
    plan: ImportPlan,
    batch: ImportBatch | None,
    filename: str | None,
    *,
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    return render(
        request,
        "hazards/import_preview.html",
        {
            "plan": plan,
            "batch": batch if plan.has_new else None,
            "filename": filename or "",
            "problem": problem,
        },
        status=status,
    )


def _already_imported(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    context = {"batch": batch, "skipped": batch.rows - batch.created, "again": True}
    return render(request, "hazards/import_done.html", context, status=409)


def _upload_page(
    request: HttpRequest, form: UploadForm, status: int = 200, problem: str = ""
) -> HttpResponse:
    context = {"form": form, "max_rows": settings.IMPORT_MAX_ROWS, "problem": problem}
    return render(request, "hazards/import.html", context, status=status)

"""Excel pages of the hazard ledger: export exactly the ledger's rows; import a paper ledger
(template, dry run, commit). Thin: ``importer`` checks rows, ``actions_import`` writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safecampus.audit.log import record
from safecampus.hazards import importer
from safecampus.hazards.actions_import import IMPORTABLE_STATES, do_import_hazards
from safecampus.hazards.choices import Severity, Source, State
from safecampus.hazards.export import EXPORT_HEADER, export_queryset, export_rows
from safecampus.hazards.importer import ImportPlan
from safecampus.hazards.ledger_file import COLUMNS, LAYOUT
from safecampus.hazards.models import HazardCategory
from safecampus.lib.http import require_anywhere
from safecampus.lib.import_pages import ImportPages
from safecampus.lib.xlsx import Sheet, xlsx_response
from safecampus.orgs.active import active_org
from safecampus.orgs.models import ImportBatch, Organization
from safecampus.orgs.roles import Cap

logger = logging.getLogger(__name__)

HELP_LIST_LIMIT = 500


# --- export ----------------------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    """The ledger as .xlsx: exactly the ledger's filters and order, written row by row."""
    scope = require_anywhere(request, Cap.HAZARD_EXPORT)
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
    require_anywhere(request, Cap.HAZARD_IMPORT)
    schools = importer.import_schools(request.user, HELP_LIST_LIMIT)
    widths = [14, 16, 12, 14, 28, 36, 18, 14, 14, 18, 14, 30, 14]
    return xlsx_response(
        [
            LAYOUT.sheet("隐患台账 Hazards", [], widths),
            LAYOUT.help_sheet(_help_rows(schools), [30, 22, 80]),
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
    yield from LAYOUT.help_rows(notes)
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
        for value, chinese, english in LAYOUT.choice_names(choices):
            if choices is not State or value in IMPORTABLE_STATES:
                yield [value, chinese, english]
    yield []
    yield [_("Schools where you may import hazards"), _("Name")]
    for school in schools:
        yield [school.code, school.name]


# --- import: upload, dry run, commit -----------------------------------------------------------


def _done_context(batch: ImportBatch) -> dict[str, Any]:
    return {"batch": batch, "skipped": batch.rows - batch.created}


def _write_ledger(request: HttpRequest, batch: ImportBatch, plan: ImportPlan) -> HttpResponse:
    """The commit of a clean ledger: every new row in one transaction."""
    do_import_hazards(request.user, plan.hazard_rows(), batch=batch, request=request)
    return redirect("hazards:import_done", pk=batch.pk)


# Upload a paper ledger and see the dry run (every row new / already imported / error), see it
# again, commit it (the stored file is checked again first; nothing is written if a row fails).
PAGES = ImportPages(
    cap=Cap.HAZARD_IMPORT,
    uploads=importer.uploads,
    app="hazards",
    write=_write_ledger,
    logger=logger,
    failure_log="hazard import %s failed",
    already_imported=lambda batch: {**_done_context(batch), "again": True},
)
import_upload, import_preview, import_commit = PAGES.views()


@login_required
@require_GET
def import_done(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request, Cap.HAZARD_IMPORT)
    batch = importer.uploads.get_for_user(request.user, pk)
    if not batch.is_committed:
        return redirect("hazards:import_preview", pk=batch.pk)
    return render(request, "hazards/import_done.html", _done_context(batch))

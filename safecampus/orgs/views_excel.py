"""Excel pages for organisations: export the filtered list; import schools (template, dry run,
commit). Thin: the importer checks rows, ``actions.do_import_schools`` writes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safecampus.audit.log import record
from safecampus.lib.http import require_anywhere
from safecampus.lib.import_pages import ImportPages
from safecampus.lib.scoping import Scope, scope_for
from safecampus.lib.xlsx import Sheet, xlsx_response
from safecampus.orgs import actions, importer
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import ALLOWED_CHILDREN, Level, Ownership, SchoolKind
from safecampus.orgs.importer import COLUMNS, LAYOUT, ImportPlan
from safecampus.orgs.models import ImportBatch, Organization
from safecampus.orgs.queries import parent_choices
from safecampus.orgs.roles import Cap
from safecampus.orgs.views import org_filter

logger = logging.getLogger(__name__)

EXPORT_CHUNK = 2000
HELP_LIST_LIMIT = 500


# --- export ----------------------------------------------------------------------------------


@login_required
@require_GET
def org_export(request: HttpRequest) -> FileResponse:
    """The organisation list as .xlsx: exactly the list's filters, streamed row by row."""
    scope = require_anywhere(request, Cap.ORG_EXPORT)
    filterset = org_filter(request)
    parent_path = Substr(OuterRef("path"), 1, (OuterRef("depth") - 1) * Organization.steplen)
    queryset = (
        filterset.qs.filter(scope.q_with(Cap.ORG_EXPORT))
        .annotate(
            parent_code=Subquery(Organization.objects.filter(path=parent_path).values("code")[:1])
        )
        .order_by("path")
    )
    counter = [0]
    header = [*(c.export_header for c in COLUMNS), "层级 / Level", "状态 / Status"]
    response = xlsx_response(
        [
            Sheet(
                title="Organisations",
                header=header,
                rows=_export_rows(queryset, scope, counter),
                widths=[14, 16, 30, 18, 10, 8, 30, 12, 12, 16, 10, 10, 8, 16, 8],
            )
        ],
        filename=f"organisations-{timezone.localdate():%Y-%m-%d}.xlsx",
    )
    filters = {key: filterset.data.get(key) for key in sorted(filterset.data) if key != "page"}
    record(
        "org.export",
        actor=request.user,
        org=active_org(request),
        request=request,
        changes={"filters": filters, "rows": counter[0]},
    )
    return response


def _export_rows(
    queryset: QuerySet[Organization], scope: Scope, counter: list[int]
) -> Iterator[list[Any]]:
    yes, no = _("Yes"), _("No")
    # The parent of a top-most org in the person's scope lies outside it: not shown.
    roots = set(scope.root_paths)
    for org in queryset.iterator(chunk_size=EXPORT_CHUNK):
        counter[0] += 1
        school = org.is_school
        parent_code = "" if org.path in roots else (getattr(org, "parent_code", "") or "")
        yield [
            parent_code,
            org.code,
            org.name,
            org.get_school_kind_display() if school else "",
            org.get_ownership_display() if school else "",
            (yes if org.licensed else no) if school else "",
            org.address,
            org.principal_name,
            org.safety_officer_name,
            org.phone,
            org.students if school else None,
            org.staff if school else None,
            (yes if org.boarding else no) if school else "",
            org.get_level_display(),
            org.get_status_display(),
        ]


# --- import: template ------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    """The empty school list with one example row and a sheet explaining the values."""
    require_anywhere(request, Cap.ORG_IMPORT)
    parents = _import_parents(request)
    example_parent = parents[0].code if parents else "CODE"
    example = [
        example_parent,
        "S0001",
        "示例小学",
        "小学",
        "公办",
        "是",
        "示例路1号",
        "张三",
        "李四",
        "0571-12345678",
        600,
        45,
        "否",
    ]
    widths = [18, 16, 30, 20, 14, 14, 30, 12, 16, 16, 12, 14, 14]
    return xlsx_response(
        [
            LAYOUT.sheet("学校 Schools", [example], widths),
            LAYOUT.help_sheet(_help_rows(parents), [26, 22, 70]),
        ],
        filename="school-import-template.xlsx",
    )


def _import_parents(request: HttpRequest) -> list[Organization]:
    scope = scope_for(request.user)
    return [
        org
        for org in parent_choices(request.user, Cap.ORG_IMPORT)[:HELP_LIST_LIMIT]
        if Level.SCHOOL in ALLOWED_CHILDREN[org.level] and scope.can(Cap.ORG_MANAGE, org)
    ]


def _help_rows(parents: list[Organization]) -> Iterator[list[Any]]:
    yes, no = _("Yes"), _("No")
    notes = {
        "parent": _("Code of the city, county or town the school belongs to (see below)."),
        "code": _(
            "Unique; letters, digits, - and _. A code of a school already in your area "
            "updates that school."
        ),
        "name": _("Full name of the school."),
        "school_kind": _("One of the school kinds below, in Chinese or English."),
        "ownership": _("Public (公办) or private (民办)."),
        "licensed": _("Yes or no; only kindergartens may be unlicensed (无证). Blank: yes."),
        "students": _("A whole number. Blank: 0."),
        "staff": _("A whole number. Blank: 0."),
        "boarding": _("Yes or no. Blank: no."),
    }
    yield from LAYOUT.help_rows(notes)
    yield []
    yield [
        _(
            "A blank cell keeps the current value of a school being updated, and takes the "
            "default for a new school. Nothing is saved until every row is correct."
        )
    ]
    yield []
    yield [_("School kinds"), "中文", "English"]
    for value, chinese, english in LAYOUT.choice_names(SchoolKind):
        yield [value, chinese, english]
    yield []
    yield [_("Ownership"), "中文", "English"]
    for value, chinese, english in LAYOUT.choice_names(Ownership):
        yield [value, chinese, english]
    yield []
    yield [_("Yes / no"), "中文", "English"]
    yield [yes, " / ".join(v for v in importer.YES if not v.isascii()), "yes / true / 1"]
    yield [no, " / ".join(v for v in importer.NO if not v.isascii()), "no / false / 0"]
    yield []
    yield [_("Parent org codes you may import under"), _("Name"), _("Level")]
    for org in parents:
        yield [org.code, org.name, org.get_level_display()]


# --- import: upload, dry run, commit -----------------------------------------------------------


def _write_schools(request: HttpRequest, batch: ImportBatch, plan: ImportPlan) -> HttpResponse:
    """The commit of a clean school list: every row in one transaction."""
    result = actions.do_import_schools(
        request.user, plan.school_rows(), batch=batch, request=request
    )
    messages.success(
        request,
        _("Import finished: %(created)s new schools, %(updated)s updated, %(same)s unchanged.")
        % {"created": result.created, "updated": result.updated, "same": result.unchanged},
    )
    return redirect("orgs:list")


# Upload a school list and see the dry run (every row new / update / error), see it again,
# commit it (the stored file is checked again first; nothing is written if a row fails).
PAGES = ImportPages(
    cap=Cap.ORG_IMPORT,
    uploads=importer.uploads,
    app="orgs",
    write=_write_schools,
    logger=logger,
    failure_log="school import %s failed",
)
import_upload, import_preview, import_commit = PAGES.views()

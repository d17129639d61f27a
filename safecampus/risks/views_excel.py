"""Excel pages of the risk register: export a school's register; import an existing one
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

from safecampus.analytics.warning import FACTORS, WARNING_LABELS, SchoolWarning, school_warnings
from safecampus.audit.log import record
from safecampus.lib.http import require_anywhere
from safecampus.lib.import_pages import ImportPages
from safecampus.lib.xlsx import Sheet, xlsx_response
from safecampus.orgs.models import ImportBatch
from safecampus.orgs.roles import Cap
from safecampus.risks import importer
from safecampus.risks.actions_import import do_import_register
from safecampus.risks.choices import Frequency
from safecampus.risks.filters import RiskPointFilter
from safecampus.risks.forms import (
    LEC_C_MEANING,
    LEC_E_MEANING,
    LEC_L_MEANING,
    LS_L_MEANING,
    LS_S_MEANING,
)
from safecampus.risks.importer import ImportPlan
from safecampus.risks.models import RiskCategory
from safecampus.risks.queries import policy_for, visible_points
from safecampus.risks.queries_map import LEVELS, UNGRADED, RollupRow, rollup_rows
from safecampus.risks.register_file import (
    COLUMNS,
    LAYOUT,
    export_header,
    export_rows,
    export_widths,
)
from safecampus.risks.views import school_for
from safecampus.risks.views_map import rollup_org

logger = logging.getLogger(__name__)


# --- export ----------------------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest, pk: int) -> FileResponse:
    """A school's register as .xlsx, with the register page's filters, row by row."""
    school = school_for(request, pk)
    points = visible_points(request.user).filter(school=school)
    filterset = RiskPointFilter(request.GET or None, queryset=points)
    rows = filterset.qs if filterset.is_bound else points.filter(active=True)
    counter = [0]
    response = xlsx_response(
        [
            Sheet(
                title="风险台账 Risk register",
                header=export_header(),
                rows=export_rows(rows, counter),
                widths=export_widths(),
            )
        ],
        filename=f"risks-{school.code}-{timezone.localdate():%Y-%m-%d}.xlsx",
    )
    record(
        "risk.export",
        actor=request.user,
        org=school,
        request=request,
        changes={"filters": dict(sorted(request.GET.items()))},
    )
    return response


# --- import: template ------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    """The empty register (header only) and a help sheet: columns, values, an example."""
    require_anywhere(request, Cap.RISK_MANAGE)
    return xlsx_response(
        [
            LAYOUT.sheet("风险台账 Risk register", [], [10, 14, 30, 24, 14, 18, 14, 14, 36, 30]),
            LAYOUT.help_sheet(_help_rows(request), [30, 22, 80]),
        ],
        filename="risk-register-template.xlsx",
    )


def _help_rows(request: HttpRequest) -> Iterator[list[Any]]:
    notes = {
        "school": _(
            "The code of the school. May stay empty if you keep the register of one school."
        ),
        "category": _("A category below, by code or by its Chinese or English name."),
        "hazard": _("The risk: what could go wrong, where or in which activity."),
        "consequences": _("What it could lead to (injury, fire, poisoning …)."),
        "area": _(
            "A campus area by name (教学楼, 食堂 …). An area the school does not have yet is "
            "created when the file is imported."
        ),
        "location": _("The place or activity in more detail (at most 120 characters)."),
        "responsible_post": _("The post that controls it (at most 60 characters)."),
        "responsible": _(
            "The SafeCampus user name of the responsible person; they must hold a role at the "
            "school."
        ),
        "control_measures": _("How the risk is controlled day to day."),
        "emergency_measures": _("What to do if it happens."),
        "frequency": _("How often it is inspected: a value below. May stay empty."),
        "l": _("Optional. Likelihood; with the other factors the point is graded on import."),
        "e": _("Exposure (LEC only)."),
        "c": _("Consequence (LEC only)."),
        "s": _("Severity (L×S only)."),
    }
    yield from LAYOUT.help_rows(notes)
    yield []
    yield [
        _(
            "Nothing is saved until every row is correct. A row already in the register (same "
            "school, category, risk, area and location) is skipped, so a file can be imported "
            "again. Give either L, E and C (LEC) or L and S (L×S), as your bureau grades."
        )
    ]
    current = importer.managed_schools(request.user)
    if len(current) == 1:
        policy = policy_for(current[0])
        yield [_("Your bureau's method"), str(policy.method).upper()]
    yield []
    yield [_("Example row")]
    yield [c.header for c in COLUMNS]
    yield [
        "",
        "fire",
        "实验室危化品存放不规范",
        "火灾、中毒",
        "实验楼",
        "化学实验室药品柜",
        "实验员",
        "",
        "双人双锁，专柜存放，每周清点",
        "立即疏散，使用灭火器材，报告校长",
        "每周",
        3,
        3,
        15,
        "",
    ]
    yield []
    yield [_("Categories"), "中文", "English"]
    for category in RiskCategory.objects.filter(active=True):
        yield [category.code, category.name_zh, category.name_en]
    yield []
    yield [_("Inspection frequency"), "中文", "English"]
    for value, chinese, english in LAYOUT.choice_names(Frequency):
        yield [value, chinese, english]
    for title, meanings in (
        ("LEC L", LEC_L_MEANING),
        ("LEC E", LEC_E_MEANING),
        ("LEC C", LEC_C_MEANING),
        ("L×S L", LS_L_MEANING),
        ("L×S S", LS_S_MEANING),
    ):
        yield []
        yield [title, _("Meaning")]
        for number, meaning in sorted(meanings.items(), reverse=True):
            yield [f"{number:f}", str(meaning)]


# --- import: upload, dry run, commit -----------------------------------------------------------


def _done_context(batch: ImportBatch) -> dict[str, Any]:
    return {"batch": batch, "skipped": batch.rows - batch.created}


def _write(request: HttpRequest, batch: ImportBatch, plan: ImportPlan) -> HttpResponse:
    do_import_register(request.user, plan.point_rows(), batch=batch)
    return redirect("risks:import_done", pk=batch.pk)


PAGES = ImportPages(
    cap=Cap.RISK_MANAGE,
    uploads=importer.uploads,
    app="risks",
    write=_write,
    logger=logger,
    failure_log="risk register import %s failed",
    already_imported=lambda batch: {**_done_context(batch), "again": True},
)
import_upload, import_preview, import_commit = PAGES.views()


@login_required
@require_GET
def import_done(request: HttpRequest, pk: int) -> HttpResponse:
    require_anywhere(request, Cap.RISK_MANAGE)
    batch = importer.uploads.get_for_user(request.user, pk)
    if not batch.is_committed:
        return redirect("risks:import_preview", pk=batch.pk)
    return render(request, "risks/import_done.html", _done_context(batch))


# --- export: a bureau's roll-up --------------------------------------------------------------


ROLLUP_HEADER = (
    "单位 Unit",
    "代码 Code",
    "最高等级 Highest level",
    "红 Red",
    "橙 Orange",
    "黄 Yellow",
    "蓝 Blue",
    "未评级 Not graded",
    "合计 Total",
)
WARNING_HEADER = (
    "学校 School",
    "代码 Code",
    "安全指数 Index",
    "预警 Warning",
    "红色风险点 Red points",
    "橙色风险点 Orange points",
    "未整改隐患 Open hazards",
    "逾期 Overdue",
    "未整改重大隐患 Open major",
    "未签字清单 Unsigned lists",
)


def _rollup_rows(rows: list[RollupRow]) -> Iterator[list[Any]]:
    for row in rows:
        counts = [row.counts[key] for key in (*LEVELS, UNGRADED)]
        yield [row.org.name, row.org.code, row.level_label, *counts, row.total]


def _warning_rows(rows: list[SchoolWarning]) -> Iterator[list[Any]]:
    for row in rows:
        counts = [row.counts.get(name, 0) for name in FACTORS]
        yield [row.school.name, row.school.code, row.index, str(WARNING_LABELS[row.level]), *counts]


@login_required
@require_GET
def rollup_export(request: HttpRequest) -> FileResponse:
    """A bureau's four-colour roll-up (the page's rows) and the early warning of every school
    under it, as .xlsx: what a county brings to the consultation meeting."""
    org = rollup_org(request)
    rows = rollup_rows(org)
    warnings = school_warnings(org, timezone.localdate())
    response = xlsx_response(
        [
            Sheet(
                title="风险等级汇总 Risk roll-up",
                header=ROLLUP_HEADER,
                rows=_rollup_rows(rows),
                widths=[28, 14, 18, 8, 8, 8, 8, 10, 8],
            ),
            Sheet(
                title="安全预警 Early warning",
                header=WARNING_HEADER,
                rows=_warning_rows(warnings),
                widths=[28, 14, 10, 12, 10, 10, 10, 8, 12, 12],
            ),
        ],
        filename=f"risk-rollup-{org.code}-{timezone.localdate():%Y-%m-%d}.xlsx",
    )
    record("risk.rollup_export", actor=request.user, org=org, request=request)
    return response

"""What a risk register file (风险分级管控台账) looks like: its columns, the names people write for
frequencies, and the export of a school's register as rows of cells.

The headers are bilingual on purpose (风险点 / Risk) so that one file works whatever language the
person uses; they are data, not translated strings. The export's first columns are the import's,
so an exported register can be edited and imported into another school.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy, pgettext_lazy

from safecampus.lib.imports import Column, FileLayout
from safecampus.risks.choices import Frequency, Level
from safecampus.risks.models import RiskAssessment, RiskPoint
from safecampus.risks.queries import displayed_level

FIELD_MAX = {
    name: RiskPoint._meta.get_field(name).max_length or 0  # type: ignore[union-attr]
    for name in ("hazard", "consequences", "location", "responsible_post")
}
AREA_MAX = 60

COLUMNS: tuple[Column, ...] = (
    Column("school", "学校代码", "School code", gettext_lazy("School code"), aliases=("代码",)),
    Column("category", "风险类别", "Category", gettext_lazy("Category"), True, ("类别",)),
    Column(
        "hazard", "风险点", "Risk", gettext_lazy("Risk"), True, ("风险", "风险名称", "风险描述")
    ),
    Column(
        "consequences",
        "可能后果",
        "Consequences",
        gettext_lazy("Typical consequences"),
        aliases=("后果", "可能导致的后果", "事故类型"),
    ),
    Column("area", "区域", "Area", gettext_lazy("Campus area"), aliases=("所在区域", "区域名称")),
    Column(
        "location",
        "具体位置",
        "Location",
        pgettext_lazy("risk point", "Location"),
        aliases=("位置", "部位", "场所", "场所/活动"),
    ),
    Column(
        "responsible_post",
        "责任岗位",
        "Responsible post",
        gettext_lazy("Responsible post"),
        aliases=("岗位", "责任部门"),
    ),
    Column(
        "responsible",
        "责任人账号",
        "Responsible (user name)",
        pgettext_lazy("risk point", "Responsible person"),
        aliases=("责任人", "Responsible"),
    ),
    Column(
        "control_measures",
        "管控措施",
        "Control measures",
        gettext_lazy("Control measures"),
        aliases=("防控措施", "管控措施及要求"),
    ),
    Column(
        "emergency_measures",
        "应急措施",
        "Emergency measures",
        gettext_lazy("Emergency measures"),
        aliases=("应急处置措施",),
    ),
    Column(
        "frequency",
        "排查频次",
        "Frequency",
        gettext_lazy("Inspection frequency"),
        aliases=("检查频次", "频次"),
    ),
    Column("l", "可能性L", "L", gettext_lazy("L"), aliases=("可能性",)),
    Column("e", "暴露频率E", "E", gettext_lazy("E"), aliases=("暴露频率",)),
    Column("c", "后果C", "C", gettext_lazy("C"), aliases=("后果严重程度",)),
    Column("s", "严重性S", "S", gettext_lazy("S"), aliases=("严重性", "严重程度")),
)

FREQUENCY_ALIASES: dict[str, tuple[str, ...]] = {
    Frequency.DAILY: ("每天", "每日", "日"),
    Frequency.WEEKLY: ("每周", "周"),
    Frequency.MONTHLY: ("每月", "月"),
    Frequency.TERMLY: ("每学期", "学期"),
    Frequency.YEARLY: ("每年", "年"),
}
LAYOUT = FileLayout(COLUMNS, FREQUENCY_ALIASES)

# The export's extra columns (not read by the import).
EXTRA_HEADER = [
    ("风险等级", "Level", 14),
    ("分值", "Score", 8),
    ("评估日期", "Assessed on", 12),
    ("复评日期", "Review by", 12),
    ("开放的重大隐患", "Open major hazard", 10),
]
WIDTHS = [10, 14, 30, 24, 14, 18, 14, 14, 36, 30, 10, 6, 6, 6, 6]
LEVEL_ZH: dict[str, str] = {Level.RED: "红色（重大风险）", Level.ORANGE: "橙色（较大风险）"}
LEVEL_ZH |= {Level.YELLOW: "黄色（一般风险）", Level.BLUE: "蓝色（低风险）"}


def export_header() -> list[str]:
    return [c.header for c in COLUMNS] + [f"{zh} / {en}" for zh, en, _w in EXTRA_HEADER]


def export_widths() -> list[int]:
    return WIDTHS + [w for _zh, _en, w in EXTRA_HEADER]


def with_latest_factors(points: QuerySet[RiskPoint]) -> QuerySet[RiskPoint]:
    """The factors of each point's latest assessment, as columns of the same query."""
    latest = RiskAssessment.objects.filter(point=OuterRef("pk")).order_by("-assessed_on", "-id")
    return points.annotate(
        **{f"last_{name}": Subquery(latest.values(name)[:1]) for name in ("l", "e", "c", "s")}
    )


def _number(value: Decimal | None) -> Any:
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral() else float(value)


def export_rows(points: QuerySet[RiskPoint], counter: list[int]) -> Iterator[list[Any]]:
    """One row per point, written as the file is streamed; ``counter[0]`` counts them."""
    frequency = {value: FREQUENCY_ALIASES[value][0] for value in Frequency.values}
    for point in with_latest_factors(points).iterator(chunk_size=2000):
        counter[0] += 1
        shown = displayed_level(point)
        yield [
            point.school.code,
            point.category.code,
            point.hazard,
            point.consequences,
            point.area.name if point.area else "",
            point.location,
            point.responsible_post,
            point.responsible.username if point.responsible else "",
            point.control_measures,
            point.emergency_measures,
            frequency.get(point.frequency, ""),
            *(_number(getattr(point, f"last_{name}")) for name in ("l", "e", "c", "s")),
            LEVEL_ZH.get(shown, ""),
            _number(point.score),
            point.assessed_on,
            point.review_on,
            "是" if getattr(point, "has_open_major", False) else "",
        ]

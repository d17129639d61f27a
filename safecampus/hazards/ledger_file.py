"""What a hazard ledger file (隐患台账) looks like: its columns, the names people write for
each choice, how dates are read, and the key that makes a row the same hazard on a re-import.

The headers are bilingual on purpose (学校代码 / School code) so that one file works whatever
language the person uses; they are data, not translated strings.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy
from openpyxl.utils.datetime import from_excel

from safecampus.hazards.choices import Severity, Source, State
from safecampus.hazards.models import Hazard
from safecampus.lib.imports import Column, FileLayout, normalise

MAX_TITLE = Hazard._meta.get_field("title").max_length or 120
MAX_LOCATION = Hazard._meta.get_field("location").max_length or 120

COLUMNS: tuple[Column, ...] = (
    Column("school", "学校代码", "School code", gettext_lazy("School code"), True, ("代码",)),
    Column("category", "隐患类别", "Category", gettext_lazy("Category"), True, ("类别",)),
    Column("severity", "隐患等级", "Severity", gettext_lazy("Severity"), aliases=("等级",)),
    Column("source", "隐患来源", "Source", gettext_lazy("Source"), aliases=("来源",)),
    Column("title", "隐患名称", "Title", gettext_lazy("Title"), True, ("隐患", "存在问题", "问题")),
    Column("description", "隐患描述", "Description", gettext_lazy("Description"), False, ("描述",)),
    Column("location", "隐患部位", "Location", gettext_lazy("Location"), False, ("部位", "地点")),
    Column("found_on", "发现日期", "Found on", gettext_lazy("Found on"), True, ("排查日期",)),
    Column("state", "状态", "State", gettext_lazy("State"), True, ("整改状态",)),
    Column(
        "responsible",
        "整改责任人账号",
        "Responsible (user name)",
        gettext_lazy("Responsible person"),
        aliases=("整改责任人", "责任人", "Responsible"),
    ),
    Column("deadline", "整改时限", "Deadline", gettext_lazy("Deadline"), False, ("整改期限",)),
    Column(
        "rectification_note",
        "整改情况",
        "Rectification done",
        gettext_lazy("Rectification done"),
        aliases=("整改措施",),
    ),
    Column("closed_on", "销号日期", "Closed on", gettext_lazy("Closed on"), False, ("销号时间",)),
)

# Chinese names people write in paper ledgers, whatever the interface catalog says.
CHOICE_ALIASES: dict[str, tuple[str, ...]] = {
    Severity.GENERAL: ("一般", "一般隐患"),
    Severity.MAJOR: ("重大", "重大隐患"),
    Source.SELF_CHECK: ("学校自查", "自查"),
    Source.COUNTY_INSPECTION: ("县级检查", "县区检查"),
    Source.CITY_INSPECTION: ("市级检查",),
    Source.UNANNOUNCED: ("四不两直", "暗访"),
    Source.PUBLIC: ("群众举报", "家长举报", "公众举报"),
    Source.POLICE: ("公安及其他部门", "公安", "其他部门"),
    Source.OTHER: ("其他",),
    State.REPORTED: ("已上报", "上报", "待交办"),
    State.ASSIGNED: ("已交办", "交办"),
    State.RECTIFYING: ("整改中",),
    State.AWAITING_VERIFICATION: ("待验收", "awaiting"),
    State.CLOSED: ("已销号", "销号"),
}
LAYOUT = FileLayout(COLUMNS, CHOICE_ALIASES)

# A blank cell means: a general hazard (一般隐患) whose source the paper ledger does not say.
DEFAULTS = {"severity": Severity.GENERAL, "source": Source.OTHER}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
# Excel day numbers of 1990-01-01 .. 2100-12-31: a date cell that lost its date format.
_SERIAL_RANGE = (32874, 73415)


def import_key(school_code: str, title: str, found_on: datetime.date, location: str) -> str:
    """What makes a ledger row the same hazard on a second import."""
    parts = [school_code.strip(), normalise(title), found_on.isoformat(), normalise(location)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def parse_date(value: Any) -> datetime.date | None:
    """An Excel date, or text 2026-03-02 / 2026/3/2 / 2026.3.2 / 2026年3月2日; None if blank.

    Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return from_excel(value).date()
        raise ValueError(value)
    match = _DATE_TEXT.match(unicodedata.normalize("NFKC", str(value)).strip())
    if not match:
        raise ValueError(value)
    year, month, day = (int(part) for part in match.groups())
    return datetime.date(year, month, day)

"""Building hazard ledger files for the import tests."""

from __future__ import annotations

import datetime
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from safecampus.hazards.ledger_file import COLUMNS

HEADER = [column.header for column in COLUMNS]
KEYS = [column.key for column in COLUMNS]


def ledger_row(**cells: Any) -> dict[str, Any]:
    """A closed hazard at school SA1 unless told otherwise."""
    values: dict[str, Any] = {
        "school": "SA1",
        "category": "消防安全",
        "severity": "一般",
        "source": "学校自查",
        "title": "灭火器过期",
        "description": "二楼走廊两具灭火器过期",
        "location": "教学楼二楼",
        "found_on": datetime.datetime(2026, 3, 2),
        "state": "已销号",
        "responsible": "",
        "deadline": "2026/3/9",
        "rectification_note": "已更换",
        "closed_on": "2026-03-06",
    }
    values.update(cells)
    return values


def xlsx_bytes(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append([row.get(key) for key in KEYS])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(rows: list[dict[str, Any]], name: str = "台账.xlsx", **kwargs: Any) -> Any:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **kwargs))


def dry_run(client: Any, rows: list[dict[str, Any]], **kwargs: Any) -> Any:
    return client.post(reverse("hazards:import"), {"file": upload(rows, **kwargs)})


def statuses(response: Any) -> list[str]:
    return [row.status for row in response.context["plan"].rows]


def errors_of(response: Any, number: int) -> list[str]:
    row = next(r for r in response.context["plan"].rows if r.number == number)
    return [message for _label, message in row.errors]

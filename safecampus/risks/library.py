"""The standard risk library shipped with SafeCampus (data/library.json, zh-hans and English):
loaded by a data migration, and again by later releases that change it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "library.json"


def read() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def load(category_model: Any, item_model: Any, data: dict[str, Any] | None = None) -> int:
    """Upsert the categories; add each standard item that is new, and a new version of each
    whose text changed (the old version stays for the registers built from it). Takes the
    models as arguments so that a migration can pass its historical ones. Returns how many
    item versions were written."""
    data = data or read()
    categories = {}
    for row in data["categories"]:
        category, _created = category_model.objects.update_or_create(
            code=row["code"],
            defaults={"name_zh": row["name_zh"], "name_en": row["name_en"], "sort": row["sort"]},
        )
        categories[row["code"]] = category
    current = {item.code: item for item in item_model.objects.filter(owner=None, is_current=True)}
    written = 0
    for row in data["items"]:
        values = {
            "hazard_zh": row["hazard_zh"],
            "hazard_en": row["hazard_en"],
            "consequences_zh": row["consequences_zh"],
            "consequences_en": row["consequences_en"],
            "measures_zh": row["measures_zh"],
            "measures_en": row["measures_en"],
            "frequency": row["frequency"],
            "school_kinds": row["school_kinds"],
            "suggested_l": row.get("l"),
            "suggested_s": row.get("s"),
        }
        old = current.get(row["code"])
        category = categories[row["category"]]
        if old is not None:
            same = old.category_id == category.pk and all(
                getattr(old, name) == value for name, value in values.items()
            )
            if same:
                continue
            item_model.objects.filter(pk=old.pk).update(is_current=False)
        item_model.objects.create(
            owner=None,
            code=row["code"],
            version=old.version + 1 if old is not None else 1,
            is_current=True,
            category=category,
            **values,
        )
        written += 1
    return written

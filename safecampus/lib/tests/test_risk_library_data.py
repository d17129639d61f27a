"""The standard risk library's data file (safecampus/risks/data/library.json, DOMAIN.md §3.2):
300+ bilingual risk points across the 19 seed categories, each one complete and loadable."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from safecampus.orgs.choices import SchoolKind

REPO = Path(__file__).resolve().parents[3]
LIBRARY = REPO / "safecampus" / "risks" / "data" / "library.json"

CATEGORIES = {
    "gate_security": "GS",
    "buildings": "BD",
    "fire": "FR",
    "electricity_gas": "EG",
    "food": "FD",
    "drinking_water": "DW",
    "traffic": "TR",
    "drowning": "DR",
    "sports_activities": "SA",
    "laboratory_chemicals": "LC",
    "dormitory": "DM",
    "bullying_violence": "BV",
    "psych": "PS",
    "special_groups": "SG",
    "epidemic": "EP",
    "surroundings": "SR",
    "natural_disasters": "ND",
    "off_campus": "OC",
    "network": "NW",
}
TEXT = ("hazard", "consequences", "measures")
FREQUENCIES = {"daily", "weekly", "monthly", "termly", "yearly"}
# Han characters plus CJK and full-width punctuation: English text must carry none of them.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads(LIBRARY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["items"]


def test_categories_are_the_nineteen_seeds_in_order(data: dict[str, Any]) -> None:
    assert data["version"] == 1
    categories = data["categories"]
    assert [row["code"] for row in categories] == list(CATEGORIES)
    sorts = [row["sort"] for row in categories]
    assert sorts == sorted(sorts) and len(set(sorts)) == len(sorts)
    for row in categories:
        assert HAN.search(row["name_zh"]), row
        assert row["name_en"].strip() and not CJK.search(row["name_en"]), row


def test_at_least_300_items_and_12_per_category(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 300
    per_category = Counter(item["category"] for item in items)
    assert set(per_category) == set(CATEGORIES)
    thin = {code: n for code, n in per_category.items() if n < 12}
    assert not thin, thin


def test_codes_are_unique_and_carry_the_category_prefix(items: list[dict[str, Any]]) -> None:
    codes = [item["code"] for item in items]
    assert len(set(codes)) == len(codes), [c for c, n in Counter(codes).items() if n > 1]
    for item in items:
        assert re.fullmatch(rf"{CATEGORIES[item['category']]}-\d{{3}}", item["code"]), item["code"]


def test_every_text_is_present_in_both_languages(items: list[dict[str, Any]]) -> None:
    for item in items:
        for field in TEXT:
            zh, en = item[f"{field}_zh"].strip(), item[f"{field}_en"].strip()
            assert zh and HAN.search(zh), (item["code"], field, zh)
            assert en and not CJK.search(en), (item["code"], field, en)


def test_measures_list_the_same_two_to_four_steps_in_each_language(
    items: list[dict[str, Any]],
) -> None:
    for item in items:
        zh_steps = item["measures_zh"].split("；")
        en_steps = item["measures_en"].split("; ")
        assert 2 <= len(zh_steps) <= 4, item["code"]
        assert len(en_steps) == len(zh_steps), item["code"]


def test_frequency_kinds_and_suggested_grades_are_valid(items: list[dict[str, Any]]) -> None:
    kinds = set(SchoolKind.values)
    for item in items:
        assert item["frequency"] in FREQUENCIES, item["code"]
        school_kinds = item["school_kinds"]
        assert school_kinds == ["all"] or (
            school_kinds
            and len(set(school_kinds)) == len(school_kinds) <= len(kinds)
            and set(school_kinds) <= kinds
        ), (item["code"], school_kinds)
        for letter in ("l", "s"):
            value = item[letter]
            assert type(value) is int and 1 <= value <= 5, (item["code"], letter, value)


def test_no_hazard_is_listed_twice(items: list[dict[str, Any]]) -> None:
    for language in ("zh", "en"):
        hazards = [item[f"hazard_{language}"].strip() for item in items]
        assert len(set(hazards)) == len(hazards), [h for h, n in Counter(hazards).items() if n > 1]


def test_texts_fit_the_library_columns(data: dict[str, Any]) -> None:
    """SQLite ignores max_length, PostgreSQL does not: the data migration would fail there."""
    from safecampus.risks.models import LibraryItem, RiskCategory

    for model, rows in ((RiskCategory, data["categories"]), (LibraryItem, data["items"])):
        for field in model._meta.get_fields():
            limit = getattr(field, "max_length", None)
            name = getattr(field, "attname", None)
            if not limit or name is None or field.choices:
                continue
            for row in rows:
                if isinstance(row.get(name), str):
                    assert len(row[name]) <= limit, (row.get("code"), name, len(row[name]))

"""Default hazard categories (DOMAIN.md §3.1, as named in the hazard issue)."""

from __future__ import annotations

CATEGORIES: list[tuple[str, str, str]] = [
    ("campus_security", "校园安全（校内）", "Campus security"),
    ("surrounding_security", "校园周边治安", "Surrounding public security"),
    ("traffic", "交通安全", "Traffic"),
    ("food", "食品安全", "Food"),
    ("fire", "消防安全", "Fire"),
    ("buildings", "校舍及设施安全", "Buildings and facilities"),
    ("drowning", "防溺水", "Drowning"),
    ("bullying", "校园欺凌", "Bullying"),
    ("special_groups", "特殊群体", "Special groups"),
    ("health", "卫生防疫", "Health and epidemic"),
    ("culture_venues", "文化娱乐场所", "Culture and entertainment venues"),
    ("school_running", "办学行为", "School-running behaviour"),
    ("other", "其他", "Other"),
]


def ensure_default_categories() -> None:
    """Create the defaults that are missing (tests that flush the database call it too)."""
    from safecampus.hazards.models import HazardCategory

    for sort, (code, zh, en) in enumerate(CATEGORIES, start=1):
        HazardCategory.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort": sort * 10}
        )

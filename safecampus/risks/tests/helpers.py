"""Small builders for the register pages' and API's tests: a library of three entries in two
categories of our own (the shipped library changes as it grows) and graded points."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from safecampus.hazards import actions as hazard_actions
from safecampus.hazards.models import Hazard
from safecampus.risks import actions
from safecampus.risks.models import LibraryItem, RiskCategory, RiskPoint

# Recent, so that no review is overdue unless a test makes it so.
DAY = datetime.date.today() - datetime.timedelta(days=5)


@pytest.fixture
def lib(db: Any) -> dict[str, Any]:
    fire = RiskCategory.objects.create(code="t_fire", name_zh="测试消防", name_en="Test fire")
    gate = RiskCategory.objects.create(code="t_gate", name_zh="测试门卫", name_en="Test gate")
    # Only our categories' items apply in these tests: retire whatever the shipped file holds.
    LibraryItem.objects.filter(owner=None).update(is_current=False)
    items = [
        LibraryItem.objects.create(
            code="T-F1",
            category=fire,
            hazard_zh="灭火器过期失效",
            hazard_en="Expired extinguishers",
            consequences_zh="火灾初期无法扑救",
            measures_zh="每月检查",
            frequency="monthly",
            school_kinds=["all"],
        ),
        LibraryItem.objects.create(
            code="T-F2",
            category=fire,
            hazard_zh="幼儿午睡室电暖器",
            consequences_zh="火灾",
            measures_zh="禁用",
            frequency="daily",
            school_kinds=["kindergarten"],
        ),
        LibraryItem.objects.create(
            code="T-G1",
            category=gate,
            hazard_zh="保安未配备防暴器材",
            consequences_zh="无法制止暴力侵害",
            measures_zh="配齐钢叉、盾牌",
            frequency="weekly",
            school_kinds=["all"],
        ),
    ]
    return {"fire": fire, "gate": gate, "items": items}


def add_point(actor: Any, school: Any, category: RiskCategory, **values: Any) -> RiskPoint:
    values.setdefault("hazard", "实验室危化品存放不规范")
    return actions.do_add_point(actor, school, category=category, **values)


def assess_lec(actor: Any, point: RiskPoint, l: str, e: str, c: str, **kw: Any) -> Any:
    kw.setdefault("assessed_on", DAY)
    return actions.do_assess(actor, point, l=l, e=e, c=c, **kw)


def major_hazard(actor: Any, point: RiskPoint, categories: dict[str, Any]) -> Hazard:
    hazard, _created = hazard_actions.do_report_hazard(
        actor,
        point.school,
        {
            "source": "self_check",
            "category": categories["fire"],
            "severity": "major",
            "title": "危化品柜未上锁",
            "found_on": DAY,
            "rectification_type": "deadline",
            "risk_point": point,
        },
    )
    return hazard

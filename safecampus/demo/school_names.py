"""School names as they appear on Chinese gate plaques: 青阳镇中心小学, 安平县第三中学,
江城市特殊教育学校, 蓝天幼儿园 ... No two schools of one city share a name."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from safecampus.demo.names import NICE_WORDS, ROADS, chinese_number, village_name
from safecampus.orgs.choices import SchoolKind as K


@dataclass(frozen=True)
class Town:
    full: str  # 青阳镇 / 青阳乡 / 青阳街道
    base: str  # 青阳


@dataclass
class Area:
    """Where a school stands, as far as its name is concerned: a county or the city itself."""

    full: str  # 安平县 / 江城市
    base: str  # 安平 / 江城
    urban: bool
    towns: list[Town] = field(default_factory=list)


# The ordinal family a kind counts in: 第三中学 is shared by junior and senior schools.
_FAMILY = {
    K.PRIMARY: "小学",
    K.JUNIOR: "中学",
    K.SENIOR: "中学",
    K.KINDERGARTEN: "幼儿园",
}

Pattern = Callable[[], str | None]


class SchoolNamer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.ordinals: Counter[tuple[str, str]] = Counter()

    def name(self, kind: str, area: Area, *, public: bool, licensed: bool) -> str:
        patterns = self._patterns(kind, area, public=public, licensed=licensed)
        choices, weights = zip(*patterns, strict=True)
        for _ in range(30):
            candidate = self.rng.choices(choices, weights=weights)[0]()
            if candidate and candidate not in self.used:
                self.used.add(candidate)
                return candidate
        # Ordinals never run out: 第一百零五小学 is a fine name for the 105th.
        family = _FAMILY.get(K(kind), "学校")
        while True:
            candidate = self._ordinal(area, family)
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def _ordinal(self, area: Area, family: str) -> str:
        self.ordinals[(area.full, family)] += 1
        return f"{area.full}第{chinese_number(self.ordinals[(area.full, family)])}{family}"

    # --- patterns: (make a candidate, weight) -------------------------------------------------

    def _town(self, area: Area, suffix: str, *, full: bool = True) -> Pattern:
        def make() -> str | None:
            if not area.towns:
                return None
            town = self.rng.choice(area.towns)
            return f"{town.full if full else town.base}{suffix}"

        return make

    def _word(self, area: Area, suffix: str, *, town: bool = False) -> Pattern:
        def make() -> str | None:
            place = self.rng.choice(area.towns).base if town and area.towns else area.base
            return f"{place}{self.rng.choice(NICE_WORDS)}{suffix}"

        return make

    def _fixed(self, text: str) -> Pattern:
        return lambda: text

    def _ord(self, area: Area, family: str, suffix: str = "") -> Pattern:
        return lambda: self._ordinal(area, family) + suffix

    def _village(self, area: Area, suffix: str) -> Pattern:
        def make() -> str | None:
            if not area.towns:
                return None
            return f"{self.rng.choice(area.towns).full}{village_name(self.rng)}{suffix}"

        return make

    def _road(self, area: Area, suffix: str) -> Pattern:
        return lambda: f"{area.base}{self.rng.choice(ROADS)}路{suffix}"

    def _patterns(
        self, kind: str, area: Area, *, public: bool, licensed: bool
    ) -> list[tuple[Pattern, float]]:
        rural = 0.0 if area.urban else 1.0
        full = area.full
        if kind == K.KINDERGARTEN:
            if not licensed:
                return [
                    (self._village(area, "幼儿班"), 1),
                    (self._word(area, "幼儿园", town=True), 2),
                    (self._word(area, "托儿所", town=True), 1),
                ]
            if public:
                return [
                    (self._town(area, "中心幼儿园"), 3),
                    (self._ord(area, "幼儿园"), 2),
                    (self._fixed(f"{full}机关幼儿园"), 1),
                    (self._fixed(f"{full}实验幼儿园"), 1),
                ]
            return [
                (self._word(area, "幼儿园", town=True), 3),
                (self._word(area, "幼儿园"), 2),
                (self._word(area, "双语幼儿园"), 1),
            ]
        if kind == K.PRIMARY:
            if not public:
                return [(self._word(area, "小学"), 2), (self._word(area, "实验小学"), 1)]
            return [
                (self._town(area, "中心小学"), 2 + 3 * rural),
                (self._village(area, "小学"), 4 * rural),
                (self._ord(area, "小学"), 3),
                (self._road(area, "小学"), 3 - 2 * rural),
                (self._fixed(f"{full}实验小学"), 1),
            ]
        if kind == K.JUNIOR:
            if not public:
                return [(self._word(area, "中学"), 1)]
            return [
                (self._ord(area, "中学"), 3),
                (self._town(area, "中学"), 1 + 2 * rural),
                (self._town(area, "初级中学", full=False), 1),
            ]
        if kind == K.SENIOR:
            if not public:
                return [(self._word(area, "高级中学"), 1)]
            return [
                (self._ord(area, "中学"), 3),
                (self._fixed(f"{full}第一高级中学"), 1),
                (self._fixed(f"{full}实验中学"), 1),
            ]
        if kind == K.NINE_YEAR:
            if not public:
                return [(self._word(area, "学校"), 1)]
            return [(self._town(area, "九年一贯制学校"), 3), (self._fixed(f"{full}实验学校"), 1)]
        if kind == K.TWELVE_YEAR:
            return [(self._word(area, "外国语学校"), 2), (self._word(area, "学校"), 1)]
        if kind == K.VOCATIONAL:
            if not public:
                return [(self._word(area, "职业技术学校"), 1)]
            return [
                (self._fixed(f"{full}职业技术学校"), 2),
                (self._fixed(f"{full}职业教育中心"), 1),
                (self._fixed(f"{full}中等专业学校"), 1),
                (self._ord(area, "职业中学"), 1),
            ]
        if kind == K.SPECIAL:
            return [
                (self._fixed(f"{full}特殊教育学校"), 3),
                (self._fixed(f"{full}启智学校"), 1),
                (self._fixed(f"{full}启聪学校"), 1),
            ]
        return [  # off-campus training (校外培训机构)
            (self._word(area, "培训学校"), 2),
            (self._word(area, "艺术培训中心"), 1),
            (self._word(area, "教育培训学校"), 1),
        ]

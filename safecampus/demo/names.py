"""Plausible Chinese names for a fictional city: places, people, schools (demo data only).

Every function takes the caller's ``random.Random`` so that one seed gives one city.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

# The hundred commonest surnames, most frequent first (weights fall off with rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = [1.0 / (rank + 8) for rank in range(len(SURNAMES))]
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国文辉玲红志燕鹏飞宇浩晨欣婷雪琳"
    "斌波峰海俊凯丹萍梅莉宁林亮成春晓慧颖佳新振德永庆兰云荣凤东健翔瑞婧倩鑫子涵梓轩雨萱"
)

# Place syllables: first × second gives ~1,600 two-character names (青阳, 白沙, 石桥 ...).
_PLACE_FIRST = "东西南北青白金石龙凤安永长新清桃松柳云丰兴乐平临望双黄红马杨高古太宝富福华汉"
_PLACE_SECOND = "湖山岭塘阳河江溪源台泉门城宁平川坪桥口坝林岗田湾滩洲沙店集铺寨峰坡渡亭州陵"
_VILLAGE_SUFFIX = "家庄湾坪集营寨店桥岗洼铺园冲垸"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


ROADS = _words(
    "人民 解放 建设 中山 文化 胜利 光明 和平 新华 东风 朝阳 长江 滨江 育才 青年 五一 迎宾 "
    "学府 公园 府前 建国 迎春 幸福 振兴 团结 友谊 北京 兴业 新民 民主 红旗 健康 工农 环城"
)
# Words a private school or kindergarten takes as its name (阳光幼儿园, 育英学校 ...).
NICE_WORDS = _words(
    "阳光 童心 小天使 金太阳 蓝天 彩虹 贝贝 爱心 启蒙 快乐 春苗 蒲公英 博雅 育英 小博士 七彩 "
    "新星 星星 向日葵 小太阳 童趣 乐乐 好孩子 小树苗 金色摇篮 格林 明珠 智慧树 东方 希望 晨曦 "
    "小精灵 苗苗 花朵 嘉禾 育才 英才 明德 弘毅 致远 启航 树人 求实 思源 新世纪 未来 朝阳 "
    "春蕾 雏鹰 翰林 书香 培英 立德 知行 博文 德馨 卓越"
)
DIRECTIONS = _words("东 西 南 北 新城 城南 城北 滨江 高新 经开 湖滨 北湖")

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三, 105 → 一百零五 (ordinals in school names: 第三中学)."""
    if n <= 0:
        raise ValueError("chinese_number needs a positive number")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = "零" + _DIGITS[rest]
        elif rest < 20:
            tail = "一" + chinese_number(rest)
        else:
            tail = chinese_number(rest)
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def person_name(rng: random.Random) -> str:
    """A two- or three-character name: surname + one or two given characters."""
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN_CHARS)
    return surname + given


def village_name(rng: random.Random) -> str:
    """李家湾-style names of villages (不重复 is not needed: the town goes in front)."""
    return rng.choice(SURNAMES[:60]) + rng.choice(_VILLAGE_SUFFIX)


def place_names(rng: random.Random) -> Iterator[str]:
    """Distinct place names for counties and towns, never repeating within one city.

    Two-character names first, in a shuffled order; three characters once those run out
    (only provinces of demo data get that far).
    """
    pairs = [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]
    rng.shuffle(pairs)
    yield from pairs
    for pair in pairs:
        for extra in _PLACE_SECOND:
            if extra not in pair:
                yield pair + extra


def phone(rng: random.Random, area_code: str) -> str:
    """A landline number of the city (区号-8 digits); fictional, never a mobile number."""
    return f"{area_code}-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"


def street_address(rng: random.Random, place: str) -> str:
    return f"{place}{rng.choice(ROADS)}路{rng.randint(1, 399)}号"

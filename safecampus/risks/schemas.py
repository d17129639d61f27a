"""API shapes of risk registers, the library and grading rules (风险分级管控). Every input field
is listed (no mass assignment); an unknown field is rejected with 422. Request bodies carry a
full example for the OpenAPI docs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from safecampus.lib.api import InputSchema
from safecampus.lib.pagination import PageOut
from safecampus.orgs.schemas import OrgRef
from safecampus.risks.choices import Frequency, Level, Method, Reason
from safecampus.risks.filters import DUE_CHOICES, KIND_CHOICES


def _one_of(values: list[str]) -> str:
    return "One of: " + ", ".join(values) + "."


def _example(**example: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


LEVEL = Field(examples=["orange"], description="Empty if not assessed. " + _one_of(Level.values))

# --- filters --------------------------------------------------------------------------------


class PointFilterQuery(Schema):
    """The register's filters: the same FilterSet as the register page and its export."""

    q: str | None = Field(None, description="Text in the risk, location, post or area name.")
    school: int | None = Field(None, description="Only this school (id).")
    org: int | None = Field(None, description="Only schools under this organisation (id).")
    category: int | None = Field(None, description="Category id (GET /risks/categories).")
    level: str | None = Field(
        None,
        description="The displayed level (an open major hazard shows red). "
        + _one_of(Level.values),
    )
    area: int | None = Field(None, description="Campus area id.")
    due: str | None = Field(None, description=_one_of([v for v, _l in DUE_CHOICES]))
    rose: str | None = Field(None, description="true: graded higher at the latest assessment.")
    active: str | None = Field(
        None, description="Default: points in the register; false: retired ones."
    )


class LibraryFilterQuery(Schema):
    org: int | None = Field(
        None,
        description="The library as this organisation sees it (standard entries and those of "
        "the bureaus at or above it); default: your top organisation.",
    )
    q: str | None = Field(None, description="Text in the code, risk or measures.")
    category: int | None = Field(None, description="Category id.")
    kind: str | None = Field(None, description=_one_of([v for v, _l in KIND_CHOICES]))
    own: str | None = Field(None, description="true: bureaus' own entries; false: standard.")


# --- references and outputs -----------------------------------------------------------------


class UserRef(Schema):
    id: int = Field(examples=[7])
    username: str = Field(examples=["li_safety"])
    display_name: str = Field(examples=["李安全"])


class CategoryOut(Schema):
    id: int = Field(examples=[3])
    code: str = Field(examples=["fire"])
    name: str = Field(examples=["消防安全"])
    name_zh: str = Field(examples=["消防安全"])
    name_en: str = Field(examples=["Fire safety"])
    active: bool = True


class CategoryRef(Schema):
    id: int = Field(examples=[3])
    code: str = Field(examples=["fire"])
    name: str = Field(examples=["消防安全"])


class AreaRef(Schema):
    id: int = Field(examples=[4])
    name: str = Field(examples=["实验楼"])


class PointOut(Schema):
    id: int = Field(examples=[101])
    school: OrgRef
    category: CategoryRef
    library_item: int | None = Field(
        examples=[55], description="Id of the library entry version it was built from."
    )
    hazard: str = Field(examples=["实验室危化品存放不规范"])
    consequences: str = Field(examples=["火灾、中毒"])
    area: AreaRef | None
    location: str = Field(examples=["化学实验室药品柜"])
    responsible_post: str = Field(examples=["实验员"])
    responsible: UserRef | None
    control_measures: str
    emergency_measures: str
    frequency: str = Field(examples=["weekly"], description=_one_of(Frequency.values) + " or ''.")
    level: str = LEVEL
    previous_level: str = Field(examples=["yellow"], description="The level before the latest.")
    displayed_level: str = Field(
        examples=["red"],
        description="The level shown: red while an open major hazard raised from the point "
        "is open, else `level`.",
    )
    has_open_major_hazard: bool
    rose: bool = Field(description="The latest assessment graded it higher than before.")
    score: Decimal | None = Field(examples=["270"])
    assessed_on: datetime.date | None
    review_on: datetime.date | None
    review_overdue: bool
    active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PointDetailOut(PointOut):
    control_tier: str = Field(
        examples=["分管副校长和安全办"], description="Who controls a point of the displayed level."
    )
    inspection: str = Field(
        examples=["weekly"], description="Inspection frequency implied by the displayed level."
    )
    review_days: int | None = Field(examples=[90], description="Review interval of the level.")
    open_hazards: int = Field(examples=[1])


class PointPage(PageOut):
    items: list[PointOut]


class AssessmentOut(Schema):
    id: int = Field(examples=[9])
    method: str = Field(examples=["lec"], description=_one_of(Method.values))
    l: Decimal = Field(examples=["3"])
    e: Decimal | None = Field(examples=["6"])
    c: Decimal | None = Field(examples=["15"])
    s: Decimal | None = Field(examples=[None])
    score: Decimal = Field(examples=["270"])
    scored_level: str = Field(examples=["orange"], description="The level the score gives.")
    direct_red_reason: str = Field(examples=[""])
    level: str = Field(examples=["orange"], description="Red if graded red directly.")
    reason: str = Field(examples=["yearly"], description=_one_of(Reason.values))
    note: str
    assessed_on: datetime.date
    assessed_by: UserRef
    created_at: datetime.datetime


class HazardRef(Schema):
    id: int = Field(examples=[3301])
    number: str = Field(examples=["YH2026-003301"])
    title: str = Field(examples=["危化品柜未上锁"])
    severity: str = Field(examples=["major"])
    state: str = Field(examples=["assigned"])
    open: bool
    found_on: datetime.date


class LibraryItemOut(Schema):
    id: int = Field(examples=[55], description="Id of this version.")
    owner: OrgRef | None = Field(description="Null for the standard library.")
    code: str = Field(examples=["FIRE-001"])
    version: int = Field(examples=[1])
    is_current: bool
    category: CategoryRef
    hazard_zh: str
    hazard_en: str
    consequences_zh: str
    consequences_en: str
    measures_zh: str
    measures_en: str
    frequency: str = Field(examples=["weekly"], description=_one_of(Frequency.values))
    school_kinds: list[str] = Field(examples=[["primary", "junior"]])
    created_at: datetime.datetime


class LibraryPage(PageOut):
    items: list[LibraryItemOut]


class PolicyOut(Schema):
    org: OrgRef
    method: str = Field(examples=["lec"], description=_one_of(Method.values))
    red: Decimal = Field(examples=["320"], description="A score above this is red.")
    orange: Decimal = Field(examples=["160"])
    yellow: Decimal = Field(examples=["70"])
    source: OrgRef | None = Field(
        description="The bureau whose rules apply; null: the SafeCampus defaults."
    )


class BuildOut(Schema):
    added: int = Field(examples=[42], description="Points added; 0 when built before.")


# --- inputs ---------------------------------------------------------------------------------


class PointIn(InputSchema):
    """A point of a school's register; the responsible person must hold a role at the school."""

    model_config = _example(
        school=12,
        category="fire",
        hazard="实验室危化品存放不规范",
        consequences="火灾、中毒",
        area=4,
        location="化学实验室药品柜",
        responsible_post="实验员",
        responsible=7,
        control_measures="双人双锁，专柜存放，每周清点",
        emergency_measures="立即疏散，使用灭火器材，报告校长",
        frequency="weekly",
    )

    school: int = Field(examples=[12], description="Id of the school.")
    category: int | str = Field(examples=["fire"], description="Category code or id.")
    hazard: str = Field(examples=["实验室危化品存放不规范"], description="At most 300 characters.")
    consequences: str = ""
    area: int | None = Field(None, description="Id of a campus area of the school.")
    location: str = ""
    responsible_post: str = ""
    responsible: int | None = Field(None, description="User id of a person of the school.")
    control_measures: str = ""
    emergency_measures: str = ""
    frequency: str = Field("", description=_one_of(Frequency.values) + " or ''.")


class PointPatchIn(InputSchema):
    """Only the fields sent change."""

    model_config = _example(responsible_post="总务主任", frequency="monthly")

    category: int | str | None = None
    hazard: str | None = None
    consequences: str | None = None
    area: int | None = None
    location: str | None = None
    responsible_post: str | None = None
    responsible: int | None = None
    control_measures: str | None = None
    emergency_measures: str | None = None
    frequency: str | None = None


class AssessIn(InputSchema):
    """Factors on the bureau's scale: LEC sends l, e and c; L×S sends l and s (1–5)."""

    model_config = _example(l="3", e="6", c="15", reason="yearly", assessed_on="2026-03-02")

    l: Decimal = Field(examples=["3"], description="LEC: 0.1 0.2 0.5 1 3 6 10; L×S: 1–5.")
    e: Decimal | None = Field(None, description="LEC only: 0.5 1 2 3 6 10.")
    c: Decimal | None = Field(None, description="LEC only: 1 3 7 15 40 100.")
    s: Decimal | None = Field(None, description="L×S only: 1–5.")
    reason: str = Field(Reason.INITIAL.value, description=_one_of(Reason.values))
    direct_red_reason: str = Field(
        "", description="Red whatever the score (直接判定), and why; at most 200 characters."
    )
    note: str = Field("", description="At most 300 characters.")
    assessed_on: datetime.date | None = Field(None, description="Default: today.")


class BuildIn(InputSchema):
    model_config = _example(school=12, categories=["fire", "food"])

    school: int = Field(examples=[12])
    categories: list[str] | None = Field(
        None, description="Category codes; null or omitted: every category for the school's kind."
    )


class LibraryItemIn(InputSchema):
    model_config = _example(
        org=3,
        category="drowning",
        hazard_zh="学校周边水库无警示标志",
        hazard_en="No warning signs at the reservoir near the school",
        consequences_zh="溺水",
        measures_zh="设置警示牌，暑期每日巡查",
        frequency="weekly",
        school_kinds=["primary", "junior"],
    )

    org: int | None = Field(
        None, description="The bureau that owns a new entry (POST only; ignored on PUT)."
    )
    category: int | str = Field(examples=["drowning"], description="Category code or id.")
    hazard_zh: str
    hazard_en: str = ""
    consequences_zh: str = ""
    consequences_en: str = ""
    measures_zh: str
    measures_en: str = ""
    frequency: str = Field(description=_one_of(Frequency.values))
    school_kinds: list[str] = Field(
        description='School kinds it applies to, or ["all"]. '
        + _one_of([v for v, _l in KIND_CHOICES])
    )


class PolicyIn(InputSchema):
    model_config = _example(org=3, method="ls", red="19", orange="14", yellow="8")

    org: int = Field(examples=[3], description="The bureau.")
    method: str = Field(examples=["lec"], description=_one_of(Method.values))
    red: Decimal = Field(examples=["320"])
    orange: Decimal = Field(examples=["160"])
    yellow: Decimal = Field(examples=["70"])

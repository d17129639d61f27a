"""API shapes for organisations and campuses. Every field is listed (no mass assignment)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from safecampus.lib.api import InputSchema
from safecampus.lib.pagination import PageOut
from safecampus.orgs.choices import Level, OrgStatus, Ownership, SchoolKind


def _one_of(values: list[str]) -> str:
    return "One of: " + ", ".join(values) + "."


NEW_LEVELS = [Level.SCHOOL.value, Level.COUNTY.value, Level.TOWN.value]


class OrgRef(Schema):
    """An organisation named inside another object."""

    id: int = Field(examples=[12])
    code: str = Field(examples=["SA1"])
    name: str = Field(examples=["东湖第一小学"])
    level: str = Field(examples=["school"], description=_one_of(Level.values))


class OrgOut(Schema):
    id: int = Field(examples=[12])
    parent_id: int | None = Field(
        examples=[3], description="Null for a top-level org or a parent outside your scope."
    )
    level: str = Field(examples=["school"], description=_one_of(Level.values))
    code: str = Field(examples=["SA1"])
    name: str = Field(examples=["东湖第一小学"])
    status: str = Field(examples=["active"], description=_one_of(OrgStatus.values))
    address: str = Field(examples=["东湖区解放路 1 号"])
    phone: str = Field(examples=["027-8888 0001"])
    school_kind: str | None = Field(
        examples=["primary"], description="Null for bureaus. " + _one_of(SchoolKind.values)
    )
    ownership: str | None = Field(
        examples=["public"], description="Null for bureaus. " + _one_of(Ownership.values)
    )
    licensed: bool = Field(
        examples=[True], description="False only for unlicensed (无证) kindergartens."
    )
    principal_name: str = Field(examples=["王校长"])
    safety_officer_name: str = Field(examples=["李主任"])
    students: int = Field(examples=[800])
    staff: int = Field(examples=[60])
    boarding: bool = Field(examples=[False])
    created_at: datetime
    updated_at: datetime


class OrgPage(PageOut):
    items: list[OrgOut]


class CampusOut(Schema):
    id: int = Field(examples=[31])
    name: str = Field(examples=["北校区"])
    address: str = Field(examples=["东湖区北京路 9 号"])
    is_main: bool = Field(examples=[False])


class CampusPage(PageOut):
    items: list[CampusOut]


class OrgDetailOut(OrgOut):
    children_count: int = Field(examples=[0], description="Direct children in the tree.")
    campuses: list[CampusOut]
    capabilities: list[str] = Field(
        examples=[["org.manage", "org.view", "user.manage", "user.view"]],
        description="What you may do at this organisation.",
    )


class OrgListQuery(Schema):
    """The organisation list's filters: the same FilterSet as the page and the Excel export."""

    q: str | None = Field(None, description="Text in the name, code or principal's name.")
    under: str | None = Field(None, description="Only this organisation (id) and its subtree.")
    level: str | None = Field(None, description=_one_of(Level.values))
    school_kind: str | None = Field(None, description=_one_of(SchoolKind.values))
    ownership: str | None = Field(None, description=_one_of(Ownership.values))
    licensed: str | None = Field(None, description=_one_of(["true", "false"]))
    boarding: str | None = Field(None, description=_one_of(["true", "false"]))
    status: str | None = Field(None, description=_one_of(OrgStatus.values))


class TreeCounts(Schema):
    """Active schools in the subtree (DOMAIN.md §13.9: unlicensed kindergartens apart)."""

    schools: int = Field(examples=[212])
    kindergartens: int = Field(examples=[96])
    unlicensed: int = Field(examples=[7])
    students: int = Field(examples=[104300])


class TreeSchool(Schema):
    id: int = Field(examples=[12])
    code: str = Field(examples=["SA1"])
    name: str = Field(examples=["东湖第一小学"])
    school_kind: str = Field(examples=["primary"])
    status: str = Field(examples=["active"])
    licensed: bool = Field(examples=[True])
    students: int = Field(examples=[800])


class OrgTreeNode(Schema):
    id: int = Field(examples=[3])
    code: str = Field(examples=["CA"])
    name: str = Field(examples=["东湖区"])
    level: str = Field(examples=["county"])
    status: str = Field(examples=["active"])
    counts: TreeCounts
    children: list[OrgTreeNode] = Field(description="Bureaus (and towns) directly below.")
    schools: list[TreeSchool] | None = Field(
        None, description="Schools directly below; only with ?include_schools=true."
    )


OrgTreeNode.model_rebuild()


class OrgTreeOut(Schema):
    roots: list[OrgTreeNode] = Field(description="One tree per organisation you hold a role at.")


class OrgCreateIn(InputSchema):
    """A new school, county or town under ``parent``; school fields only for schools."""

    parent: int = Field(examples=[3], description="Id of the bureau (or town) to create under.")
    level: str = Field(examples=["school"], description=_one_of(NEW_LEVELS))
    name: str = Field(examples=["东湖第二小学"])
    code: str = Field(examples=["SA3"], description="Unique; letters, digits, - and _.")
    address: str = ""
    phone: str = ""
    school_kind: str = Field("", examples=["primary"], description=_one_of(SchoolKind.values))
    ownership: str = Field("", examples=["public"], description=_one_of(Ownership.values))
    licensed: bool = True
    principal_name: str = ""
    safety_officer_name: str = ""
    students: int = 0
    staff: int = 0
    boarding: bool = False


class OrgPatchIn(InputSchema):
    """Only the fields sent are changed. ``level``, ``status`` and the place in the tree are
    not editable here (closing a school is the bureau's decision, on its page)."""

    name: str | None = Field(None, examples=["东湖第一实验小学"])
    code: str | None = None
    address: str | None = None
    phone: str | None = None
    school_kind: str | None = Field(None, description=_one_of(SchoolKind.values))
    ownership: str | None = Field(None, description=_one_of(Ownership.values))
    licensed: bool | None = None
    principal_name: str | None = None
    safety_officer_name: str | None = None
    students: int | None = Field(None, examples=[820])
    staff: int | None = None
    boarding: bool | None = None


class CampusIn(InputSchema):
    name: str = Field(examples=["北校区"])
    address: str = ""

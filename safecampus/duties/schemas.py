"""API shapes of the responsibility system. Every input field is listed (no mass assignment);
an unknown field is rejected with 422."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from safecampus.duties.choices import CellKind, LetterState
from safecampus.lib.api import InputSchema
from safecampus.orgs.schemas import OrgRef


def _example(**example: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class PersonRef(Schema):
    id: int = Field(examples=[42])
    username: str = Field(examples=["wang.li"])
    display_name: str = Field(examples=["王丽"])


# --- posts ----------------------------------------------------------------------------------


class TemplateOut(Schema):
    key: str = Field(examples=["head_teacher"])
    name: str = Field(examples=["班主任"])
    name_zh: str
    name_en: str
    duties_zh: list[str]
    duties_en: list[str]


class HolderOut(Schema):
    id: int = Field(description="The assignment's id (sign it with POST …/assignments/{id}/sign).")
    person: PersonRef
    started_on: datetime.date
    ended_on: datetime.date | None
    signed_version: int = Field(description="The version this holder last signed; 0: never.")
    signed: bool = Field(description="True if the holder signed the post's current version.")


class PostOut(Schema):
    id: int
    org: OrgRef
    name: str = Field(examples=["班主任"])
    template: str | None = Field(None, description="The template key it was created from.")
    duties: list[str]
    version: int
    holders: list[HolderOut]
    updated_at: datetime.datetime


class PostIn(InputSchema):
    model_config = _example(org=12, name="校医", duties=["负责学生晨午检", "管理传染病报告"])

    org: int = Field(description="The school or bureau the post belongs to.")
    name: str
    duties: list[str] = Field(description="The duties in order, one text each (1–30).")


class PostEditIn(InputSchema):
    model_config = _example(name="班主任", duties=["每日清点学生出勤"], expected_version=1)

    name: str
    duties: list[str]
    expected_version: int | None = Field(
        None, description="The version you edited; if the list changed since, 409."
    )


class FromTemplatesIn(InputSchema):
    model_config = _example(org=12, templates=["principal", "head_teacher"])

    org: int
    templates: list[str] | None = Field(
        None, description="Template keys; all nine when left out. Existing posts are kept."
    )


class AssignIn(InputSchema):
    model_config = _example(person=42, started_on="2026-09-01")

    person: int = Field(description="A person holding a role at the post's organisation.")
    started_on: datetime.date | None = None


class EndIn(InputSchema):
    ended_on: datetime.date | None = None


class SignIn(InputSchema):
    model_config = _example(version=2)

    version: int = Field(description="The version of the list you read; if it changed, 409.")


class AcknowledgementOut(Schema):
    id: int
    assignment: int
    version: int
    post_name: str
    duties: list[str] = Field(description="Exactly the text signed (later edits do not change it).")
    sha256: str
    signed_at: datetime.datetime


class MyListOut(Schema):
    assignment: int
    post: int
    org: OrgRef
    name: str
    duties: list[str]
    version: int
    signed: bool


class RollupRow(Schema):
    school: OrgRef
    posts: int
    posts_held: int
    vacant: int
    assigned: int
    signed: int
    unsigned: int


class UnsignedRow(Schema):
    assignment: int
    org: OrgRef
    post: int
    post_name: str
    person: PersonRef
    started_on: datetime.date
    signed_version: int


class UnsignedOut(Schema):
    org: OrgRef
    totals: dict[str, int]
    schools: list[RollupRow]
    unsigned: list[UnsignedRow] = Field(description="Up to 500 people, school by school.")


# --- grid and pairings ----------------------------------------------------------------------


class CellIn(InputSchema):
    model_config = _example(
        school=12,
        kind="area",
        area="校门口",
        time_slot="放学",
        start_time="16:30",
        end_time="17:30",
        person=42,
        note="护导学生过马路",
    )

    school: int
    kind: str = Field(CellKind.AREA, description="One of: " + ", ".join(CellKind.values) + ".")
    area: str
    time_slot: str
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None
    person: int
    note: str = ""


class CellOut(Schema):
    id: int
    school: OrgRef
    kind: str
    area: str
    time_slot: str
    start_time: datetime.time | None
    end_time: datetime.time | None
    person: PersonRef
    note: str


class PairingIn(InputSchema):
    model_config = _example(
        school=12,
        teacher=42,
        group_label="三年级二班 第3组",
        students=["张小明", "李小红"],
        contact_duty="每两周谈心一次",
        started_on="2026-09-01",
    )

    school: int
    teacher: int
    group_label: str
    students: list[str] = Field(description="Names only: no ID numbers, phones or addresses.")
    contact_duty: str = ""
    started_on: datetime.date | None = None


class PairingNoteIn(InputSchema):
    text: str
    written_on: datetime.date | None = None


class PairingNoteOut(Schema):
    id: int
    written_on: datetime.date
    text: str
    author: PersonRef


class PairingOut(Schema):
    id: int
    school: OrgRef
    teacher: PersonRef
    group_label: str
    students: list[str]
    contact_duty: str
    started_on: datetime.date
    ended_on: datetime.date | None
    notes: list[PairingNoteOut] = []


# --- letters --------------------------------------------------------------------------------


class LetterFileIn(InputSchema):
    name: str = Field(examples=["2026年安全责任书.pdf"])
    data: str = Field(description="The file's bytes, base64. PDF, JPEG, PNG or .docx; ≤10 MB.")


class LetterIn(InputSchema):
    model_config = _example(
        issuer=3, year=2026, title="2026年度学校安全工作目标责任书", text="……", recipients=None
    )

    issuer: int = Field(description="The city or county bureau issuing the letter.")
    year: int
    title: str
    text: str = ""
    file: LetterFileIn | None = None
    recipients: list[int] | None = Field(
        None, description="Unit ids; every unit under the bureau when left out."
    )


class LetterSignIn(InputSchema):
    signed_on: datetime.date | None = None


class LetterCopyOut(Schema):
    id: int = Field(description="The copy's id (sign it with POST …/letters/{id}/sign).")
    letter: int
    year: int
    title: str
    issuer: OrgRef
    recipient: OrgRef
    state: str = Field(description="One of: " + ", ".join(LetterState.values) + ".")
    issued_at: datetime.datetime
    signed_on: datetime.date | None
    signed_by: PersonRef | None
    file_url: str | None


class BoardRow(Schema):
    unit: OrgRef
    issued: int
    signed: int


class BoardOut(Schema):
    issuer: OrgRef
    year: int
    totals: dict[str, int]
    units: list[BoardRow]

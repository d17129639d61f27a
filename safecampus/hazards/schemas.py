"""API shapes for hidden hazards (隐患). Every input field is listed (no mass assignment); an
unknown field is rejected with 422. Request bodies carry a full example for the OpenAPI docs."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field

from safecampus.hazards.choices import (
    PhotoKind,
    RectificationType,
    RevisitResult,
    Severity,
    Source,
    State,
    Transition,
)
from safecampus.lib.api import InputSchema
from safecampus.orgs.schemas import OrgRef


def _one_of(values: list[str]) -> str:
    return "One of: " + ", ".join(values) + "."


def _example(**example: Any) -> ConfigDict:
    """A request body's example for the docs (the forbid-extra config is inherited)."""
    return ConfigDict(json_schema_extra={"examples": [example]})


EXPECTED_STATE = Field(
    examples=["reported"],
    description=(
        "The state you saw when you decided. If the hazard has moved on since, nothing is "
        "changed and the answer is 409. " + _one_of(State.values)
    ),
)

# --- filters and paging ---------------------------------------------------------------------


class HazardFilterQuery(Schema):
    """The ledger's filters: the same FilterSet as the ledger page, the Excel export and the
    statistics, so the same parameters give the same hazards everywhere."""

    q: str | None = Field(None, description="Text in the title or location, or a number YH…")
    org: str | None = Field(None, description="Only this organisation (id) and its subtree.")
    category: str | None = Field(None, description="Category id (GET /hazards/categories).")
    severity: str | None = Field(None, description=_one_of(Severity.values))
    state: list[str] | None = Field(
        None, description="Repeat for several. " + _one_of(State.values)
    )
    open: str | None = Field(None, description="true: open states only; false: closed/dismissed.")
    source: str | None = Field(None, description=_one_of(Source.values))
    rectification_type: str | None = Field(None, description=_one_of(RectificationType.values))
    overdue: str | None = Field(None, description="true: open and past the deadline.")
    supervised: str | None = Field(None, description="true: listed for supervision (挂牌督办).")
    found_from: str | None = Field(None, description="Found on or after (YYYY-MM-DD).")
    found_to: str | None = Field(None, description="Found on or before (YYYY-MM-DD).")
    deadline_from: str | None = Field(None, description="Deadline on or after (YYYY-MM-DD).")
    deadline_to: str | None = Field(None, description="Deadline on or before (YYYY-MM-DD).")
    responsible: str | None = Field(None, description="Username or part of the display name.")


class KeysetParams(Schema):
    after: str | None = Field(
        None, description="The `next` cursor of the previous page; omit for the first page."
    )
    limit: int = Field(50, ge=1, le=500, description="Items per page, at most 500.")


# --- references -----------------------------------------------------------------------------


class UserRef(Schema):
    id: int = Field(examples=[7])
    username: str = Field(examples=["teacher_li"])
    display_name: str = Field(examples=["李老师"])


class CategoryOut(Schema):
    id: int = Field(examples=[5])
    code: str = Field(examples=["fire"])
    name: str = Field(examples=["消防安全"], description="In the request's language.")
    name_zh: str = Field(examples=["消防安全"])
    name_en: str = Field(examples=["Fire"])
    active: bool = Field(examples=[True])


class CategoryRef(Schema):
    id: int = Field(examples=[5])
    code: str = Field(examples=["fire"])
    name: str = Field(examples=["消防安全"])


# --- hazards --------------------------------------------------------------------------------


class HazardOut(Schema):
    id: int = Field(examples=[1042])
    number: str = Field(examples=["YH2026-001042"], description="What people call it.")
    org: OrgRef = Field(description="The school.")
    source: str = Field(examples=["self_check"], description=_one_of(Source.values))
    category: CategoryRef
    severity: str = Field(examples=["general"], description=_one_of(Severity.values))
    title: str = Field(examples=["灭火器过期"])
    location: str = Field(examples=["教学楼二楼"])
    found_on: datetime.date
    state: str = Field(examples=["assigned"], description=_one_of(State.values))
    rectification_type: str = Field(
        examples=["deadline"], description=_one_of(RectificationType.values)
    )
    responsible: UserRef | None
    deadline: datetime.date | None
    overdue: bool = Field(description="Open and past the deadline (derived, not a state).")
    supervising_org: OrgRef | None = Field(description="Set when listed for supervision.")
    closed_on: datetime.date | None
    reopened_count: int = Field(examples=[0])
    escalation_level: int = Field(examples=[0], description="0 none, 1 county, 2 city.")
    created_at: datetime.datetime
    updated_at: datetime.datetime


class HazardPage(Schema):
    items: list[HazardOut]
    next: str | None = Field(
        description="Pass as `after` for the next page; null on the last page.",
        examples=["MjAyNi0wMy0wMnwxMDQy"],
    )


class EventOut(Schema):
    id: int
    verb: str = Field(examples=["assign"], description="report, a transition, plan, progress…")
    from_state: str = Field(examples=["reported"])
    to_state: str = Field(examples=["assigned"])
    note: str
    actor: UserRef | None
    created_at: datetime.datetime


class PhotoOut(Schema):
    id: int = Field(examples=[311])
    kind: str = Field(examples=["before"], description=_one_of(PhotoKind.values))
    url: str = Field(
        examples=["/hazards/photos/311/"], description="Served only to people who may see it."
    )
    thumbnail_url: str = Field(examples=["/hazards/photos/311/thumb/"])
    created_at: datetime.datetime


class MilestoneOut(Schema):
    id: int = Field(examples=[12])
    title: str = Field(examples=["完成围墙加固招标"])
    due_on: datetime.date
    done_on: datetime.date | None
    progress: str = Field(examples=["已发布招标公告"])


class PlanOut(Schema):
    measures: str = Field(examples=["拆除危墙，新建围墙 120 米"])
    funds: str = Field(examples=["区财政专项 30 万元"])
    responsible: UserRef
    interim_measures: str
    contingency: str
    milestones: list[MilestoneOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RevisitOut(Schema):
    id: int
    org: OrgRef = Field(description="The bureau that revisited.")
    by: UserRef
    visited_on: datetime.date
    result: str = Field(examples=["holds"], description=_one_of(RevisitResult.values))
    note: str
    created_at: datetime.datetime


class HazardDetailOut(HazardOut):
    description: str
    risk_point: int | None = Field(
        None, description="Id of the risk point it was raised from (GET /risks/points/{id})."
    )
    finder: UserRef | None
    finder_name: str
    interim_measures: str
    cost_note: str
    rectification_note: str
    verifier: UserRef | None
    verification_opinion: str
    dismissed_reason: str
    supervisor: UserRef | None
    report_interval_days: int | None
    supervised_on: datetime.date | None
    tracking_code: str | None = Field(description="Given to a public reporter to follow it.")
    reporter_contact: str
    transitions: list[str] = Field(
        examples=[["assign", "dismiss"]],
        description=(
            "What the transition table allows from the current state (your permission is "
            "checked when you ask). " + _one_of(Transition.values)
        ),
    )
    events: list[EventOut] = Field(description="The timeline, oldest first.")
    photos: list[PhotoOut]
    plan: PlanOut | None
    revisits: list[RevisitOut]


# --- inputs ---------------------------------------------------------------------------------


class PhotoDataIn(InputSchema):
    kind: str = Field(examples=["before"], description=_one_of(PhotoKind.values))
    data: str = Field(
        description="The photo file, base64 (JPEG, PNG, WebP or HEIC, at most 15 MB).",
        examples=["/9j/4AAQSkZJRgABAQ..."],
    )


class HazardCreateIn(InputSchema):
    """Report a hazard at a school. A phone that retries sends the same `client_id`: the
    retry answers 200 with the hazard created the first time instead of a second one."""

    model_config = _example(
        school=12,
        source="self_check",
        category="fire",
        severity="general",
        title="灭火器过期",
        description="二楼走廊 3 具灭火器已过期",
        location="教学楼二楼",
        found_on="2026-03-02",
        rectification_type="deadline",
        interim_measures="已调配临时灭火器",
        client_id="5f0c6f4e-6a1b-4a55-9d39-2f1c8e2b9a10",
    )

    school: int = Field(examples=[12], description="Id of the school.")
    source: str = Field(examples=["self_check"], description=_one_of(Source.values))
    category: int | str = Field(
        examples=["fire"], description="Category code or id (GET /hazards/categories)."
    )
    severity: str = Field(Severity.GENERAL.value, description=_one_of(Severity.values))
    title: str = Field(examples=["灭火器过期"], description="At most 120 characters.")
    description: str = ""
    location: str = Field("", description="Where on campus; at most 120 characters.")
    found_on: datetime.date
    finder_name: str = Field("", description="Who found it, if not you.")
    rectification_type: str = Field(
        RectificationType.DEADLINE.value,
        description=(
            "immediate: found and fixed on the spot (立查立改), needs a before and an after "
            "photo in `photos` and waits for verification; deadline: assigned later. "
            + _one_of(RectificationType.values)
        ),
    )
    interim_measures: str = ""
    cost_note: str = ""
    client_id: uuid.UUID | None = Field(None, description="A UUID made by the client.")
    risk_point: int | None = Field(
        None, description="Id of the risk point it was found at (GET /risks/points), if any."
    )
    photos: list[PhotoDataIn] = Field(
        default_factory=list,
        max_length=10,
        description="Photos sent with the report (others: POST /hazards/{id}/photos).",
    )


class AssignIn(InputSchema):
    model_config = _example(
        expected_state="reported",
        responsible=7,
        deadline="2026-03-16",
        interim_measures="设置警示标识",
        severity="general",
    )

    expected_state: str = EXPECTED_STATE
    responsible: int = Field(
        examples=[7], description="Id of a person with a role at the school or above it."
    )
    deadline: datetime.date = Field(description="Not before the date found.")
    interim_measures: str | None = None
    severity: str | None = Field(None, description="Re-grade while assigning.")


class StateIn(InputSchema):
    model_config = _example(expected_state="assigned")

    expected_state: str = EXPECTED_STATE


class SubmitIn(InputSchema):
    model_config = _example(expected_state="rectifying", note="已更换 3 具灭火器")

    expected_state: str = EXPECTED_STATE
    note: str = Field(description="What was done. Upload the after photos first.")


class VerifyIn(InputSchema):
    model_config = _example(expected_state="awaiting_verification", opinion="验收合格，同意销号")

    expected_state: str = EXPECTED_STATE
    opinion: str = Field(description="The verification opinion (验收意见).")


class ReasonIn(InputSchema):
    model_config = _example(expected_state="awaiting_verification", reason="照片不清晰，请补充")

    expected_state: str = EXPECTED_STATE
    reason: str


class SuperviseIn(InputSchema):
    model_config = _example(supervising_org=3, supervisor=21, report_interval_days=7)

    supervising_org: int = Field(description="The county or city bureau above the school.")
    supervisor: int = Field(description="Id of the supervising person at that bureau.")
    report_interval_days: int = Field(description="Progress report every 1 to 90 days.")


class MilestoneNewIn(InputSchema):
    title: str = Field(examples=["完成围墙加固招标"])
    due_on: datetime.date


class PlanIn(InputSchema):
    """The plan's fields are replaced; milestones listed are added to those already there
    (their progress is kept)."""

    model_config = _example(
        measures="拆除危墙，新建围墙 120 米",
        funds="区财政专项 30 万元",
        responsible=7,
        interim_measures="设置隔离带，专人值守",
        contingency="遇暴雨停用北侧通道",
        milestones=[{"title": "完成围墙加固招标", "due_on": "2026-04-15"}],
    )

    measures: str
    funds: str = ""
    responsible: int = Field(description="Id of the person responsible for the plan.")
    interim_measures: str = ""
    contingency: str = ""
    milestones: list[MilestoneNewIn] = Field(default_factory=list, max_length=50)


class MilestoneProgressIn(InputSchema):
    model_config = _example(progress="已完成招标，施工单位进场", done_on="2026-04-12")

    progress: str
    done_on: datetime.date | None = None


class RevisitIn(InputSchema):
    model_config = _example(org=3, result="holds", note="整改效果保持良好", visited_on="2026-09-01")

    org: int = Field(description="The bureau making the revisit (回头看).")
    result: str = Field(description="recurred reopens the hazard. " + _one_of(RevisitResult.values))
    note: str = ""
    visited_on: datetime.date | None = Field(None, description="Today when omitted.")


# --- statistics -----------------------------------------------------------------------------


class StatsMeasures(Schema):
    """See docs/hazards.md, "Statistics", for every definition."""

    found: int = Field(examples=[150], description="Hazards found in the period, any state.")
    closed: int = Field(examples=[132], description="Closed (销号).")
    in_rectification: int = Field(examples=[18], description="Open: not closed, not dismissed.")
    awaiting_verification: int = Field(examples=[3])
    overdue: int = Field(examples=[2], description="Open with a deadline before today.")
    immediate: int = Field(examples=[40], description="Fixed on the spot (立查立改).")
    dismissed: int = Field(examples=[0], description="Found not to be hazards.")
    reopened: int = Field(examples=[1], description="Reopened by a revisit at least once.")
    major: int = Field(examples=[4], description="Major hazards (重大隐患), any state.")
    supervised: int = Field(examples=[1], description="Open and listed for supervision.")
    closed_on_time: int = Field(examples=[120])
    rectification_rate: float | None = Field(
        examples=[0.88], description="closed / (found − dismissed); null if nothing to rate."
    )
    on_time_rate: float | None = Field(
        examples=[0.9091], description="closed_on_time / closed; null if nothing closed."
    )


class StatsRow(StatsMeasures):
    key: str = Field(examples=["fire"], description="The code (or org id, or `direct`).")
    label: str = Field(examples=["消防安全"])


class StatsOrgRow(StatsRow):
    org: OrgRef | None = Field(
        description="The child organisation; null for the schools directly under the root."
    )


class HazardStatsOut(StatsMeasures):
    today: datetime.date = Field(description="The day overdue is judged against.")
    root: OrgRef | None = Field(description="The organisation `by_org` breaks down.")
    by_category: list[StatsRow]
    by_severity: list[StatsRow]
    by_source: list[StatsRow]
    by_state: list[StatsRow]
    by_org: list[StatsOrgRow] = Field(
        description="Per child of `root` (a county per row under a city, a school per row "
        "under a county)."
    )

"""What a demo hazard is made of: plain records, written by demo.actions and demo.province."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from safecampus.hazards.choices import OVERDUE_STATES, RectificationType, State


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class Bureau:
    org_id: int
    name: str
    admin: Person
    staff: Person
    inspector: Person


@dataclass(frozen=True)
class SchoolSlot:
    """A school that hazards are found at, with the demo people who handle them."""

    org_id: int
    path: str
    weight: float  # bigger schools find more hazards
    principal: Person
    safety: Person
    teacher: Person | None
    guard: Person | None
    county: Bureau | None  # None: a city-direct school (市直学校)
    city: Bureau

    @property
    def bureau(self) -> Bureau:
        """The bureau right above the school (its county, or the city for 市直)."""
        return self.county or self.city


@dataclass(slots=True)
class Event:
    verb: str
    from_state: str
    to_state: str
    actor_id: int | None
    at: datetime.datetime
    note: str


@dataclass(slots=True)
class Milestone:
    title: str
    due_on: datetime.date
    done_on: datetime.date | None
    progress: str


@dataclass(slots=True)
class Plan:
    measures: str
    funds: str
    responsible_id: int
    interim_measures: str
    contingency: str
    created_at: datetime.datetime
    milestones: list[Milestone]


@dataclass(slots=True)
class RevisitRecord:
    org_id: int
    by_id: int
    visited_on: datetime.date
    result: str
    note: str
    created_at: datetime.datetime


@dataclass(slots=True)
class HazardRecord:
    """One hazard with everything that hangs off it; field names are the model's attnames."""

    client_id: uuid.UUID
    org_id: int
    org_path: str
    source: str
    category: str  # the category code; writers map it to an id
    severity: str
    title: str
    description: str
    location: str
    found_on: datetime.date
    finder_id: int | None
    finder_name: str
    state: str = State.REPORTED.value
    rectification_type: str = RectificationType.DEADLINE.value
    responsible_id: int | None = None
    deadline: datetime.date | None = None
    interim_measures: str = ""
    cost_note: str = ""
    rectification_note: str = ""
    verifier_id: int | None = None
    verification_opinion: str = ""
    closed_on: datetime.date | None = None
    dismissed_reason: str = ""
    supervising_org_id: int | None = None
    supervisor_id: int | None = None
    report_interval_days: int | None = None
    supervised_on: datetime.date | None = None
    escalation_level: int = 0
    reopened_count: int = 0
    tracking_code: str | None = None
    reporter_contact: str = ""
    created_by_id: int | None = None
    risk_point_id: int | None = None  # raised from a point of the school's risk register
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    events: list[Event] = field(default_factory=list)
    plan: Plan | None = None
    revisits: list[RevisitRecord] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state not in (State.CLOSED, State.DISMISSED)

    def is_overdue(self, today: datetime.date) -> bool:
        """As models.overdue_q: not yet handed in, and the deadline has passed."""
        return self.state in OVERDUE_STATES and self.deadline is not None and self.deadline < today


# The Hazard columns a record fills, by attname ("category" is a code, mapped by the writers).
HAZARD_COLUMNS: tuple[str, ...] = tuple(
    name for name in HazardRecord.__dataclass_fields__ if name not in ("events", "plan", "revisits")
)

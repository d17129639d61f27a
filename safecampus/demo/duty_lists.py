"""Demo responsibility lists (岗位安全职责, DOMAIN.md §2.3) for the demo city: each school's
posts from the shipped templates, held by its demo logins, most of them signed.

A school gets the posts its demo people can hold: the principal's and the safety officer's,
and the head teacher's and the guard's where the school has those logins. Everyone took up
their post at the start of the school year; about 80% have signed their list since, so the
"unsigned lists" roll-up and early warning have something to show. Rows go through demo.sink
like the risk registers (explicit ids: the caller moves the sequences on).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from safecampus.demo import sink
from safecampus.demo.hazard_records import Person, SchoolSlot
from safecampus.demo.hazard_story import TZ
from safecampus.duties.defaults import ensure_templates
from safecampus.duties.models import Acknowledgement, Post, PostAssignment, PostTemplate
from safecampus.duties.models import duties_hash as signed_hash

SIGNED_SHARE = 0.80
SIGNING_DAYS = 30  # holders sign within a month of taking up the post
# Which demo login holds each template's post (SchoolSlot attribute); others stay unused.
HOLDERS: dict[str, str] = {
    "principal": "principal",
    "safety_officer": "safety",
    "head_teacher": "teacher",
    "guard": "guard",
}
POST_ROW = (
    "id",
    "org_id",
    "org_path",
    "template_id",
    "name",
    "duties",
    "version",
    "sort",
    "created_at",
    "updated_at",
)
ASSIGNMENT_ROW = ("id", "post_id", "person_id", "started_on", "signed_version", "created_at")
ACK_ROW = ("assignment_id", "version", "post_name", "duties", "sha256", "signed_at")
EXPLICIT_IDS = (Post, PostAssignment)


@dataclass(frozen=True)
class Template:
    id: int
    key: str
    name: str
    duties: tuple[str, ...]
    sort: int


@dataclass
class Holder:
    person: Person
    signed_at: datetime.datetime | None


@dataclass
class DemoPost:
    slot: SchoolSlot
    template: Template
    holders: list[Holder] = field(default_factory=list)


def templates() -> list[Template]:
    """The shipped templates in Chinese (recreated if a flushed database lost them)."""
    if not PostTemplate.objects.exists():
        ensure_templates()
    return [
        Template(t.pk, t.key, t.name_zh, tuple(t.duties_zh), t.sort)
        for t in PostTemplate.objects.filter(key__in=HOLDERS).order_by("sort", "key")
    ]


def school_year_start(today: datetime.date) -> datetime.date:
    """1 September of the school year ``today`` is in."""
    year = today.year if today.month >= 9 else today.year - 1
    return datetime.date(year, 9, 1)


def posts(
    slots: Sequence[SchoolSlot],
    shipped: Sequence[Template],
    *,
    seed: int,
    today: datetime.date,
    now: datetime.datetime,
) -> list[DemoPost]:
    """Each school's posts with their holders; deterministic for the same arguments."""
    rng = random.Random(f"safecampus-demo-duties-{seed}")
    started = school_year_start(today)
    out = []
    for slot in slots:
        for template in shipped:
            person = getattr(slot, HOLDERS[template.key])
            if person is not None:
                out.append(DemoPost(slot, template, [Holder(person, None)]))
    holders = [h for p in out for h in p.holders]
    for i in rng.sample(range(len(holders)), round(len(holders) * SIGNED_SHARE)):
        day = started + datetime.timedelta(days=rng.randint(0, SIGNING_DAYS))
        minute = rng.randint(8 * 60, 18 * 60)
        at = datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)
        holders[i].signed_at = min(at, now)
    return out


def write(
    demo_posts: Sequence[DemoPost], today: datetime.date, now: datetime.datetime
) -> dict[str, int]:
    """Store the posts, assignments and signatures; returns their counts."""
    started = school_year_start(today)
    created = min(now, datetime.datetime(started.year, 8, 25, 9, tzinfo=TZ))
    post_id, assignment_id = sink.next_id(Post), sink.next_id(PostAssignment)
    post_rows: list[tuple[Any, ...]] = []
    assignments: list[tuple[int, int, DemoPost, Holder]] = []
    for post in demo_posts:
        t = post.template
        org_id, path = post.slot.org_id, post.slot.path
        post_rows.append(
            (post_id, org_id, path, t.id, t.name, list(t.duties), 1, t.sort, created, created)
        )
        for holder in post.holders:
            assignments.append((assignment_id, post_id, post, holder))
            assignment_id += 1
        post_id += 1
    assignment_rows = [
        (pk, post_pk, holder.person.id, started, 1 if holder.signed_at else 0, created)
        for pk, post_pk, _post, holder in assignments
    ]
    return {
        "posts": sink.write(Post, POST_ROW, post_rows),
        "assignments": sink.write(PostAssignment, ASSIGNMENT_ROW, assignment_rows),
        "signed": sink.write(Acknowledgement, ACK_ROW, _ack_rows(assignments)),
    }


def _ack_rows(assignments: list[tuple[int, int, DemoPost, Holder]]) -> Iterator[tuple[Any, ...]]:
    for pk, _post_pk, post, holder in assignments:
        if holder.signed_at is None:
            continue
        name, duties = post.template.name, list(post.template.duties)
        yield (pk, 1, name, duties, signed_hash(name, duties), holder.signed_at)

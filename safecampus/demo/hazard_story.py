"""One demo hazard's life, step by step: from its story to its fields and timeline (§4.1)."""

from __future__ import annotations

import bisect
import datetime
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from safecampus.demo import hazard_texts as texts
from safecampus.demo.hazard_records import (
    Event,
    HazardRecord,
    Milestone,
    Person,
    Plan,
    RevisitRecord,
    SchoolSlot,
)
from safecampus.hazards.choices import RevisitResult, Severity, Source, State, Transition

TZ = ZoneInfo("Asia/Shanghai")
# Steps that change no state sort before the transitions of the same day (a plan made or a
# milestone met the day the work is handed in comes before the hand-in).
_SIDE_STEPS = frozenset({"plan", "progress", "supervise"})


@dataclass
class Clock:
    """Today, now, and how likely a hazard is found on each of the days of the history."""

    today: datetime.date
    now: datetime.datetime
    days: int
    day_cum: list[float]  # cumulative weight by age (days before today)
    escalate_days: tuple[int, int]

    def age_between(self, rng: random.Random, lo: int, hi: int) -> int:
        """A day ``lo..hi`` days ago (clipped to the history), school days more likely."""
        hi = min(hi, self.days - 1)
        if lo >= hi:
            return max(lo, 0)
        base = self.day_cum[lo - 1] if lo > 0 else 0.0
        x = base + rng.random() * (self.day_cum[hi] - base)
        return min(max(bisect.bisect_left(self.day_cum, x), lo), hi)


class Story:
    """The steps of one hazard's life as day offsets from the day it was found."""

    def __init__(
        self,
        rng: random.Random,
        clock: Clock,
        h: HazardRecord,
        slot: SchoolSlot,
        story: str,
        finding: texts.Finding,
        finder: Person | None,
        supervision: str,
    ):
        self.clock = clock
        self.rng = rng
        self.h = h
        self.slot = slot
        self.story = story
        self.finding = finding
        self.finder = finder
        self.supervision = supervision
        # (day offset, verb, state after or "" for no change, actor id, note)
        self.steps: list[tuple[int, str, str, int | None, str]] = []
        self.revisits: list[tuple[int, str, str]] = []
        self.age = 0  # days from found to today, set by _place

    def step(
        self, offset: int, verb: str, state: str, actor: Person | None, note: str = ""
    ) -> None:
        self.steps.append((offset, str(verb), str(state), actor.id if actor else None, note))

    # --- who does what --------------------------------------------------------------------

    def people(self) -> tuple[Person, Person, Person]:
        """(responsible, assigner, verifier): the verifier is never the responsible person; a
        major hazard is verified by the bureau above, a supervised one by the supervisor's."""
        slot, rng = self.slot, self.rng
        responsible = slot.teacher if slot.teacher and rng.random() < 0.35 else slot.safety
        if self.h.source in (Source.COUNTY_INSPECTION, Source.UNANNOUNCED):
            assigner = slot.bureau.staff
        elif self.h.source == Source.CITY_INSPECTION:
            assigner = slot.city.staff
        else:
            assigner = slot.principal if responsible is slot.safety else slot.safety
        if self.supervision == "city":
            verifier = slot.city.staff
        elif self.h.severity == Severity.MAJOR:
            verifier = slot.bureau.staff
        elif responsible is slot.teacher and rng.random() < 0.4:
            verifier = slot.safety
        else:
            verifier = slot.principal
        return responsible, assigner, verifier

    # --- building -------------------------------------------------------------------------

    def build(self) -> None:
        rng, h, story = self.rng, self.h, self.story
        describe = h.description[:200]
        if story == "closed_immediate":
            self._immediate(describe)
            return
        responsible, assigner, verifier = self.people()
        self.step(0, "report", State.REPORTED, self.finder, describe)
        a = rng.choice((0, 0, 0, 1, 1, 2, 3)) + (1 if self.finder is None else 0)
        if story == "reported":
            self._place(0, a + rng.randint(0, 2))
            self._finish()
            return
        if story == "dismissed":
            when = a + rng.randint(0, 2)
            reason = rng.choice(texts.DISMISS_REASONS)
            self.step(when, Transition.DISMISS, State.DISMISSED, assigner, reason)
            self.h.dismissed_reason = reason
            self._place(when, 10_000)
            self._finish()
            return
        allowed = self._allowed_days()
        deadline = a + allowed
        h.responsible_id = responsible.id
        self.step(a, Transition.ASSIGN, State.ASSIGNED, assigner)
        s = a + rng.choice((0, 1, 1, 2, 3))
        if story == "assigned":
            self._place(a, a + rng.randint(1, 3) - 1, deadline)
        elif story == "overdue_assigned":
            self._place(deadline + 1, deadline + rng.randint(2, 45), deadline)
        else:
            self.step(s, Transition.START, State.RECTIFYING, responsible)
            on_time = s + max(1, round((deadline - s) * rng.uniform(0.3, 0.95)))
            late = deadline + rng.randint(1, max(4, allowed // 2))
            opinion = rng.choice(texts.VERIFY_OPINIONS)
            fix = self.finding.fix
            if story == "rectifying":
                self._place(s, min(on_time - 1, deadline), deadline)
            elif story == "overdue_rectifying":
                longest = 150 if h.severity == Severity.MAJOR else 40
                self._place(deadline + 1, deadline + rng.randint(2, longest), deadline)
            elif story in ("awaiting", "overdue_awaiting"):
                u = on_time if story == "awaiting" else late
                self.step(u, Transition.SUBMIT, State.AWAITING_VERIFICATION, responsible, fix)
                last = u + rng.randint(1, 6) - 1
                self._place(
                    u, min(last, max(u, deadline)) if story == "awaiting" else last, deadline
                )
            else:
                u = late if story == "closed_late" else on_time
                self.step(u, Transition.SUBMIT, State.AWAITING_VERIFICATION, responsible, fix)
                v = u + rng.randint(0, 8 if h.severity == Severity.MAJOR else 3)
                if story == "closed_on_time":  # 按期销号: verified by the deadline too
                    v = min(v, max(u, deadline))
                if story == "closed_rejected":
                    reason = rng.choice(texts.REJECT_REASONS)
                    self.step(v, Transition.REJECT, State.RECTIFYING, verifier, reason)
                    u = v + rng.randint(2, 7)
                    self.step(u, Transition.SUBMIT, State.AWAITING_VERIFICATION, responsible, fix)
                    v = u + rng.randint(0, 3)
                self.step(v, Transition.VERIFY, State.CLOSED, verifier, opinion)
                h.verifier_id, h.verification_opinion = verifier.id, opinion
                if story in ("closed_recurred", "recurred_open"):
                    deadline = self._recur(v, responsible, verifier, opinion)
                else:
                    self._place(v, 10_000, deadline)
                    self._maybe_revisit(v)
        self._extras(a, allowed, responsible)
        self._finish()

    def _allowed_days(self) -> int:
        """Days to fix it: 7 general, 30 complex (§13.6), a major one per its plan."""
        if self.h.severity == Severity.MAJOR:
            return self.rng.choice((30, 45, 60, 90))
        return 30 if self.finding.complex or self.rng.random() < 0.15 else 7

    def _immediate(self, describe: str) -> None:
        """立查立改: found and fixed together, closed when verified (§4.1)."""
        h, slot, rng = self.h, self.slot, self.rng
        finder = self.finder or slot.safety
        h.responsible_id = finder.id
        verifier = slot.safety if finder is slot.principal else slot.principal
        self.step(0, "report", State.AWAITING_VERIFICATION, finder, describe)
        h.rectification_note = self.finding.fix
        v = rng.choice((0, 0, 0, 1, 1, 2))
        opinion = rng.choice(texts.VERIFY_OPINIONS)
        self.step(v, Transition.VERIFY, State.CLOSED, verifier, opinion)
        h.verifier_id, h.verification_opinion = verifier.id, opinion
        self._place(v, 10_000, 0)
        self._finish()

    def _recur(self, v: int, responsible: Person, verifier: Person, opinion: str) -> int:
        """回头看 finds it back: reopened, re-assigned, and (for closed_recurred) fixed again."""
        rng, h = self.rng, self.h
        bureau = self.slot.bureau
        rv = v + rng.randint(30, 120)
        note = rng.choice(texts.RECURRED_NOTES)
        self.step(rv, Transition.REOPEN, State.RECTIFYING, bureau.inspector, note)
        self._revisit(rv, RevisitResult.RECURRED, note)
        h.reopened_count = 1
        ra = rv + rng.randint(0, 1)
        deadline = ra + rng.choice((7, 14, 30))
        self.step(ra, Transition.ASSIGN, State.RECTIFYING, bureau.staff)
        u = ra + max(1, round((deadline - ra) * rng.uniform(0.3, 0.9)))
        if self.story == "recurred_open":
            self._place(ra, u - 1, deadline)
            return deadline
        self.step(u, Transition.SUBMIT, State.AWAITING_VERIFICATION, responsible, self.finding.fix)
        v2 = u + rng.randint(0, 4)
        self.step(v2, Transition.VERIFY, State.CLOSED, verifier, opinion)
        self._place(v2, 10_000, deadline)
        return deadline

    def _place(self, lo: int, hi: int, deadline: int | None = None) -> None:
        """Choose the day it was found so that today is ``lo..hi`` days into its story."""
        age = self.clock.age_between(self.rng, lo, max(lo, hi))
        self.age = age
        self.h.found_on = self.clock.today - datetime.timedelta(days=age)
        if deadline is not None:
            self.h.deadline = self.h.found_on + datetime.timedelta(days=deadline)

    def _maybe_revisit(self, v: int) -> None:
        if self.age - v >= 30 and self.rng.random() < 0.15:
            rv = v + 30 + self.rng.randint(0, min(120, self.age - v - 30))
            note = self.rng.choice(texts.HOLDS_NOTES)
            self.step(rv, "revisit", State.CLOSED, self.slot.bureau.inspector, note)
            self._revisit(rv, RevisitResult.HOLDS, note)

    def _revisit(self, offset: int, result: str, note: str) -> None:
        self.revisits.append((offset, str(result), note))

    def _extras(self, a: int, allowed: int, responsible: Person) -> None:
        """Supervision (挂牌督办) and a rectification plan (整改方案) for the hard cases."""
        rng, h = self.rng, self.h
        end = self._closed_offset()
        if self.supervision:
            bureau = self.slot.city if self.supervision == "city" else self.slot.bureau
            latest = min(a + 5, self.age, (end - 1) if end is not None else self.age)
            when = rng.randint(a, latest) if latest >= a else -1
            if when >= 0:
                h.supervising_org_id, h.supervisor_id = bureau.org_id, bureau.admin.id
                h.report_interval_days = rng.choice((7, 14))
                h.supervised_on = h.found_on + datetime.timedelta(days=when)
                self.step(when, "supervise", "", bureau.admin, bureau.name)
        hard = h.severity == Severity.MAJOR or allowed >= 30
        if hard and rng.random() < (0.8 if h.severity == Severity.MAJOR else 0.3):
            self._plan(a, a + allowed, responsible, end)
        if h.severity == Severity.MAJOR or allowed >= 30:
            funds = rng.choice(texts.PLAN_FUNDS)
            h.cost_note = f"约{rng.choice((800, 1500, 3000, 6000, 12000, 30000, 80000))}元，{funds}"

    def _closed_offset(self) -> int | None:
        closes = [s[0] for s in self.steps if s[2] == State.CLOSED and s[0] <= self.age]
        return closes[0] if closes else None

    def _plan(self, a: int, deadline: int, responsible: Person, end: int | None) -> None:
        rng = self.rng
        made = a + rng.randint(1, 2)
        if made > self.age or (end is not None and made >= end):
            return
        titles = [texts.MILESTONES[0], *rng.sample(texts.MILESTONES[1:-1], rng.randint(0, 2))]
        titles = [*sorted(titles, key=texts.MILESTONES.index), texts.MILESTONES[-1]]
        span = max(len(titles), deadline - made)
        found = self.h.found_on
        milestones = []
        submitted = [s[0] for s in self.steps if s[1] == Transition.SUBMIT]
        limit = min(self.age, submitted[0]) if submitted else self.age
        for index, title in enumerate(titles, start=1):
            due = made + round(span * index / len(titles))
            done = max(made + 1, due + rng.randint(-3, 2))
            if submitted:  # the work was handed in: every milestone was met by then
                finished, done = True, min(done, limit)
            else:  # still at work: the last step (完成整改) is not done yet
                finished = done <= limit and index < len(titles)
            done_on = found + datetime.timedelta(days=done) if finished else None
            progress = "已完成" if finished else ("正在推进" if due <= self.age + 7 else "")
            milestones.append(
                Milestone(title, found + datetime.timedelta(days=due), done_on, progress)
            )
            if finished:
                self.step(done, "progress", "", responsible, f"{title}: {progress}")
        self.h.plan = Plan(
            measures=f"{self.finding.fix}（分阶段实施）",
            funds=rng.choice(texts.PLAN_FUNDS),
            responsible_id=responsible.id,
            interim_measures=self.finding.interim or "设置警示标志，安排专人巡查。",
            contingency=rng.choice(texts.PLAN_CONTINGENCY),
            created_at=self._at(made),  # replaced by the event time in _finish
            milestones=milestones,
        )
        self.step(made, "plan", "", self.slot.principal, self.h.plan.measures[:200])

    # --- from steps to the record ---------------------------------------------------------

    def _at(self, offset: int) -> datetime.datetime:
        day = self.h.found_on + datetime.timedelta(days=offset)
        minute = self.rng.randint(8 * 60, 17 * 60 + 30)
        return datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=TZ)

    def _finish(self) -> None:
        h, clock = self.h, self.clock
        # By day; within a day the report first, then side steps, then transitions in the
        # order they happened (the sort is stable).
        steps = sorted(
            (s for s in self.steps if s[0] <= self.age),
            key=lambda s: (s[0], -1 if s[1] == "report" else 0 if s[1] in _SIDE_STEPS else 1),
        )
        state = ""
        previous: datetime.datetime | None = None
        events = []
        for offset, verb, after, actor_id, note in steps:
            at = self._at(offset)
            if previous is not None and at <= previous:
                at = previous + datetime.timedelta(minutes=self.rng.randint(5, 90))
            previous = at
            to_state = after or state
            events.append(Event(verb, state, to_state, actor_id, at, note))
            state = to_state
        # Nothing happens after "now": today's late events move back before it, in order.
        limit = clock.now
        for event in reversed(events):
            if event.at > limit:
                event.at = limit
            limit = event.at - datetime.timedelta(seconds=1)
        h.events = events
        h.state = state
        h.created_at, h.updated_at = events[0].at, events[-1].at
        if h.plan is not None:
            h.plan.created_at = next(e.at for e in events if e.verb == "plan")
        by_offset = {s[0]: e.at for s, e in zip(steps, events, strict=True)}
        for offset, result, note in self.revisits:
            if offset <= self.age:
                at = by_offset.get(offset, events[-1].at)
                h.revisits.append(
                    RevisitRecord(
                        self.slot.bureau.org_id,
                        self.slot.bureau.inspector.id,
                        at.astimezone(TZ).date(),
                        result,
                        note,
                        at,
                    )
                )
        if state == State.CLOSED:
            closing = [e for e in events if e.verb == Transition.VERIFY][-1]
            h.closed_on = closing.at.astimezone(TZ).date()
        if any(e.verb == Transition.SUBMIT for e in events) or state == State.CLOSED:
            h.rectification_note = h.rectification_note or self.finding.fix
        if h.is_overdue(clock.today) and h.deadline is not None:
            overdue = (clock.today - h.deadline).days
            county_days, city_days = clock.escalate_days
            h.escalation_level = 2 if overdue >= city_days else 1 if overdue >= county_days else 0

"""Demo risk registers: ``demo_city`` and ``demo_province`` give every school a graded register
(DOMAIN.md §3), and a few open hazards are raised from its points."""

import datetime
import functools
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F

from safecampus.accounts.models import User
from safecampus.audit.models import AuditEvent
from safecampus.demo import hazards as demo_hazards
from safecampus.demo import risk_links
from safecampus.demo import risks as demo_risks
from safecampus.demo.city import plan_city
from safecampus.demo.hazard_records import Person
from safecampus.hazards.choices import OPEN_STATES, Severity
from safecampus.hazards.models import Hazard
from safecampus.orgs.choices import Level as OrgLevel
from safecampus.orgs.choices import SchoolKind
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Role
from safecampus.risks import actions as risk_actions
from safecampus.risks import library
from safecampus.risks.choices import RANK, REVIEW_DAYS, Level, Reason
from safecampus.risks.grading import default_policy
from safecampus.risks.models import CampusArea, RiskAssessment, RiskPoint
from safecampus.risks.queries import displayed_level, visible_points

TODAY = datetime.date(2026, 3, 2)
NOW = datetime.datetime(2026, 3, 2, 10, 30, tzinfo=datetime.UTC)
SMALL = 60
# The intended mix of graded points (demo.risks.LEVEL_MIX), with the room the tests allow.
MIX = {
    Level.RED: (0.02, 0.04),
    Level.ORANGE: (0.10, 0.14),
    Level.YELLOW: (0.37, 0.43),
    Level.BLUE: (0.42, 0.48),
}


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


def demo_city(**options):
    out = StringIO()
    call_command("demo_city", stdout=out, **options)
    return out.getvalue()


def demo_province(**options):
    out = StringIO()
    call_command("demo_province", stdout=out, **options)
    return out.getvalue()


# --- the generator (no database) -------------------------------------------------------------


@functools.cache
def fake_library():
    """The shipped library file as entries with made-up ids."""
    data = library.read()
    sort = {c["code"]: c["sort"] for c in data["categories"]}
    return tuple(
        demo_risks.LibraryEntry(
            id=i,
            category_id=sort[row["category"]],
            category=row["category"],
            sort=sort[row["category"]],
            code=row["code"],
            school_kinds=tuple(row["school_kinds"]),
            frequency=row["frequency"],
            hazard=row["hazard_zh"],
            consequences=row["consequences_zh"],
            measures=row["measures_zh"],
            suggested_l=row.get("l"),
            suggested_s=row.get("s"),
        )
        for i, row in enumerate(data["items"], start=1)
    )


@functools.cache
def fake_city(schools=1935):
    """The planned city with made-up org and user ids: its risk schools and hazard slots."""
    plan = plan_city(schools=schools)
    codes = [plan.city.code, *(c.code for c in plan.counties), *(s.code for s in plan.schools())]
    orgs = {code: (i, f"{i:08d}") for i, code in enumerate(codes, start=1)}
    people = {
        login.username: Person(i, login.display_name)
        for i, (login, _) in enumerate(plan.logins(), start=1)
    }
    return (
        demo_risks.city_schools(plan, orgs, people),
        demo_hazards.city_slots(plan, orgs, people),
    )


@functools.cache
def _registers(schools, seed):
    return tuple(
        demo_risks.registers(fake_city(schools)[0], fake_library(), seed=seed, today=TODAY)
    )


def registers(schools=1935, seed=1):
    return list(_registers(schools, seed))


def points(schools=1935, seed=1):
    return [p for r in registers(schools, seed) for p in r.points]


def assert_mix(levels):
    """``levels``: the level of every point ('' for not graded yet)."""
    counted = Counter(levels)
    graded = len(levels) - counted[""]
    assert 0.08 <= counted[""] / len(levels) <= 0.12
    for level, (low, high) in MIX.items():
        assert low <= counted[level] / graded <= high, (level, counted)


def test_every_school_gets_a_register_of_twelve_to_twenty_five_points():
    written = registers()
    assert len(written) == 1935
    for register in written:
        assert 12 <= len(register.points) <= 25, register.school
        entries = [p.entry.id for p in register.points]
        assert len(set(entries)) == len(entries)  # an entry once per register


def test_the_city_is_graded_in_the_intended_mix():
    every = points()
    assert_mix([p.level for p in every])
    graded = [p for p in every if p.level]
    rose = [p for p in graded if p.previous_level]
    assert 0.04 <= len(rose) / len(graded) <= 0.06


def test_every_point_comes_from_an_entry_for_its_school_kind():
    for point in points():
        school = point.school
        assert point.entry.applies_to(school.kind)
        if point.entry.category == "dormitory" and not school.boarding:
            # a day school has no dormitory, a kindergarten only its nap room (午睡室)
            assert school.kind == SchoolKind.KINDERGARTEN
            assert "all" not in point.entry.school_kinds


def test_levels_are_what_the_default_policy_makes_of_the_scores():
    policy = default_policy()
    for point in points():
        if not point.level:
            assert point.score is None and not point.assessments and point.review_on is None
            continue
        assert policy.level(point.score) == point.level
        last = point.assessments[-1]
        assert (last.score, last.level, last.assessed_on) == (
            point.score,
            point.level,
            point.assessed_on,
        )
        for a in point.assessments:
            assert a.likelihood * a.exposure * a.consequence == a.score
            assert policy.level(a.score) == a.level


def test_the_history_matches_the_previous_level_and_dates():
    for point in points():
        history = point.assessments
        if not history:
            continue
        assert point.created_on <= history[0].assessed_on <= history[-1].assessed_on <= TODAY
        assert point.review_on == point.assessed_on + datetime.timedelta(
            days=REVIEW_DAYS[Level(point.level)]
        )
        if point.previous_level:
            assert len(history) == 2
            assert history[0].level == point.previous_level
            assert RANK[point.level] > RANK[point.previous_level]
            assert history[0].reason == Reason.INITIAL and history[1].reason != Reason.INITIAL
        else:
            assert len(history) == 1 and history[0].reason == Reason.INITIAL


def test_some_reviews_are_overdue_most_are_not():
    graded = [p for p in points() if p.level]
    overdue = sum(1 for p in graded if p.review_on < TODAY)
    assert 0.03 <= overdue / len(graded) <= 0.15


def test_points_sit_in_areas_of_their_school_by_category():
    for register in registers():
        names = {name for name, _sort in register.areas}
        assert len(names) == len(register.areas)
        assert {"校门", "园门"} & names
        for point in register.points:
            assert point.area is None or point.area in names
            if point.entry.category == "food":
                assert point.area in ("食堂", "厨房")
            if point.entry.category == "gate_security":
                assert point.area in ("校门", "园门")
            if point.area is None:
                assert point.location
        if register.school.boarding:
            assert "宿舍楼" in names


def test_red_and_orange_points_are_the_principals_others_the_safety_officers():
    for point in points():
        school = point.school
        if point.level in (Level.RED, Level.ORANGE):
            assert point.responsible_id == school.principal.id
        else:
            assert point.responsible_id == school.safety.id


def test_the_same_seed_makes_the_same_registers_and_another_seed_others():
    def summary(written):
        return [(p.entry.id, p.level, p.score, p.assessed_on) for r in written for p in r.points]

    again = demo_risks.registers(fake_city(200)[0], fake_library(), seed=3, today=TODAY)
    assert summary(again) == summary(registers(200, seed=3))
    assert summary(again) != summary(registers(200, seed=4))


def test_a_few_open_hazards_are_raised_from_a_point_of_their_school():
    written = registers()
    pairs = [(p, i) for i, p in enumerate((p for r in written for p in r.points), start=1)]
    by_id = {i: p for p, i in pairs}
    index = risk_links.index_points(pairs)
    slots = fake_city()[1]
    records = list(demo_hazards.generate(slots, 1258, seed=1, today=TODAY, now=NOW))
    linked = risk_links.link_hazards(records, index, risk_links.link_rng(1))
    raised = [r for r in records if r.risk_point_id is not None]
    assert len(raised) == linked
    open_ones = [r for r in records if r.is_open]
    assert 0 < linked <= 0.15 * len(open_ones)
    assert any(r.severity == Severity.MAJOR for r in raised)
    for record in raised:
        point = by_id[record.risk_point_id]
        assert record.is_open
        assert point.school.org_id == record.org_id
        assert point.entry.category in risk_links.HAZARD_TO_RISK[record.category]


# --- demo_city writes them ---------------------------------------------------------------------


@pytest.fixture
def small_city(db):
    return demo_city(schools=SMALL)


def test_the_city_writes_a_register_for_every_school_in_the_mix(small_city):
    schools = Organization.objects.filter(level=OrgLevel.SCHOOL)
    per_school = Counter(RiskPoint.objects.values_list("school_id", flat=True))
    assert set(per_school) == set(schools.values_list("pk", flat=True))
    assert all(12 <= n <= 25 for n in per_school.values())
    assert_mix(list(RiskPoint.objects.values_list("level", flat=True)))
    assert not RiskPoint.objects.exclude(org_path=F("school__path")).exists()
    assert not RiskPoint.objects.filter(active=False).exists()


def test_every_stored_point_is_from_an_entry_for_its_school_kind(small_city):
    rows = RiskPoint.objects.values_list(
        "school__school_kind", "library_item__school_kinds", "category_id", "library_item__category"
    )
    for kind, kinds, category, item_category in rows:
        assert "all" in kinds or kind in kinds
        assert category == item_category


def test_stored_levels_and_histories_are_consistent(small_city):
    policy = default_policy()
    history: dict[int, list[RiskAssessment]] = {}
    for a in RiskAssessment.objects.order_by("assessed_on", "id"):
        history.setdefault(a.point_id, []).append(a)
    for point in RiskPoint.objects.all():
        mine = history.get(point.pk, [])
        if not point.level:
            assert not mine and point.score is None and point.assessed_on is None
            continue
        assert policy.level(point.score) == point.level
        assert mine[-1].level == point.level and mine[-1].score == point.score
        assert mine[-1].assessed_on == point.assessed_on
        assert [a.level for a in mine[:-1]] == (
            [point.previous_level] if point.previous_level else []
        )
        assert point.review_on == point.assessed_on + datetime.timedelta(
            days=REVIEW_DAYS[Level(point.level)]
        )
        for a in mine:
            assert a.l * a.e * a.c == a.score and a.scored_level == a.level
            assert a.created_at.date() <= a.assessed_on + datetime.timedelta(days=1)
    assert RiskPoint.objects.exclude(previous_level="").exists()


def test_areas_belong_to_their_school_and_responsible_people_work_there(small_city):
    placed = RiskPoint.objects.filter(area__isnull=False)
    assert placed.exists()
    assert not placed.exclude(area__school=F("school")).exists()
    held = set(Membership.objects.values_list("user_id", "org_id", "role"))
    for user_id, school_id, level in RiskPoint.objects.values_list(
        "responsible_id", "school_id", "level"
    ):
        role = Role.PRINCIPAL if level in (Level.RED, Level.ORANGE) else Role.SAFETY_OFFICER
        assert (user_id, school_id, role) in held
    per_school = Counter(CampusArea.objects.values_list("school_id", flat=True))
    assert len(per_school) == SMALL and min(per_school.values()) >= 2


def test_an_open_major_hazard_shows_its_point_red(small_city):
    raised = Hazard.objects.filter(risk_point__isnull=False).select_related("risk_point")
    assert raised.exists()
    for hazard in raised:
        assert hazard.state in OPEN_STATES
        assert hazard.risk_point.school_id == hazard.org_id
    major = raised.filter(severity=Severity.MAJOR).first()
    assert major is not None
    admin = User.objects.get(username="admin")
    point = visible_points(admin).get(pk=major.risk_point_id)
    assert displayed_level(point) == Level.RED


def test_it_writes_a_risk_audit_event_and_prints_the_registers(small_city):
    event = AuditEvent.objects.get(verb="demo.risks")
    assert event.org == Organization.objects.get(depth=1)
    assert event.changes["points"] == RiskPoint.objects.count()
    assert event.changes["assessments"] == RiskAssessment.objects.count()
    assert event.changes["areas"] == CampusArea.objects.count()
    assert event.changes["registers"] == SMALL
    levels = Counter(RiskPoint.objects.values_list("level", flat=True))
    assert event.changes["levels"] == {level: levels[level] for level in Level.values}
    assert f"{RiskPoint.objects.count()} risk points in the registers of {SMALL} schools" in (
        small_city
    )
    raised = AuditEvent.objects.get(verb="demo.hazards").changes["from_risk_points"]
    assert raised == Hazard.objects.filter(risk_point__isnull=False).count()


def test_the_real_actions_carry_on_from_the_demo_registers(small_city):
    point = RiskPoint.objects.filter(level=Level.BLUE).select_related("school").first()
    safety = User.objects.get(username=f"{point.school.code}_safety")
    risk_actions.do_assess(
        safety, point, l="6", e="6", c="15", reason=Reason.INCIDENT, assessed_on=TODAY
    )
    point.refresh_from_db()
    assert (point.level, point.previous_level) == (Level.RED, Level.BLUE)
    assert point.assessments.count() == 2
    # The ids written explicitly left the sequences behind them: new rows still get ids.
    area = risk_actions.do_save_area(safety, point.school, name="新建体育馆")
    assert area.pk > CampusArea.objects.exclude(pk=area.pk).order_by("-pk").first().pk
    added = risk_actions.do_add_point(
        safety, point.school, category=point.category, hazard="体育馆施工围挡不牢"
    )
    assert added.pk > point.pk


def test_the_same_seed_writes_the_same_registers(db):
    def snapshot():
        return list(
            RiskPoint.objects.order_by("school__code", "library_item__code").values_list(
                "school__code", "library_item__code", "level", "score", "assessed_on", "area__name"
            )
        )

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        demo_city(schools=SMALL, seed=5, hazards=0)
        first = snapshot()
        raise Rollback
    demo_city(schools=SMALL, seed=5, hazards=0)
    assert snapshot() == first


# --- demo_province ----------------------------------------------------------------------------


def test_a_small_province_has_registers_for_every_school(db):
    output = demo_province(cities=2, schools=80, hazards=600)
    schools = Organization.objects.filter(level=OrgLevel.SCHOOL)
    per_school = Counter(RiskPoint.objects.values_list("school_id", flat=True))
    assert set(per_school) == set(schools.values_list("pk", flat=True))
    assert_mix(list(RiskPoint.objects.values_list("level", flat=True)))
    policy = default_policy()
    for point in RiskPoint.objects.exclude(level=""):
        assert policy.level(point.score) == point.level
    last = {}
    for a in RiskAssessment.objects.order_by("assessed_on", "id"):
        last.setdefault(a.point_id, []).append(a.level)
    for pk, level, previous in RiskPoint.objects.values_list("pk", "level", "previous_level"):
        assert last.get(pk, [""])[-1] == level
        assert last.get(pk, [])[:-1] == ([previous] if previous else [])
    assert (
        not RiskPoint.objects.filter(area__isnull=False).exclude(area__school=F("school")).exists()
    )
    assert not RiskPoint.objects.exclude(org_path=F("school__path")).exists()
    raised = Hazard.objects.filter(risk_point__isnull=False)
    assert not raised.exclude(risk_point__school=F("org")).exists()
    assert not raised.exclude(state__in=OPEN_STATES).exists()
    event = AuditEvent.objects.get(verb="demo.province")
    assert event.changes["risk_points"] == RiskPoint.objects.count()
    assert event.changes["risk_assessments"] == RiskAssessment.objects.count()
    assert event.changes["campus_areas"] == CampusArea.objects.count()
    assert event.changes["hazards_from_risk_points"] == raised.count()
    assert f"{RiskPoint.objects.count()} risk points" in output


def test_the_province_registers_keep_their_constraints_and_sequences(db):
    demo_province(cities=2, schools=40, hazards=100)
    point = RiskPoint.objects.select_related("school").first()
    # The unique (school, library entry) index was rebuilt after the load (PostgreSQL).
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskPoint.objects.create(
            school=point.school,
            org_path=point.org_path,
            library_item=point.library_item,
            category=point.category,
            hazard=point.hazard,
        )
    newest = RiskPoint.objects.create(
        school=point.school, org_path=point.org_path, category=point.category, hazard="新风险"
    )
    assert newest.pk > point.pk
    assert CampusArea.objects.create(school=point.school, name="新区域").pk

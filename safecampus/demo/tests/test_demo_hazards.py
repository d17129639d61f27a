"""Demo hazards: ``demo_city`` writes a year of them, ``demo_province`` a province's."""

import datetime
import functools
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from safecampus.audit.models import AuditEvent
from safecampus.demo import hazards as demo_hazards
from safecampus.demo.city import plan_city
from safecampus.demo.hazard_records import Person
from safecampus.demo.hazard_story import TZ
from safecampus.hazards import actions
from safecampus.hazards.choices import State
from safecampus.hazards.models import (
    Hazard,
    HazardEvent,
    PlanMilestone,
    RectificationPlan,
    Revisit,
    overdue_q,
)
from safecampus.hazards.queries import ledger
from safecampus.lib.scoping import scope_for
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Cap, Role

SMALL = 60
TODAY = datetime.date(2026, 3, 2)
NOW = datetime.datetime(2026, 3, 2, 10, 30, tzinfo=datetime.UTC)


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


@pytest.fixture
def small_city(db):
    demo_city(schools=SMALL)


@functools.cache
def fake_slots(schools=1935):
    """The planned city's schools with made-up ids: the generator needs no database."""
    plan = plan_city(schools=schools)
    codes = [plan.city.code, *(c.code for c in plan.counties)]
    codes += [s.code for s in plan.schools()]
    orgs = {code: (i, f"{i:08d}") for i, code in enumerate(codes, start=1)}
    people = {
        login.username: Person(i, login.display_name)
        for i, (login, _) in enumerate(plan.logins(), start=1)
    }
    return demo_hazards.city_slots(plan, orgs, people)


@functools.cache
def _generated(schools, count, seed):
    return tuple(demo_hazards.generate(fake_slots(schools), count, seed=seed, today=TODAY, now=NOW))


def generated(schools=1935, count=None, seed=1):
    count = demo_hazards.default_count(schools) if count is None else count
    return list(_generated(schools, count, seed))


# --- the generator (no database) -------------------------------------------------------------


def test_the_default_city_finds_about_a_thousand_hazards_a_year_mostly_closed():
    records = generated()
    # DOMAIN.md §4.4: "1000余处" found city-wide in a year, nearly all rectified.
    assert 1000 <= len(records) <= 1500
    states = Counter(r.state for r in records)
    assert set(states) == set(State.values)
    assert states[State.CLOSED] / len(records) > 0.8
    assert 0.06 <= sum(r.severity == "major" for r in records) / len(records) <= 0.10
    assert all(TODAY - datetime.timedelta(days=365) <= r.found_on <= TODAY for r in records)


def test_the_categories_follow_the_seed_order():
    by_category = Counter(r.category for r in generated())
    internal = by_category["campus_security"] + by_category["fire"] + by_category["buildings"]
    # campus internal > surrounding public order > traffic > food > culture venues; keep other
    order = ["surrounding_security", "traffic", "food", "culture_venues"]
    assert internal > by_category["surrounding_security"]
    assert [by_category[c] for c in order] == sorted((by_category[c] for c in order), reverse=True)
    assert by_category["other"] > 0
    assert set(by_category) == set(demo_hazards.CATEGORY_WEIGHTS)


def test_every_source_appears_and_self_checks_are_most():
    sources = Counter(r.source for r in generated())
    assert sources.most_common(1)[0][0] == "self_check"
    assert len(sources) == 7


def test_deadlines_are_seven_or_thirty_days_for_general_hazards():
    for r in generated():
        assign = [e for e in r.events if e.verb == "assign"]
        if r.severity != "general" or not assign or r.reopened_count:
            continue
        days = (r.deadline - assign[0].at.astimezone(TZ).date()).days
        assert days in (7, 30), r


def test_the_same_seed_generates_the_same_hazards_and_another_seed_others():
    again = list(demo_hazards.generate(fake_slots(200), 130, seed=3, today=TODAY, now=NOW))
    assert generated(200, 130, seed=3) == again
    assert [r.title for r in again] != [r.title for r in generated(200, 130, seed=4)]


def test_nothing_happens_after_now_and_the_timeline_is_in_order():
    for r in generated():
        times = [e.at for e in r.events]
        assert times == sorted(times) and times[-1] <= NOW
        assert r.events[0].verb == "report"
        assert [e.from_state for e in r.events[1:]] == [e.to_state for e in r.events[:-1]]
        assert r.events[-1].to_state == r.state


def test_a_province_spreads_its_hazards_over_years_with_open_ones_recent():
    slots = fake_slots(400)
    records = list(demo_hazards.generate(slots, 6000, seed=1, today=TODAY, now=NOW, days=3 * 365))
    oldest = min(r.found_on for r in records)
    assert (TODAY - oldest).days > 2 * 365
    open_found = [r.found_on for r in records if r.is_open]
    assert open_found and min(open_found) > TODAY - datetime.timedelta(days=365)


# --- demo_city writes them --------------------------------------------------------------------


def test_it_writes_hazards_in_every_state_at_the_schools_paths(small_city):
    states = set(Hazard.objects.values_list("state", flat=True))
    assert states == set(State.values)
    mismatched = Hazard.objects.exclude(org_path=F("org__path"))
    assert not mismatched.exists()
    assert not Hazard.objects.exclude(org__level=Level.SCHOOL).exists()
    assert Hazard.objects.count() == demo_hazards.default_count(SMALL)


def test_closed_hazards_are_verified_by_someone_other_than_the_rectifier(small_city):
    closed = Hazard.objects.filter(state=State.CLOSED)
    assert closed.count() > SMALL // 2
    assert not closed.filter(verifier__isnull=True).exists()
    assert not closed.filter(verifier=F("responsible")).exists()
    assert not closed.filter(closed_on__isnull=True).exists()


def test_verifiers_and_responsible_people_may_do_what_they_did(small_city):
    for h in Hazard.objects.exclude(responsible=None).select_related(
        "org", "responsible", "verifier", "supervising_org"
    ):
        assert scope_for(h.responsible).covers(h.org)
        if h.verifier is None:
            continue
        assert scope_for(h.verifier).can(Cap.HAZARD_VERIFY, h.org)
        if h.severity == "major":  # verified by the bureau above (§4.1)
            assert not Membership.objects.filter(user=h.verifier, org=h.org).exists()
        if h.supervising_org is not None:
            assert scope_for(h.verifier).can(Cap.HAZARD_VERIFY, h.supervising_org)


def test_some_are_overdue_and_escalated(small_city):
    today = timezone.localdate()
    overdue = Hazard.objects.overdue(today)
    assert overdue.exists()
    assert overdue.filter(escalation_level__gt=0).exists()
    # Escalated to the county, then the city, after the days set for `tick` (settings).
    assert not Hazard.objects.exclude(overdue_q(today)).filter(escalation_level__gt=0).exists()
    awaiting_late = Hazard.objects.filter(state=State.AWAITING_VERIFICATION, deadline__lt=today)
    assert not awaiting_late.filter(pk__in=overdue).exists()  # handed in: not overdue


def test_some_major_hazards_are_supervised_by_the_county_and_by_the_city(small_city):
    supervised = Hazard.objects.exclude(supervising_org=None).select_related(
        "supervising_org", "supervisor"
    )
    levels = {h.supervising_org.level for h in supervised}
    assert levels == {Level.COUNTY, Level.CITY}
    admin_roles = {Level.COUNTY: Role.COUNTY_ADMIN, Level.CITY: Role.CITY_ADMIN}
    for h in supervised:
        assert h.severity == "major"
        assert h.org_path.startswith(h.supervising_org.path)
        assert h.report_interval_days in (7, 14)
        assert h.supervised_on >= h.found_on
        assert Membership.objects.filter(
            user=h.supervisor, org=h.supervising_org, role=admin_roles[h.supervising_org.level]
        ).exists()


def test_fixed_on_the_spot_ones_are_closed_with_a_deadline_on_the_day_found(small_city):
    immediate = Hazard.objects.filter(rectification_type="immediate")
    assert immediate.exists()
    assert set(immediate.values_list("state", flat=True)) == {State.CLOSED}
    assert not immediate.exclude(deadline=F("found_on")).exists()


def test_plans_milestones_and_revisits_exist(small_city):
    assert RectificationPlan.objects.exists()
    assert PlanMilestone.objects.filter(done_on__isnull=False).exists()
    assert set(Revisit.objects.values_list("result", flat=True)) == {"holds", "recurred"}
    reopened = Hazard.objects.filter(reopened_count__gt=0)
    assert reopened.exists()
    assert HazardEvent.objects.filter(hazard__in=reopened, verb="reopen").count() == (
        reopened.count()
    )


def test_the_timeline_runs_in_date_order_from_the_report_to_the_state(small_city):
    events = HazardEvent.objects.order_by("hazard_id", "created_at", "id").values_list(
        "hazard_id", "verb", "from_state", "to_state", "created_at"
    )
    by_hazard: dict[int, list] = {}
    for row in events:
        by_hazard.setdefault(row[0], []).append(row)
    states = dict(Hazard.objects.values_list("pk", "state"))
    assert set(by_hazard) == set(states)
    for pk, rows in by_hazard.items():
        assert rows[0][1] == "report"
        assert [r[2] for r in rows[1:]] == [r[3] for r in rows[:-1]]
        assert rows[-1][3] == states[pk]
    first_and_last = Hazard.objects.filter(
        created_at__lte=F("updated_at"), created_at__date__gte=F("found_on")
    )
    assert first_and_last.count() == len(states)


def test_it_writes_one_audit_event_with_the_hazard_counts(small_city):
    event = AuditEvent.objects.get(verb="demo.hazards")
    assert event.changes["hazards"] == Hazard.objects.count()
    assert event.changes["events"] == HazardEvent.objects.count()
    assert sum(event.changes["states"].values()) == Hazard.objects.count()
    assert event.org == Organization.objects.get(depth=1)


def test_the_personas_see_their_share_through_the_ledger(small_city):
    from safecampus.accounts.models import User

    admin = User.objects.get(username="admin")
    assert ledger(admin).count() == Hazard.objects.count()
    county = Organization.objects.filter(level=Level.COUNTY).first()
    county_admin = User.objects.get(username=f"{county.code}_admin")
    assert (
        ledger(county_admin).count()
        == Hazard.objects.filter(org_path__startswith=county.path).count()
    )
    assert 0 < ledger(county_admin).count() < Hazard.objects.count()


def test_the_real_actions_carry_on_from_the_demo_data(small_city):
    from safecampus.accounts.models import User

    waiting = (
        Hazard.objects.filter(state=State.AWAITING_VERIFICATION, severity="general")
        .select_related("org")
        .first()
    )
    principal = User.objects.get(username=f"{waiting.org.code}_principal")
    safety = User.objects.get(username=f"{waiting.org.code}_safety")
    verifier = principal if waiting.responsible != principal else safety
    closed = actions.do_verify(verifier, waiting, opinion="验收合格")
    assert closed.state == State.CLOSED and closed.verifier == verifier


def test_the_same_seed_writes_the_same_hazards(db):
    def snapshot():
        return list(
            Hazard.objects.order_by("client_id").values_list(
                "client_id",
                "org__code",
                "title",
                "state",
                "found_on",
                "deadline",
                "severity",
                "category__code",
                "responsible__username",
                "supervising_org__code",
            )
        )

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        demo_city(schools=SMALL, seed=5)
        first = snapshot()
        raise Rollback
    demo_city(schools=SMALL, seed=5)
    assert snapshot() == first


def test_hazards_can_be_counted_or_left_out(db):
    output = demo_city(schools=SMALL, hazards=150)
    assert Hazard.objects.count() == 150
    assert "150 hidden hazards" in output


def test_no_hazards_means_no_hazard_audit_event(db):
    demo_city(schools=SMALL, hazards=0)
    assert not Hazard.objects.exists()
    assert not AuditEvent.objects.filter(verb="demo.hazards").exists()


@pytest.mark.parametrize("count", [-1, 200_001])
def test_it_rejects_a_hazard_count_out_of_range(db, count):
    with pytest.raises(CommandError, match="--hazards"):
        demo_city(schools=SMALL, hazards=count)
    assert not Organization.objects.exists()


# --- demo_province ----------------------------------------------------------------------------


def test_a_small_province_has_cities_as_roots_and_a_consistent_tree(db):
    output = demo_province(cities=3, schools=90, hazards=600)
    roots = list(Organization.objects.get_root_nodes())
    assert [r.level for r in roots] == [Level.CITY] * 3
    assert len({r.code for r in roots}) == 3
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    for org in Organization.objects.exclude(level=Level.SCHOOL):
        children = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
        assert org.numchild == children.count()
    assert Organization.objects.filter(level=Level.SCHOOL).count() == 90
    assert Hazard.objects.count() == 600
    assert not Hazard.objects.exclude(org_path=F("org__path")).exists()
    assert "600 hazards" in output
    assert AuditEvent.objects.get().verb == "demo.province"
    if connection.vendor == "postgresql":
        # loaded with the statistics triggers paused, then counted once; triggers back on
        from safecampus.analytics.models import HazardCount

        cells = HazardCount.objects.filter(dim="state")
        assert sum(cell.found for cell in cells) == 600
        Hazard.objects.filter(pk=Hazard.objects.first().pk).delete()
        assert sum(cell.found for cell in cells.all()) == 599


def test_a_province_staffs_every_school_and_bureau_by_its_size(db):
    from safecampus.accounts.models import User
    from safecampus.demo.province import bureau_staffing, school_staffing
    from safecampus.orgs.roles import ROLE_LEVELS

    output = demo_province(cities=2, schools=120, hazards=300)
    orgs = {org.pk: org for org in Organization.objects.all()}
    held: dict[int, Counter] = {pk: Counter() for pk in orgs}
    for org_id, role in Membership.objects.values_list("org_id", "role"):
        assert org_id in orgs  # on SQLite the foreign key is only checked at a commit
        held[org_id][role] += 1
    schools = [org for org in orgs.values() if org.level == Level.SCHOOL]
    for school in schools:
        wanted = school_staffing(school.students, school.staff)
        assert wanted[Role.TEACHER] >= 1 and wanted[Role.GUARD] >= 1
        assert held[school.pk] == Counter({Role.PRINCIPAL: 1, Role.SAFETY_OFFICER: 1, **wanted}), (
            school.code
        )
    for bureau in (org for org in orgs.values() if org.level != Level.SCHOOL):
        below = [s for s in schools if s.path.startswith(bureau.path)]
        direct = sum(1 for s in below if s.depth == bureau.depth + 1)
        wanted = bureau_staffing(bureau.level, len(below), direct)
        admin = Role.CITY_ADMIN if bureau.level == Level.CITY else Role.COUNTY_ADMIN
        assert held[bureau.pk] == Counter({admin: 1, **wanted}), bureau.code
    # Bigger schools have more teachers and guards; about ten logins a school in all.
    big = max(schools, key=lambda s: s.students)
    small = min(schools, key=lambda s: s.students)
    assert held[big.pk][Role.TEACHER] > held[small.pk][Role.TEACHER]
    assert held[big.pk][Role.GUARD] > held[small.pk][Role.GUARD]
    users = User.objects.count()
    assert 7 * len(schools) < users < 13 * len(schools)
    assert f"{users} users" in output
    # One membership per login, each at a level its role may be held at.
    assert Membership.objects.count() == users
    assert not User.objects.exclude(memberships__isnull=False).exists()
    for org_id, role in Membership.objects.values_list("org_id", "role").distinct():
        assert orgs[org_id].level in ROLE_LEVELS[role]
    # Hazards stay with the people of their own school: whoever fixes one works there.
    responsible = Hazard.objects.exclude(responsible=None).values_list("org_id", "responsible_id")
    at_school = set(Membership.objects.values_list("org_id", "user_id"))
    assert responsible and all(pair in at_school for pair in responsible)


def test_the_province_can_still_grow_through_the_orm(db):
    from safecampus.orgs.tree import add_child, add_root

    demo_province(cities=2, schools=40, hazards=100)
    root = add_root(level=Level.CITY, code="NEW", name="新市")
    assert root.path == Organization._get_path("", 1, 3)
    add_child(root, level=Level.SCHOOL, code="NEWS", name="新学校")
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_province_logins_work_with_the_demo_password(db, client):
    from safecampus.demo.management.commands.demo_city import DEMO_PASSWORD

    demo_province(cities=2, schools=40, hazards=100)
    city = Organization.objects.get_root_nodes().first()
    response = client.post(
        "/accounts/login/", {"username": f"{city.code}_admin", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_the_province_refuses_existing_data(world):
    with pytest.raises(CommandError, match="already holds organisations"):
        demo_province(cities=2, schools=40, hazards=100)
    assert not Hazard.objects.exists()


def test_the_province_refuses_a_big_size_on_sqlite(db, settings):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL takes any size")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        demo_province()
    assert not Organization.objects.exists()

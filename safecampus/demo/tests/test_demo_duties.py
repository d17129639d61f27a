"""Demo responsibility lists: ``demo_city`` gives every school posts from the shipped templates,
held by its demo people, about 80% of them signed (DOMAIN.md §2.3)."""

import datetime
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from safecampus.accounts.models import User
from safecampus.analytics.warning import school_warnings
from safecampus.audit.models import AuditEvent
from safecampus.demo import duty_lists
from safecampus.demo.tests.test_demo_risks import NOW, TODAY, fake_city
from safecampus.duties import actions as duty_actions
from safecampus.duties.defaults import TEMPLATES
from safecampus.duties.models import Acknowledgement, Post, PostAssignment
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Role

SMALL = 60
HOLDER_ROLES = {
    "principal": Role.PRINCIPAL,
    "safety_officer": Role.SAFETY_OFFICER,
    "head_teacher": Role.TEACHER,
    "guard": Role.GUARD,
}


@pytest.fixture(autouse=True)
def _english_messages(settings):
    settings.LANGUAGE_CODE = "en"


def shipped():
    """The shipped templates as the generator takes them, with made-up ids."""
    return [
        duty_lists.Template(i, key, zh, tuple(d[0] for d in duties), i * 10)
        for i, (key, zh, _en, duties) in enumerate(TEMPLATES, start=1)
        if key in duty_lists.HOLDERS
    ]


def generated(seed=1):
    return duty_lists.posts(fake_city()[1], shipped(), seed=seed, today=TODAY, now=NOW)


# --- the generator (no database) -------------------------------------------------------------


def test_every_school_gets_the_posts_its_people_can_hold():
    slots = fake_city()[1]
    by_school: dict[int, set[str]] = {}
    for post in generated():
        by_school.setdefault(post.slot.org_id, set()).add(post.template.key)
        [holder] = post.holders
        assert holder.person == getattr(post.slot, duty_lists.HOLDERS[post.template.key])
    assert len(by_school) == len(slots)
    for slot in slots:
        keys = by_school[slot.org_id]
        assert {"principal", "safety_officer"} <= keys
        assert ("head_teacher" in keys) == (slot.teacher is not None)
        assert ("guard" in keys) == (slot.guard is not None)


def test_about_four_in_five_have_signed_within_a_month_of_the_school_year():
    holders = [h for p in generated() for h in p.holders]
    signed = [h.signed_at for h in holders if h.signed_at is not None]
    assert 0.75 <= len(signed) / len(holders) <= 0.85
    start = duty_lists.school_year_start(TODAY)
    assert start == datetime.date(2025, 9, 1)
    for at in signed:
        assert start <= at.date() <= start + datetime.timedelta(days=duty_lists.SIGNING_DAYS)
        assert at <= NOW


def test_the_same_seed_signs_the_same_lists():
    def signed(posts):
        return [h.signed_at for p in posts for h in p.holders]

    assert signed(generated(seed=3)) == signed(generated(seed=3))
    assert signed(generated(seed=3)) != signed(generated(seed=4))


# --- demo_city writes them ---------------------------------------------------------------------


@pytest.fixture
def small_city(db):
    out = StringIO()
    call_command("demo_city", schools=SMALL, stdout=out)
    return out.getvalue()


def test_every_school_has_posts_held_by_its_own_people(small_city):
    schools = set(Organization.objects.filter(level=Level.SCHOOL).values_list("pk", flat=True))
    assert set(Post.objects.values_list("org_id", flat=True)) == schools
    assert not Post.objects.exclude(org_path=F("org__path")).exists()
    roles = set(Membership.objects.values_list("user_id", "org_id", "role"))
    for person, org, key in PostAssignment.objects.values_list(
        "person_id", "post__org_id", "post__template__key"
    ):
        assert (person, org, HOLDER_ROLES[key]) in roles
    assert not PostAssignment.objects.filter(ended_on__isnull=False).exists()


def test_signed_lists_keep_what_was_signed_and_the_rest_are_unsigned(small_city):
    assignments = PostAssignment.objects.select_related("post")
    signed = [a for a in assignments if a.is_signed]
    assert 0.7 <= len(signed) / assignments.count() <= 0.9
    acks = {a.assignment_id: a for a in Acknowledgement.objects.all()}
    assert set(acks) == {a.pk for a in signed}
    for assignment in signed:
        ack = acks[assignment.pk]
        assert ack.intact and ack.version == assignment.post.version == 1
        assert (ack.post_name, ack.duties) == (assignment.post.name, assignment.post.duties)
        assert ack.signed_at.date() >= assignment.started_on


def test_the_early_warning_counts_the_unsigned_lists(small_city):
    city = Organization.objects.get(depth=1)
    rows = school_warnings(city, timezone.localdate())
    unsigned = PostAssignment.objects.exclude(signed_version=F("post__version")).count()
    assert unsigned > 0
    assert sum(row.counts.get("unsigned_lists", 0) for row in rows) == unsigned
    event = AuditEvent.objects.get(verb="demo.duties")
    assert event.changes == {
        "posts": Post.objects.count(),
        "assignments": PostAssignment.objects.count(),
        "signed": Acknowledgement.objects.count(),
    }
    assert f"{Acknowledgement.objects.count()} of their {PostAssignment.objects.count()}" in (
        small_city
    )


def test_the_real_actions_carry_on_from_the_demo_lists(small_city):
    waiting = PostAssignment.objects.exclude(signed_version=F("post__version")).first()
    ack, created = duty_actions.do_sign(waiting.person, waiting, version=waiting.post.version)
    assert created and ack.intact
    waiting.refresh_from_db()
    assert waiting.is_signed
    # The ids written explicitly left the sequences behind them: new rows still get ids.
    principal = User.objects.get(username=f"{waiting.post.org.code}_principal")
    post = duty_actions.do_create_post(
        principal, waiting.post.org, name="食堂管理员", duties=["每日检查食品留样。"]
    )
    assert post.pk > Post.objects.exclude(pk=post.pk).order_by("-pk").first().pk
    assignment = duty_actions.do_assign_post(principal, post, person=principal)
    assert assignment.pk > waiting.pk
    assert (
        Counter(Post.objects.filter(org=post.org).values_list("name", flat=True))["食堂管理员"] == 1
    )

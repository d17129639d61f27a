"""Re-assessment reminders (tick): one message a week per school whose points' review dates
have passed, to the people who keep its register; nothing twice, nothing once reviewed."""

import datetime

from safecampus.notify.models import Notification
from safecampus.risks import actions
from safecampus.risks.jobs import remind_reviews
from safecampus.risks.models import RiskCategory, RiskPoint

MONDAY = datetime.date(2026, 11, 30)


def _graded(actor, school, on):
    fire, _ = RiskCategory.objects.get_or_create(
        code="fire", defaults={"name_zh": "消防安全", "name_en": "Fire"}
    )
    point = actions.do_add_point(actor, school, category=fire, hazard="灭火器过期")
    actions.do_assess(actor, point, l="1", e="2", c="7", assessed_on=on)  # blue: a year
    return point


def test_late_reviews_reach_the_register_keepers_once_a_week(
    world, safety_officer, school_principal, teacher
):
    year_ago = MONDAY - datetime.timedelta(days=400)
    _graded(safety_officer, world.school_a1, year_ago)
    _graded(safety_officer, world.school_a1, year_ago)
    _graded(safety_officer, world.school_a1, MONDAY)  # reviewed now: not late

    assert remind_reviews(MONDAY) == 1
    got = Notification.objects.filter(kind="risk_review")
    assert {n.user.username for n in got} == {"safety_officer", "school_principal"}
    assert "2" in got.first().title and got.first().link.endswith("?due=overdue")
    # the same week: nothing again; the next week: again, while the points stay late
    assert remind_reviews(MONDAY + datetime.timedelta(days=6)) == 0
    assert remind_reviews(MONDAY + datetime.timedelta(days=7)) == 1
    assert not Notification.objects.filter(user=teacher).exists()


def test_reassessed_or_retired_points_are_not_late(world, safety_officer):
    year_ago = MONDAY - datetime.timedelta(days=400)
    point = _graded(safety_officer, world.school_a1, year_ago)
    other = _graded(safety_officer, world.school_a1, year_ago)
    actions.do_assess(safety_officer, point, l="1", e="2", c="7", assessed_on=MONDAY)
    actions.do_retire_point(safety_officer, other)
    assert RiskPoint.objects.filter(review_on__lt=MONDAY, active=True).count() == 0
    assert remind_reviews(MONDAY) == 0

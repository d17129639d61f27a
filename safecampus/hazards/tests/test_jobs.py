"""The periodic hazard work: reminders, overdue notices, escalation, progress reports (§4.1)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from safecampus.audit.models import AuditEvent
from safecampus.hazards import actions, actions_followup, jobs
from safecampus.hazards.models import Hazard, HazardEvent
from safecampus.hazards.tests.helpers import report
from safecampus.notify.models import Notification, OutboxMessage, WebhookEndpoint
from safecampus.web import jobs as web_jobs

TODAY = datetime.date(2026, 4, 1)
DAY = datetime.timedelta(days=1)
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


@pytest.fixture
def people(
    teacher, safety_officer, school_principal, county_officer, county_staff, city_admin, world
):
    return {
        "teacher": teacher,
        "safety_officer": safety_officer,
        "county_officer": county_officer,
        "city_admin": city_admin,
    }


@pytest.fixture
def assigned(people, world, categories):
    """A hazard at school A1 assigned to the teacher with the given deadline."""

    def make(deadline, school=None, **fields):
        hazard = report(people["teacher"], school or world.school_a1, categories, **fields)
        return actions.do_assign(
            people["safety_officer"], hazard, responsible=people["teacher"], deadline=deadline
        )

    return make


def kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_it_reminds_the_responsible_person_three_days_and_one_day_before(assigned, people):
    assigned(TODAY + 3 * DAY)
    assert jobs.remind_deadlines(TODAY) == 1
    assert "hazard.deadline_near" in kinds(people["teacher"])
    assert "hazard.deadline_near" in kinds(people["safety_officer"])
    assert jobs.remind_deadlines(TODAY + DAY) == 0  # two days before: not a reminder day
    assert jobs.remind_deadlines(TODAY + 2 * DAY) == 1
    assert kinds(people["teacher"]).count("hazard.deadline_near") == 2


def test_the_reminder_days_come_from_settings(assigned, settings):
    settings.HAZARD_REMINDER_DAYS = [5]
    assigned(TODAY + 5 * DAY)
    assigned(TODAY + 3 * DAY)
    assert jobs.remind_deadlines(TODAY) == 1


def test_a_hazard_awaiting_verification_or_closed_gets_no_reminder(assigned, people):
    hazard = assigned(TODAY + 3 * DAY)
    actions.do_submit(people["teacher"], hazard, note="已更换")
    assert jobs.remind_deadlines(TODAY) == 0


def test_running_every_job_twice_on_one_day_sends_nothing_twice(assigned, world):
    WebhookEndpoint.objects.create(org=world.school_a1, channel="wecom", name="群", url=WECOM + "a")
    assigned(TODAY + 3 * DAY)
    assigned(TODAY - 1 * DAY)
    assigned(TODAY - 8 * DAY)
    first = jobs.run_all(TODAY)
    counts = (Notification.objects.count(), OutboxMessage.objects.count())
    assert first == {
        "deadline reminders": 1,
        "overdue notices": 2,
        "escalations": 2,
        "progress-report reminders": 0,
    }
    assert set(jobs.run_all(TODAY).values()) == {0}
    assert (Notification.objects.count(), OutboxMessage.objects.count()) == counts


def test_a_rerun_costs_a_few_queries_however_many_hazards_are_overdue(
    assigned, django_assert_max_num_queries
):
    for _ in range(4):
        assigned(TODAY - 1 * DAY)
    assert jobs.notify_overdue(TODAY) == 4
    with django_assert_max_num_queries(3):
        assert jobs.notify_overdue(TODAY) == 0


def test_an_overdue_hazard_is_announced_once_per_deadline(assigned, people):
    hazard = assigned(TODAY - 1 * DAY)
    assert jobs.notify_overdue(TODAY) == 1
    assert jobs.notify_overdue(TODAY + DAY) == 0
    assert "hazard.overdue" in kinds(people["teacher"])
    assert "hazard.overdue" in kinds(people["safety_officer"])
    # A new deadline (extension) that lapses again is announced again.
    actions.do_assign(
        people["safety_officer"], hazard, responsible=people["teacher"], deadline=TODAY + DAY
    )
    assert jobs.notify_overdue(TODAY + DAY) == 0
    assert jobs.notify_overdue(TODAY + 2 * DAY) == 1


def test_it_escalates_to_the_county_after_three_days_and_the_city_after_seven(assigned, people):
    hazard = assigned(TODAY - 2 * DAY)
    assert jobs.escalate_overdue(TODAY) == 0
    assert jobs.escalate_overdue(TODAY + DAY) == 1
    hazard.refresh_from_db()
    assert hazard.escalation_level == 1
    assert "hazard.escalated" in kinds(people["county_officer"])
    assert "hazard.escalated" not in kinds(people["city_admin"])
    assert jobs.escalate_overdue(TODAY + 4 * DAY) == 0
    assert jobs.escalate_overdue(TODAY + 5 * DAY) == 1
    hazard.refresh_from_db()
    assert hazard.escalation_level == 2
    assert "hazard.escalated" in kinds(people["city_admin"])
    assert "hazard.escalated" in kinds(people["teacher"])


def test_an_escalation_is_on_the_timeline_and_in_the_audit_trail_as_the_job(assigned):
    hazard = assigned(TODAY - 3 * DAY)
    jobs.escalate_overdue(TODAY)
    event = HazardEvent.objects.get(hazard=hazard, verb="escalate")
    assert event.actor is None and event.note == "东湖区"
    audit = AuditEvent.objects.get(verb="hazard.escalate", object_id=str(hazard.pk))
    assert audit.actor is None and audit.actor_label == "tick"
    assert audit.changes["escalation_level"] == [0, 1]


def test_a_hazard_found_long_overdue_goes_through_county_and_city_at_once(assigned, people):
    hazard = assigned(TODAY - 10 * DAY)
    assert jobs.escalate_overdue(TODAY) == 2
    hazard.refresh_from_db()
    assert hazard.escalation_level == 2
    verbs = HazardEvent.objects.filter(hazard=hazard, verb="escalate").count()
    assert verbs == 2
    assert "hazard.escalated" in kinds(people["county_officer"])


def test_do_escalate_only_raises_and_only_while_overdue(assigned, people):
    hazard = assigned(TODAY - 10 * DAY)
    assert jobs.do_escalate(hazard, 2, today=TODAY) is True
    assert jobs.do_escalate(hazard, 1, today=TODAY) is False
    assert jobs.do_escalate(hazard, 2, today=TODAY) is False
    later = assigned(TODAY + DAY)
    assert jobs.do_escalate(later, 1, today=TODAY) is False
    assert Hazard.objects.get(pk=later.pk).escalation_level == 0
    with pytest.raises(ValueError):
        jobs.do_escalate(hazard, 3, today=TODAY)


def test_a_new_deadline_after_an_escalation_starts_the_count_again(assigned, people):
    hazard = assigned(TODAY - 3 * DAY)
    assert jobs.escalate_overdue(TODAY) == 1
    hazard = actions.do_assign(
        people["safety_officer"], hazard, responsible=people["teacher"], deadline=TODAY + DAY
    )
    assert hazard.escalation_level == 0
    assert jobs.escalate_overdue(TODAY + 3 * DAY) == 0
    assert jobs.escalate_overdue(TODAY + 4 * DAY) == 1
    assert kinds(people["county_officer"]).count("hazard.escalated") == 2


def test_a_city_direct_school_escalates_to_the_city(world, people, categories):
    city_admin = people["city_admin"]
    hazard = report(city_admin, world.direct_school, categories)
    actions.do_assign(city_admin, hazard, responsible=city_admin, deadline=TODAY - 3 * DAY)
    assert jobs.escalate_overdue(TODAY) == 1
    assert "hazard.escalated" in kinds(city_admin)
    assert "hazard.escalated" not in kinds(people["county_officer"])
    audit = AuditEvent.objects.get(verb="hazard.escalate", object_id=str(hazard.pk))
    assert audit.changes["bureau"] == world.city.code


def test_reminders_reach_the_school_robot_and_escalations_the_county_robot(assigned, world):
    school = WebhookEndpoint.objects.create(
        org=world.school_a1, channel="wecom", name="学校群", url=WECOM + "school"
    )
    county = WebhookEndpoint.objects.create(
        org=world.county_a, channel="wecom", name="区局群", url=WECOM + "county"
    )
    WebhookEndpoint.objects.create(org=world.city, channel="wecom", name="市局群", url=WECOM + "c")
    assigned(TODAY + 3 * DAY)
    OutboxMessage.objects.all().delete()  # what reporting and assigning sent
    jobs.remind_deadlines(TODAY)
    assert set(OutboxMessage.objects.exclude(channel="email").values_list("target", flat=True)) == {
        school.url
    }
    assigned(TODAY - 3 * DAY)
    OutboxMessage.objects.all().delete()
    jobs.escalate_overdue(TODAY)
    targets = set(OutboxMessage.objects.exclude(channel="email").values_list("target", flat=True))
    assert targets == {school.url, county.url}


@pytest.fixture
def supervised(teacher, world, categories, safety_officer, county_officer, county_staff):
    hazard = report(teacher, world.school_a1, categories, severity="major")
    hazard = actions.do_assign(
        safety_officer, hazard, responsible=teacher, deadline=TODAY + 60 * DAY
    )
    return actions_followup.do_supervise(
        county_officer,
        hazard,
        supervising_org=world.county_a,
        supervisor=county_staff,
        report_interval_days=7,
    )


def test_a_supervised_hazard_owes_a_progress_report_every_interval(supervised, teacher):
    start = supervised.supervised_on
    assert jobs.remind_progress_reports(start + 6 * DAY) == 0
    assert jobs.remind_progress_reports(start + 7 * DAY) == 1
    assert jobs.remind_progress_reports(start + 8 * DAY) == 0
    assert jobs.remind_progress_reports(start + 14 * DAY) == 1
    assert kinds(teacher).count("hazard.progress_due") == 2


def test_a_missed_day_is_caught_up_once_not_repeated(supervised):
    start = supervised.supervised_on
    assert jobs.remind_progress_reports(start + 9 * DAY) == 1
    assert jobs.remind_progress_reports(start + 10 * DAY) == 0


def test_tick_prints_one_line_per_job_and_sends_nothing_twice(assigned, people, mailoutbox):
    people["teacher"].email = "teacher@school.example"
    people["teacher"].save(update_fields=["email"])
    assigned(TODAY - 1 * DAY)
    out = io.StringIO()
    with translation.override("en"):
        call_command("tick", "--today", TODAY.isoformat(), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "deadline reminders: 0",
        "overdue notices: 1",
        "escalations: 0",
        "progress-report reminders: 0",
        "risk review reminders: 0",
    ]
    assert lines[5].startswith("delivery: ") and "0 to retry" in lines[5]
    # Only the teacher has an address: the assignment and the overdue notice.
    sent = len(mailoutbox)
    assert sent == 2 and {tuple(m.to) for m in mailoutbox} == {("teacher@school.example",)}
    out = io.StringIO()
    with translation.override("en"):
        call_command("tick", "--today", TODAY.isoformat(), stdout=out)
    assert "overdue notices: 0" in out.getvalue()
    assert len(mailoutbox) == sent


def test_a_broken_job_does_not_stop_the_others_nor_the_sending(assigned, monkeypatch):
    assigned(TODAY - 1 * DAY)

    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setattr(web_jobs, "JOBS", [("broken", broken), *web_jobs.JOBS])
    out = io.StringIO()
    with pytest.raises(CommandError), translation.override("en"):
        call_command("tick", "--today", TODAY.isoformat(), stdout=out)
    assert "broken: FAILED" in out.getvalue()
    assert "overdue notices: 1" in out.getvalue()
    assert "delivery: " in out.getvalue()


@pytest.mark.parametrize("raw", [["3", "x"], ["0"], ["-1"]])
def test_bad_reminder_days_stop_the_server_from_starting(raw):
    from django.core.exceptions import ImproperlyConfigured

    from safecampus.settings import _days

    with pytest.raises(ImproperlyConfigured):
        _days("HAZARD_REMINDER_DAYS", raw)
    assert _days("HAZARD_REMINDER_DAYS", ["1", "3", "3"]) == [3, 1]

"""Which group chats hear about a hazard: the school's; for a major one also the bureau above;
for a supervised one, from the supervising bureau down."""

import datetime

from safecampus.hazards import actions, actions_followup
from safecampus.hazards.tests.helpers import FOUND, report
from safecampus.notify.models import OutboxMessage, WebhookEndpoint

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


def _robots(world):
    for org, key in ((world.city, "city"), (world.county_a, "county"), (world.school_a1, "school")):
        WebhookEndpoint.objects.create(org=org, channel="wecom", name=key, url=WECOM + key)


def _targets(kind_key: str) -> set[str]:
    rows = OutboxMessage.objects.filter(dedupe_key__startswith=kind_key, channel="wecom")
    return {url.rsplit("=", 1)[1] for url in rows.values_list("target", flat=True)}


def test_a_general_hazard_reaches_the_school_chat_only(world, categories, teacher):
    _robots(world)
    hazard = report(teacher, world.school_a1, categories)
    assert _targets(f"reported:{hazard.pk}|") == {"school"}


def test_a_major_hazard_also_reaches_the_county_chat(world, categories, teacher):
    _robots(world)
    hazard = report(teacher, world.school_a1, categories, severity="major")
    assert _targets(f"reported:{hazard.pk}|") == {"school", "county"}


def test_a_supervised_hazard_reaches_down_from_the_supervising_bureau(
    world, categories, teacher, safety_officer, city_admin
):
    _robots(world)
    hazard = report(teacher, world.school_a1, categories, severity="major")
    hazard = actions.do_assign(
        safety_officer, hazard, responsible=teacher, deadline=FOUND + datetime.timedelta(days=9)
    )
    actions_followup.do_supervise(
        city_admin,
        hazard,
        supervising_org=world.city,
        supervisor=city_admin,
        report_interval_days=7,
    )
    assert _targets(f"supervise:{hazard.pk}:") == {"school", "county", "city"}

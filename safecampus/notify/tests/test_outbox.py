"""Queuing: an event's key makes it happen once; robots hear about their subtree."""

from safecampus.notify.models import Notification, OutboxMessage, WebhookEndpoint
from safecampus.notify.outbox import enqueue

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="


def _robots(world):
    return {
        org: WebhookEndpoint.objects.create(org=org, channel="wecom", name=name, url=WECOM + name)
        for org, name in ((world.city, "city"), (world.county_a, "county"), (world.school_a1, "s"))
    }


def _send(world, user, key="overdue:1:2026-04-01", **kwargs):
    return enqueue(
        kind="hazard.overdue",
        key=key,
        users=[user],
        title="逾期",
        org_path=world.school_a1.path,
        **kwargs,
    )


def test_the_same_key_queues_nothing_the_second_time(world, teacher):
    teacher.email = "t@school.example"
    teacher.save(update_fields=["email"])
    _robots(world)
    assert _send(world, teacher) is True
    assert _send(world, teacher) is False
    assert Notification.objects.filter(user=teacher).count() == 1
    assert OutboxMessage.objects.count() == 4  # one email, three robots


def test_robots_above_robots_from_do_not_hear_it(world, teacher):
    robots = _robots(world)
    _send(world, teacher, robots_from=world.county_a.path)
    targets = set(OutboxMessage.objects.values_list("target", flat=True))
    assert targets == {robots[world.county_a].url, robots[world.school_a1].url}


def test_a_turned_off_robot_hears_nothing(world, teacher):
    robots = _robots(world)
    WebhookEndpoint.objects.filter(pk=robots[world.city].pk).update(active=False)
    _send(world, teacher)
    assert robots[world.city].url not in set(OutboxMessage.objects.values_list("target", flat=True))


def test_outside_messages_link_to_the_hazard_when_the_site_address_is_known(
    world, teacher, settings
):
    settings.SITE_URL = "https://safecampus.example.gov.cn"
    teacher.email = "t@school.example"
    teacher.save(update_fields=["email"])
    _robots(world)
    enqueue(
        kind="hazard.overdue",
        key="k",
        users=[teacher],
        title="逾期",
        body="东湖第一小学 · 灭火器过期",
        link="/hazards/7/",
        org_path=world.school_a1.path,
    )
    bodies = set(OutboxMessage.objects.values_list("body", flat=True))
    assert bodies == {"东湖第一小学 · 灭火器过期\nhttps://safecampus.example.gov.cn/hazards/7/"}
    assert Notification.objects.get().body == "东湖第一小学 · 灭火器过期"

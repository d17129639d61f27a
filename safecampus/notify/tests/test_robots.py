"""The group-robot settings page, per persona: connect, list, turn off, test-send."""

import pytest
from django.urls import reverse

from safecampus.audit.models import AuditEvent
from safecampus.notify.models import OutboxMessage, WebhookEndpoint

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=4f1e9c0a1b2c3d4e5f"


def robot(org, name="安全群", url=WECOM, channel="wecom", active=True):
    return WebhookEndpoint.objects.create(
        org=org, name=name, url=url, channel=channel, active=active
    )


def form(org, **overrides):
    data = {"org": str(org.pk), "channel": "wecom", "name": "校园安全群", "url": WECOM}
    data.update(overrides)
    return data


def test_a_principal_connects_a_wecom_robot_for_the_school(as_user, school_principal, world):
    response = as_user(school_principal).post(reverse("notify:robots"), form(world.school_a1))
    assert response.status_code == 302
    saved = WebhookEndpoint.objects.get()
    assert (saved.org, saved.channel, saved.url, saved.active) == (
        world.school_a1,
        "wecom",
        WECOM,
        True,
    )
    audit = AuditEvent.objects.get(verb="notify.robot_add")
    assert audit.actor == school_principal
    assert "693a91f6" not in str(audit.changes)  # the robot's key stays out of the trail


def test_a_county_officer_connects_a_dingtalk_robot_for_the_county(as_user, county_officer, world):
    data = form(world.county_a, channel="dingtalk", url=DINGTALK)
    assert as_user(county_officer).post(reverse("notify:robots"), data).status_code == 302
    assert WebhookEndpoint.objects.get().channel == "dingtalk"


def test_the_list_shows_robots_in_scope_with_their_key_hidden(as_user, county_officer, world):
    robot(world.school_a1, "学校群")
    robot(world.county_a, "区局群")
    robot(world.county_b, "别的县")
    response = as_user(county_officer).get(reverse("notify:robots"))
    assert response.status_code == 200
    assert {r.name for r in response.context["page"]} == {"学校群", "区局群"}
    html = response.content.decode()
    assert "别的县" not in html and "693a91f6" not in html and "…5aaa" in html


def test_a_teacher_gets_403(as_user, teacher, world):
    client = as_user(teacher)
    assert client.get(reverse("notify:robots")).status_code == 403
    assert client.post(reverse("notify:robots"), form(world.school_a1)).status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_a_read_only_viewer_gets_403_on_a_robot_in_scope(as_user, county_viewer, world):
    hook = robot(world.school_a1)
    client = as_user(county_viewer)
    assert (
        client.post(reverse("notify:robot_active", args=[hook.pk]), {"active": "0"}).status_code
        == 403
    )
    assert client.post(reverse("notify:robot_test", args=[hook.pk])).status_code == 403
    hook.refresh_from_db()
    assert hook.active and not OutboxMessage.objects.exists()


def test_an_outsider_gets_404_on_a_robot_of_another_county(as_user, other_county_officer, world):
    hook = robot(world.school_a1)
    client = as_user(other_county_officer)
    assert (
        client.post(reverse("notify:robot_active", args=[hook.pk]), {"active": "0"}).status_code
        == 404
    )
    assert client.post(reverse("notify:robot_test", args=[hook.pk])).status_code == 404
    hook.refresh_from_db()
    assert hook.active and not OutboxMessage.objects.exists()


def test_an_outsider_cannot_connect_a_robot_to_a_school_outside_scope(
    as_user, other_county_officer, world
):
    response = as_user(other_county_officer).post(reverse("notify:robots"), form(world.school_a1))
    assert response.status_code == 400 and "org" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("channel", "url"),
    [
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
        ("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=abc"),
        ("wecom", "https://evilqyapi.weixin.qq.com.cn/cgi-bin/webhook/send?key=abc"),
        ("wecom", "https://127.0.0.1/cgi-bin/webhook/send?key=abc"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/other?key=abc"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"),
        ("wecom", "https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
        ("wecom", "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=abc"),
        ("wecom", DINGTALK),
        ("dingtalk", WECOM),
        ("dingtalk", "not a url"),
    ],
)
def test_a_bad_robot_address_is_refused_and_nothing_is_written(
    as_user, school_principal, world, channel, url
):
    data = form(world.school_a1, channel=channel, url=url)
    response = as_user(school_principal).post(reverse("notify:robots"), data)
    assert response.status_code == 400
    assert "url" in response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(verb="notify.robot_add").exists()


def test_the_same_robot_is_not_connected_twice(as_user, school_principal, world):
    robot(world.school_a1)
    response = as_user(school_principal).post(reverse("notify:robots"), form(world.school_a1))
    assert response.status_code == 400 and "url" in response.context["form"].errors
    assert WebhookEndpoint.objects.count() == 1


def test_a_test_send_queues_one_message_to_that_robot(as_user, school_principal, world):
    hook = robot(world.school_a1)
    response = as_user(school_principal).post(reverse("notify:robot_test", args=[hook.pk]))
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert (message.channel, message.target, message.state) == ("wecom", WECOM, "pending")
    assert AuditEvent.objects.filter(verb="notify.robot_test", actor=school_principal).exists()


def test_a_turned_off_robot_is_not_tested(as_user, school_principal, world):
    hook = robot(world.school_a1, active=False)
    as_user(school_principal).post(reverse("notify:robot_test", args=[hook.pk]))
    assert not OutboxMessage.objects.exists()


def test_turning_a_robot_off_drops_its_waiting_messages(as_user, school_principal, world):
    hook = robot(world.school_a1)
    OutboxMessage.objects.create(
        channel="wecom", target=WECOM, subject="逾期", body="", dedupe_key="k"
    )
    client = as_user(school_principal)
    response = client.post(reverse("notify:robot_active", args=[hook.pk]), {"active": "0"})
    assert response.status_code == 302
    hook.refresh_from_db()
    assert not hook.active
    assert OutboxMessage.objects.get().state == "failed"
    assert AuditEvent.objects.filter(verb="notify.robot_disable").exists()
    client.post(reverse("notify:robot_active", args=[hook.pk]), {"active": "1"})
    hook.refresh_from_db()
    assert hook.active


def test_the_page_shows_how_the_last_message_went(as_user, school_principal, world):
    hook = robot(world.school_a1)
    OutboxMessage.objects.create(
        channel="wecom", target=WECOM, subject="x", body="", dedupe_key="a", state="sent"
    )
    OutboxMessage.objects.create(
        channel="wecom",
        target=WECOM,
        subject="y",
        body="",
        dedupe_key="b",
        state="failed",
        last_error="errcode 93000: invalid webhook url",
    )
    response = as_user(school_principal).get(reverse("notify:robots"))
    [listed] = response.context["page"]
    assert listed.pk == hook.pk and listed.last_state == "failed"
    assert "errcode 93000" in response.content.decode()


def test_the_robot_list_takes_a_fixed_number_of_queries(
    as_user, city_admin, world, django_assert_max_num_queries
):
    for i in range(30):
        robot(world.school_a1 if i % 2 else world.county_a, f"群{i}", url=f"{WECOM}{i}")
    client = as_user(city_admin)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("notify:robots"))
    assert len(response.context["page"]) == 30


def test_a_bureau_admin_reaches_a_school_below_through_the_org_parameter(
    as_user, county_officer, world
):
    page = as_user(county_officer).get(reverse("notify:robots"))
    offered = set(page.context["form"].fields["org"].queryset)
    assert world.county_a in offered and world.school_a1 not in offered
    page = as_user(county_officer).get(reverse("notify:robots"), {"org": world.school_a1.pk})
    assert world.school_a1 in set(page.context["form"].fields["org"].queryset)
    page = as_user(county_officer).get(reverse("notify:robots"), {"org": world.school_b1.pk})
    assert world.school_b1 not in set(page.context["form"].fields["org"].queryset)

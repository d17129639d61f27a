"""The inbox page, per persona: one's own messages only, unread marked, mark all read."""

import datetime

from django.urls import reverse
from django.utils import timezone

from safecampus.notify.models import Notification


def note(user, title="逾期：灭火器过期", minutes_ago=0, read=False, link="/hazards/7/"):
    created = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user=user,
        kind="hazard.overdue",
        title=title,
        body="东湖第一小学 · 灭火器过期",
        link=link,
        created_at=created,
        read_at=created if read else None,
    )


def test_it_lists_my_messages_newest_first_with_the_unread_marked(as_user, teacher, guard):
    older = note(teacher, "旧消息", minutes_ago=30, read=True)
    newer = note(teacher, "新消息", minutes_ago=1)
    note(guard, "别人的消息")
    response = as_user(teacher).get(reverse("notify:inbox"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [newer, older]
    html = response.content.decode()
    assert "别人的消息" not in html
    assert html.count('class="unread"') == 1
    assert reverse("notify:open", args=[newer.pk]) in html


def test_the_top_bar_shows_how_many_are_unread(as_user, teacher):
    note(teacher)
    note(teacher)
    note(teacher, read=True)
    response = as_user(teacher).get(reverse("notify:inbox"))
    assert response.context["inbox_unread"] == 2
    assert 'id="inbox-link"' in response.content.decode()


def test_opening_a_message_marks_it_read_and_goes_to_the_hazard(as_user, teacher):
    message = note(teacher)
    response = as_user(teacher).get(reverse("notify:open", args=[message.pk]))
    assert response.status_code == 302 and response.url == "/hazards/7/"
    message.refresh_from_db()
    assert message.read_at is not None


def test_a_message_linking_elsewhere_goes_back_to_the_inbox(as_user, teacher):
    message = note(teacher, link="https://evil.example/")
    response = as_user(teacher).get(reverse("notify:open", args=[message.pk]))
    assert response.url == reverse("notify:inbox")


def test_someone_elses_message_is_404_and_stays_unread(as_user, teacher, other_county_officer):
    message = note(teacher)
    response = as_user(other_county_officer).get(reverse("notify:open", args=[message.pk]))
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read_marks_only_mine(as_user, teacher, guard):
    note(teacher)
    note(teacher)
    theirs = note(guard)
    response = as_user(teacher).post(reverse("notify:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(user=teacher, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_needs_a_post(as_user, teacher):
    note(teacher)
    assert as_user(teacher).get(reverse("notify:read_all")).status_code == 405
    assert Notification.objects.filter(user=teacher, read_at__isnull=True).count() == 1


def test_the_inbox_takes_a_fixed_number_of_queries(as_user, teacher, django_assert_max_num_queries):
    for i in range(60):
        note(teacher, f"消息{i}", minutes_ago=i)
    client = as_user(teacher)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notify:inbox"))
    assert len(response.context["page"]) == 50


def test_only_robot_administrators_see_the_link_to_robots(as_user, teacher, school_principal):
    robots = reverse("notify:robots")
    assert robots not in as_user(teacher).get(reverse("notify:inbox")).content.decode()
    assert robots in as_user(school_principal).get(reverse("notify:inbox")).content.decode()

"""The inbox (站内消息) and the group-robot settings page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.lib.scoping import require, scope_for
from safecampus.notify import actions
from safecampus.notify.forms import RobotForm
from safecampus.notify.queries import (
    get_notification_for_user,
    get_robot_for_user,
    inbox_of,
    managed_robots,
    robot_orgs,
)
from safecampus.notify.robots import mask_url
from safecampus.orgs.roles import Cap

PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "can_manage_robots": scope_for(request.user).can_anywhere(Cap.USER_MANAGE),
        },
    )


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one message read and go to what it is about (a hazard)."""
    notification = get_notification_for_user(request.user, pk)
    actions.do_mark_read(request.user, notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notify:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = actions.do_mark_all_read(request.user)
    if count:
        messages.success(request, _("All messages are marked as read."))
    return redirect("notify:inbox")


def _require_robot_admin(request: HttpRequest) -> None:
    if not scope_for(request.user).can_anywhere(Cap.USER_MANAGE):
        raise PermissionDenied(Cap.USER_MANAGE)


@login_required
def robots(request: HttpRequest) -> HttpResponse:
    """List, add, turn off and test the group robots of the orgs the user administers."""
    _require_robot_admin(request)
    wanted = request.POST.get("org") or request.GET.get("org")
    form = RobotForm(
        request.POST or None,
        orgs=robot_orgs(request.user, include=wanted),
        initial={"org": wanted} if wanted else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            robot = actions.do_add_robot(
                request.user,
                form.cleaned_data["org"],
                channel=form.cleaned_data["channel"],
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                request=request,
            )
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is connected. Send a test message to check it.") % {"name": robot},
            )
            return redirect("notify:robots")
    page = Paginator(managed_robots(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for robot in page:
        robot.masked_url = mask_url(robot.url)  # type: ignore[attr-defined]
    status = 400 if request.method == "POST" else 200
    return render(request, "notify/robots.html", {"form": form, "page": page}, status=status)


@login_required
@require_POST
def robot_active(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_robot_for_user(request.user, pk)
    require(request.user, Cap.USER_MANAGE, robot.org)
    active = request.POST.get("active") == "1"
    actions.do_set_robot_active(request.user, robot, active=active, request=request)
    if active:
        messages.success(request, _("%(name)s is turned on.") % {"name": robot})
    else:
        messages.success(request, _("%(name)s is turned off.") % {"name": robot})
    return redirect("notify:robots")


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    robot = get_robot_for_user(request.user, pk)
    require(request.user, Cap.USER_MANAGE, robot.org)
    try:
        actions.do_test_robot(request.user, robot, request=request)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("notify:robots")
    messages.success(
        request,
        _(
            "A test message to %(name)s is queued; it is sent within a few minutes "
            "(by the periodic job). Reload this page to see the result."
        )
        % {"name": robot},
    )
    return redirect("notify:robots")

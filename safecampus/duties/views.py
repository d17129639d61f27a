"""Responsibility lists (责任清单): an organisation's posts with their holders and signatures,
the unsigned overview, one post, and "my lists" where a holder signs (DOMAIN.md §2.3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safecampus.duties import actions
from safecampus.duties.forms import AssignForm, PostForm, SignForm
from safecampus.duties.models import Acknowledgement, Pairing, Post
from safecampus.duties.queries import (
    duty_orgs,
    get_assignment_for_user,
    get_duty_org_for_user,
    get_post_for_user,
    my_assignments,
    people_at,
    posts_of,
    rollup_totals,
    signing_rollup,
    unsigned_of,
)
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

UNSIGNED_LIMIT = 500


def duty_org(request: HttpRequest, pk: Any, cap: str = Cap.DUTY_VIEW) -> Organization:
    """The organisation of a page: 404 outside the user's area, 403 without ``cap`` there."""
    org = get_duty_org_for_user(request.user, pk)
    require(request.user, cap, org)
    return org


def tabs(request: HttpRequest, org: Organization, current: str) -> dict[str, Any]:
    scope = scope_for(request.user)
    return {
        "org": org,
        "tab": current,
        "can_manage": scope.can(Cap.DUTY_MANAGE, org),
        "is_school": org.level == Level.SCHOOL,
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The nav's entry: the lists of the organisation at work, or one's own lists."""
    user = current_user(request)
    if not scope_for(user).can_anywhere(Cap.DUTY_VIEW):
        return redirect("duties:mine")
    current = active_org(request)
    if current is None or not scope_for(user).can(Cap.DUTY_VIEW, current):
        current = duty_orgs(user).order_by("path").first()
    assert current is not None  # DUTY_VIEW somewhere means an organisation in scope
    return redirect("duties:org", pk=current.pk)


def _render_org(
    request: HttpRequest, org: Organization, *, form: PostForm | None = None, status: int = 200
) -> HttpResponse:
    context = tabs(request, org, "posts")
    rows = signing_rollup(org) if org.level != Level.SCHOOL else []
    context.update(
        {
            "posts": list(posts_of(org)),
            "rows": rows,
            "totals": rollup_totals(rows) if rows else None,
            "form": form or (PostForm() if context["can_manage"] else None),
        }
    )
    return render(request, "duties/org.html", context, status=status)


@login_required
@require_GET
def org_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's posts and sign status; a bureau's own posts and the roll-up of its schools."""
    return _render_org(request, duty_org(request, pk))


@login_required
@require_POST
def post_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = duty_org(request, pk, Cap.DUTY_MANAGE)
    form = PostForm(request.POST)
    if not form.is_valid():
        return _render_org(request, org, form=form, status=400)
    try:
        post = actions.do_create_post(
            request.user,
            org,
            name=form.cleaned_data["name"],
            duties=form.duty_list(),
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_org(request, org, form=form, status=422)
    messages.success(request, _("The post has been added."))
    return redirect("duties:post", pk=post.pk)


@login_required
@require_POST
def posts_from_templates(request: HttpRequest, pk: int) -> HttpResponse:
    org = duty_org(request, pk, Cap.DUTY_MANAGE)
    try:
        created = actions.do_create_posts_from_templates(request.user, org, request=request)
    except ActionError as exc:
        messages.error(request, str(exc))
        return _render_org(request, org, status=422)
    if created:
        messages.success(request, _("%(n)d posts added from the templates.") % {"n": len(created)})
    else:
        messages.info(request, _("This school already has every template post."))
    return redirect("duties:org", pk=org.pk)


@login_required
@require_GET
def unsigned(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has not signed the current version of their list, under this organisation."""
    org = duty_org(request, pk)
    context = tabs(request, org, "unsigned")
    rows = list(unsigned_of(org)[: UNSIGNED_LIMIT + 1])
    context.update({"unsigned": rows[:UNSIGNED_LIMIT], "limited": len(rows) > UNSIGNED_LIMIT})
    return render(request, "duties/unsigned.html", context)


# --- one post -------------------------------------------------------------------------------


def _render_post(
    request: HttpRequest,
    post: Post,
    *,
    form: PostForm | None = None,
    assign: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = tabs(request, post.org, "posts")
    manage = context["can_manage"]
    holders = post.assignments.select_related("person").order_by("ended_on", "id")
    signatures = (
        Acknowledgement.objects.filter(assignment__post=post)
        .select_related("assignment__person")
        .order_by("-signed_at", "-id")[:200]
    )
    initial = {
        "name": post.name,
        "duties": "\n".join(post.duties),
        "expected_version": post.version,
    }
    context.update(
        {
            "post": post,
            "holders": list(holders),
            "signatures": list(signatures),
            "form": form or (PostForm(initial=initial) if manage else None),
            "assign": assign or (AssignForm(people=people_at(post.org)) if manage else None),
        }
    )
    return render(request, "duties/post.html", context, status=status)


@login_required
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_user(request.user, pk)
    return _render_post(request, post)


@login_required
@require_POST
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_user(request.user, pk)
    require(request.user, Cap.DUTY_MANAGE, post.org)
    form = PostForm(request.POST)
    if not form.is_valid():
        return _render_post(request, post, form=form, status=400)
    try:
        actions.do_edit_post(
            request.user,
            post,
            name=form.cleaned_data["name"],
            duties=form.duty_list(),
            expected_version=form.cleaned_data["expected_version"],
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_post(request, post, form=form, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
        return _render_post(request, post, status=409)
    messages.success(request, _("The list has been saved."))
    return redirect("duties:post", pk=post.pk)


@login_required
@require_POST
def post_assign(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_user(request.user, pk)
    require(request.user, Cap.DUTY_MANAGE, post.org)
    form = AssignForm(request.POST, people=people_at(post.org))
    if not form.is_valid():
        return _render_post(request, post, assign=form, status=400)
    try:
        actions.do_assign_post(
            request.user,
            post,
            person=form.cleaned_data["person"],
            started_on=form.cleaned_data["started_on"],
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _render_post(request, post, assign=form, status=422)
    messages.success(request, _("The person now holds this post and is asked to sign the list."))
    return redirect("duties:post", pk=post.pk)


@login_required
@require_POST
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    try:
        actions.do_end_assignment(request.user, assignment, request=request)
    except (ActionError, Conflict) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The person no longer holds this post."))
    return redirect("duties:post", pk=assignment.post_id)


# --- my lists -------------------------------------------------------------------------------


def _render_mine(
    request: HttpRequest, *, failed: tuple[int, SignForm] | None = None, status: int = 200
) -> HttpResponse:
    user = current_user(request)
    rows = []
    for assignment in my_assignments(user):
        form = SignForm(initial={"version": assignment.post.version})
        if failed is not None and failed[0] == assignment.pk:
            form = failed[1]
        rows.append({"assignment": assignment, "form": form})
    history = (
        Acknowledgement.objects.filter(assignment__person=user)
        .select_related("assignment__post__org")
        .order_by("-signed_at", "-id")[:100]
    )
    pairings = Pairing.objects.filter(teacher=user, ended_on__isnull=True).select_related("school")
    context = {"rows": rows, "history": list(history), "pairings": list(pairings)}
    return render(request, "duties/mine.html", context, status=status)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return _render_mine(request)


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    if assignment.person_id != request.user.pk:
        raise PermissionDenied(_("Only the person holding the post signs its list."))
    form = SignForm(request.POST)
    if not form.is_valid():
        return _render_mine(request, failed=(assignment.pk, form), status=400)
    try:
        actions.do_sign(
            request.user, assignment, version=form.cleaned_data["version"], request=request
        )
    except Conflict as exc:
        messages.error(request, str(exc))
        return _render_mine(request, status=409)
    messages.success(request, _("Signed. Thank you."))
    return redirect("duties:mine")

"""Organisation pages: list (filtered), tree, detail, create, edit, close, campuses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.lib.errors import ActionError
from safecampus.lib.forms import apply_action_error, bureau_select
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs import actions
from safecampus.orgs.active import active_org
from safecampus.orgs.choices import OrgStatus
from safecampus.orgs.filters import OrgFilter
from safecampus.orgs.forms import CampusForm, NewOrgForm, OrgForm
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import (
    get_campus_for_user,
    get_org_for_user,
    memberships_of,
    parent_choices,
    visible_orgs,
)
from safecampus.orgs.roles import Cap
from safecampus.orgs.tree import parent_of

PAGE_SIZE = 50


def org_filter(request: HttpRequest) -> OrgFilter:
    """The list's filters; with none given, the active org's subtree (org switcher)."""
    data = request.GET.copy() if request.GET else QueryDict(mutable=True)
    current = active_org(request)
    if not data.get("under") and current is not None:
        data["under"] = str(current.pk)
    queryset = visible_orgs(request.user).select_related(None).order_by("path")
    filterset = OrgFilter(data, queryset=queryset)
    # In the page, "within" is a choice of the bureaus in scope rather than a bare id.
    filterset.form.fields["under"].widget = bureau_select(request.user)
    return filterset


@login_required
def org_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.can_anywhere(Cap.ORG_VIEW):
        raise PermissionDenied(Cap.ORG_VIEW)
    filterset = org_filter(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "orgs/org_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": params.urlencode(),
            "can_create": scope.can_anywhere(Cap.ORG_MANAGE),
            "can_import": scope.can_anywhere(Cap.ORG_IMPORT),
            "can_export": scope.can_anywhere(Cap.ORG_EXPORT),
        },
    )


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    scope = scope_for(request.user)
    children = Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by(
        "path"
    )
    return render(
        request,
        "orgs/org_detail.html",
        {
            "org": org,
            "parent": parent_of(org),
            "children": children[:200],
            "children_count": org.numchild,
            "campuses": org.campuses.all(),
            "memberships": memberships_of(org) if scope.can(Cap.USER_VIEW, org) else None,
            "can_edit": scope.can(Cap.ORG_MANAGE, org),
            "can_close": org.is_school and actions._manages_parent(request.user, org),
            "campus_form": CampusForm(),
        },
    )


@login_required
def org_new(request: HttpRequest) -> HttpResponse:
    parents = parent_choices(request.user, Cap.ORG_MANAGE)
    if not parents.exists():
        raise PermissionDenied(Cap.ORG_MANAGE)
    initial = {}
    if request.GET.get("parent"):
        initial["parent"] = request.GET["parent"]
    form = NewOrgForm(request.POST or None, parents=parents, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.do_create_org(
                request.user,
                form.cleaned_data["parent"],
                form.level,
                form.values(),
                request=request,
            )
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(request, _("%(name)s has been created.") % {"name": org.name})
            return redirect("orgs:detail", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "orgs/org_form.html", {"form": form, "creating": True}, status=status)


@login_required
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    require(request.user, Cap.ORG_MANAGE, org)
    form = OrgForm(
        request.POST or None, instance=Organization.objects.get(pk=org.pk), level=org.level
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_org(request.user, org, form.values(), request=request)
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("orgs:detail", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "orgs/org_form.html", {"form": form, "org": org}, status=status)


@login_required
@require_POST
def org_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    status = request.POST.get("status", "")
    if status not in OrgStatus.values:
        messages.error(request, _("Unknown status."))
        return redirect("orgs:detail", pk=org.pk)
    try:
        actions.do_set_org_status(request.user, org, status, request=request)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("orgs:detail", pk=org.pk)


@login_required
@require_POST
def campus_add(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request.user, pk)
    require(request.user, Cap.ORG_MANAGE, org)
    form = CampusForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_campus(
                request.user,
                org,
                form.cleaned_data["name"],
                form.cleaned_data["address"],
                request=request,
            )
        except ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The campus has been added."))
    else:
        messages.error(request, _("Give the campus a name."))
    return redirect("orgs:detail", pk=org.pk)


@login_required
@require_POST
def campus_remove(request: HttpRequest, pk: int) -> HttpResponse:
    campus = get_campus_for_user(request.user, pk)
    try:
        actions.do_remove_campus(request.user, campus, request=request)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The campus has been removed."))
    return redirect("orgs:detail", pk=campus.school_id)

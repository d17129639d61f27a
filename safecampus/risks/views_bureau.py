"""Bureau pages of risk grading: the grading policy (method and thresholds) and the risk
library (standard entries and the bureau's own, versioned)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from safecampus.lib.errors import ActionError
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.lib.scoping import path_and_ancestors, require, scope_for
from safecampus.orgs.active import active_org
from safecampus.orgs.models import Organization
from safecampus.orgs.queries import get_org_for_user
from safecampus.orgs.roles import Cap
from safecampus.risks import actions
from safecampus.risks.filters import LibraryFilter
from safecampus.risks.forms import LibraryItemForm, PolicyForm, default_thresholds
from safecampus.risks.models import GradingPolicy
from safecampus.risks.queries import (
    get_library_item_for_user,
    library_for,
    policy_for,
    versions_of,
)

PAGE_SIZE = 100


def _org(request: HttpRequest) -> Organization:
    """``?org=`` if given (404 outside the scope), else the active org; 403 without risk.view."""
    chosen = request.GET.get("org") or request.POST.get("org")
    org = get_org_for_user(request.user, chosen) if chosen else active_org(request)
    if org is None:
        raise PermissionDenied(Cap.RISK_VIEW)
    require(request.user, Cap.RISK_VIEW, org)
    return org


# --- grading policy --------------------------------------------------------------------------


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """Method and thresholds of a bureau; a school (or a bureau without its own) sees the ones
    it inherits and from where."""
    org = _org(request)
    effective = policy_for(org)
    own = GradingPolicy.objects.filter(org=org).first()
    source = (
        GradingPolicy.objects.filter(org__path__in=path_and_ancestors(org.path))
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )
    can_edit = not org.is_school and scope_for(request.user).can(Cap.RISK_LIBRARY, org)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial=PolicyForm.initial_for(effective),
    )
    context = {
        "org": org,
        "policy": effective,
        "own": own,
        "source": source,
        "form": form,
        "can_edit": can_edit,
        "defaults": default_thresholds(),
    }
    if request.method != "POST":
        return render(request, "risks/policy.html", context)
    if not can_edit:
        raise PermissionDenied(Cap.RISK_LIBRARY)
    if not form.is_valid():
        return render(request, "risks/policy.html", context, status=400)
    data = form.cleaned_data
    try:
        actions.do_set_policy(
            current_user(request),
            org,
            method=data["method"],
            red=data["red"],
            orange=data["orange"],
            yellow=data["yellow"],
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return render(request, "risks/policy.html", context, status=422)
    messages.success(request, _("The grading rules were saved."))
    return redirect(f"{request.path}?org={org.pk}")


# --- library ---------------------------------------------------------------------------------


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    org = _org(request)
    filterset = LibraryFilter(request.GET or None, queryset=library_for(org))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "risks/library.html",
        {
            "org": org,
            "filter": filterset,
            "page": page,
            "query": params.urlencode(),
            "can_add": not org.is_school and scope_for(request.user).can(Cap.RISK_LIBRARY, org),
        },
    )


@login_required
@require_GET
def library_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_library_item_for_user(request.user, pk)
    can_edit = (
        item.owner is not None
        and item.is_current
        and scope_for(request.user).can(Cap.RISK_LIBRARY, item.owner)
    )
    return render(
        request,
        "risks/library_item.html",
        {"item": item, "versions": versions_of(item), "can_edit": can_edit},
    )


def _library_form_page(
    request: HttpRequest, bureau: Organization, form: LibraryItemForm, item: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "risks/library_form.html",
        {"bureau": bureau, "form": form, "item": item},
        status=status,
    )


@login_required
def library_new(request: HttpRequest) -> HttpResponse:
    bureau = _org(request)
    require(request.user, Cap.RISK_LIBRARY, bureau)
    if bureau.is_school:
        raise PermissionDenied(Cap.RISK_LIBRARY)
    form = LibraryItemForm(request.POST or None)
    if request.method != "POST":
        return _library_form_page(request, bureau, form, None)
    if not form.is_valid():
        return _library_form_page(request, bureau, form, None, 400)
    try:
        item = actions.do_save_library_item(current_user(request), bureau, **form.values())
    except ActionError as exc:
        apply_action_error(form, exc)
        return _library_form_page(request, bureau, form, None, 422)
    messages.success(request, _("The library entry %(code)s was added.") % {"code": item.code})
    return redirect("risks:library_item", pk=item.pk)


@login_required
def library_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_library_item_for_user(request.user, pk)
    if item.owner is None:
        # The standard library changes only with a release (library.json).
        raise PermissionDenied(Cap.RISK_LIBRARY)
    bureau = item.owner
    require(request.user, Cap.RISK_LIBRARY, bureau)
    initial = {name: getattr(item, name) for name in LibraryItemForm.FIELDS}
    form = LibraryItemForm(request.POST or None, initial=initial)
    if request.method != "POST":
        return _library_form_page(request, bureau, form, item)
    if not form.is_valid():
        return _library_form_page(request, bureau, form, item, 400)
    try:
        new = actions.do_save_library_item(
            current_user(request), bureau, item=item, **form.values()
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return _library_form_page(request, bureau, form, item, 422)
    messages.success(
        request,
        _("Saved as version %(version)s; registers built from older versions keep their text.")
        % {"version": new.version},
    )
    return redirect("risks:library_item", pk=new.pk)

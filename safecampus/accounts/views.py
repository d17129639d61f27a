"""Login, logout, passwords, own account and tokens, and user management pages."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.accounts import actions
from safecampus.accounts.filters import UserFilter
from safecampus.accounts.forms import EditUserForm, GrantForm, LoginForm, NewUserForm, TokenForm
from safecampus.accounts.middleware import LOGIN_AT, SEEN_AT
from safecampus.accounts.queries import (
    can_manage_user,
    get_token_for_user,
    get_user_for_user,
    grantable_roles,
    tokens_of,
    visible_memberships,
    visible_users,
)
from safecampus.lib.errors import ActionError
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user, require_anywhere
from safecampus.lib.scoping import scope_for
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Cap


class SafeCampusLoginView(LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # logs in and rotates the session key
        now = int(time.time())
        self.request.session[LOGIN_AT] = now
        self.request.session[SEEN_AT] = now
        return response


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What django-axes shows when a username+IP is locked out (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = LoginForm(request)
    message = _(
        "Too many failed logins. This account is locked on this computer for %(minutes)s "
        "minutes. Ask your administrator if you need access sooner."
    ) % {"minutes": minutes}
    return render(request, "accounts/login.html", {"form": form, "lockout": message}, status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Logging out ends every session of this user, on every device."""
    if request.user.is_authenticated:
        actions.do_logout_everywhere(request.user, request=request)
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_own_password(
                user, form.cleaned_data["new_password1"], request=request
            )
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("web:home")
    forced = getattr(user, "must_change_password", False)
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = actions.do_issue_token(
            user, form.cleaned_data["name"], request=request
        )
        form = TokenForm()
    memberships = Membership.objects.filter(user=user).select_related("org").order_by("org__path")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "new_secret": new_secret,
            "tokens": tokens_of(user),
            "memberships": memberships,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_token_for_user(request.user, pk)
    actions.do_revoke_token(request.user, token, request=request)  # type: ignore[arg-type]
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:profile")


def _manageable_orgs(user: Any) -> Any:
    return Organization.objects.filter(scope_for(user).q_with(Cap.USER_MANAGE)).order_by("path")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_anywhere(request, Cap.USER_VIEW)
    filterset = UserFilter(request.GET or None, queryset=visible_users(request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_create": scope_for(request.user).can_anywhere(Cap.USER_MANAGE),
        },
    )


@login_required
def user_new(request: HttpRequest) -> HttpResponse:
    require_anywhere(request, Cap.USER_MANAGE)
    form = NewUserForm(
        request.POST or None,
        orgs=_manageable_orgs(request.user),
        roles=grantable_roles(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = actions.do_create_user(
                request.user,
                username=data["username"],
                org=data["org"],
                role=data["role"],
                display_name=data["display_name"],
                phone=data["phone"],
                email=data["email"],
                request=request,
            )
        except ActionError as exc:
            apply_action_error(form, exc)
        else:
            return render(
                request, "accounts/password_issued.html", {"target": user, "password": password}
            )
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_user_for_user(request.user, pk)
    can_manage = can_manage_user(request.user, target)
    edit_form = EditUserForm(
        initial={
            "display_name": target.display_name,
            "phone": target.phone,
            "email": target.email,
        }
    )
    grant_form = GrantForm(orgs=_manageable_orgs(request.user), roles=grantable_roles(request.user))
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "can_manage": can_manage,
            "edit_form": edit_form,
            "grant_form": grant_form,
            "memberships": visible_memberships(request.user, target),
        },
    )


def _managed_target(request: HttpRequest, pk: int) -> Any:
    target = get_user_for_user(request.user, pk)
    if not can_manage_user(request.user, target):
        raise PermissionDenied(Cap.USER_MANAGE)
    return target


@login_required
@require_POST
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    form = EditUserForm(request.POST)
    if form.is_valid():
        actions.do_update_user(request.user, target, request=request, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("accounts:user_detail", pk=target.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "can_manage": True,
            "edit_form": form,
            "grant_form": GrantForm(
                orgs=_manageable_orgs(request.user), roles=grantable_roles(request.user)
            ),
            "memberships": visible_memberships(request.user, target),
        },
        status=400,
    )


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    active = request.POST.get("active") == "true"
    actions.do_set_active(request.user, target, active, request=request)
    messages.success(
        request,
        _("The account has been activated.")
        if active
        else _("The account has been deactivated and all its sessions ended."),
    )
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    password = actions.do_reset_password(request.user, target, request=request)
    return render(
        request, "accounts/password_issued.html", {"target": target, "password": password}
    )


@login_required
@require_POST
def user_grant(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_user_for_user(request.user, pk)
    form = GrantForm(request.POST, orgs=_manageable_orgs(request.user))
    if form.is_valid():
        try:
            actions.do_grant_membership(
                request.user,
                target,
                form.cleaned_data["org"],
                form.cleaned_data["role"],
                request=request,
            )
        except ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The role has been granted."))
    else:
        messages.error(request, _("Choose an organisation and a role."))
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def membership_revoke(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    target = get_user_for_user(request.user, pk)
    membership = target.memberships.select_related("org").filter(pk=membership_pk).first()
    if membership is None:
        from django.http import Http404

        raise Http404("membership")
    try:
        actions.do_revoke_membership(request.user, membership, request=request)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The role has been removed."))
    return redirect("accounts:user_detail", pk=target.pk)

"""/api/v1/me, /users and /tokens: people, their roles and personal access tokens."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from safecampus.accounts import actions
from safecampus.accounts.filters import UserFilter
from safecampus.accounts.forms import EditUserForm, GrantForm, NewUserForm, TokenForm
from safecampus.accounts.models import User
from safecampus.accounts.queries import (
    can_manage_user,
    get_token_for_user,
    get_user_for_user,
    tokens_of,
    visible_users,
)
from safecampus.accounts.schemas import (
    MembershipIn,
    MembershipOut,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenPage,
    UserCreatedOut,
    UserCreateIn,
    UserDetailOut,
    UserListQuery,
    UserPage,
    UserPatchIn,
)
from safecampus.lib.api import error_responses, raise_for_filter, raise_for_form, token_of
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user
from safecampus.lib.pagination import PageParams, paginate
from safecampus.lib.scoping import Scope, require, scope_for
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.queries import get_org_for_user, visible_orgs
from safecampus.orgs.roles import Cap

router = Router()


def _org_ref(org: Organization) -> dict[str, Any]:
    return {"id": org.pk, "code": org.code, "name": org.name, "level": org.level}


def _membership_out(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.pk,
        "role": membership.role,
        "role_label": membership.get_role_display(),
        "org": _org_ref(membership.org),
        "created_at": membership.created_at,
    }


def _user_out(scope: Scope, user: User) -> dict[str, Any]:
    # Only roles at organisations the caller may see: a role elsewhere is not their business.
    memberships = [m for m in user.memberships.all() if scope.covers(m.org)]
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "is_active": user.is_active,
        "must_change_password": user.must_change_password,
        "last_login": user.last_login,
        "date_joined": user.date_joined,
        "memberships": [_membership_out(m) for m in memberships],
    }


def _user_detail(viewer: User, user_id: int) -> dict[str, Any]:
    target = get_user_for_user(viewer, user_id)
    return {
        **_user_out(scope_for(viewer), target),
        "can_manage": can_manage_user(viewer, target),
    }


# --- the caller ----------------------------------------------------------------------------


@router.get(
    "/me",
    response={200: MeOut, **error_responses()},
    tags=["me"],
    summary="Who am I",
    description="The caller, their roles, and what they may do at each organisation.",
)
def me(request: HttpRequest) -> dict[str, Any]:
    user = current_user(request)
    scope = scope_for(user)
    memberships = list(user.memberships.select_related("org").order_by("org__path", "role"))
    orgs = {m.org_id: m.org for m in memberships}
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "must_change_password": user.must_change_password,
        "roles": [_membership_out(m) for m in memberships],
        "capabilities": [
            {"org": _org_ref(org), "capabilities": sorted(scope.caps_at(org))}
            for org in orgs.values()
        ],
    }


# --- users ---------------------------------------------------------------------------------


@router.get(
    "/users",
    response={200: UserPage, **error_responses(403, 422)},
    tags=["users"],
    summary="List users",
    description="People holding a role where you may view users, filtered like the user list.",
)
def list_users(
    request: HttpRequest, filters: Query[UserListQuery], paging: Query[PageParams]
) -> dict[str, Any]:
    user = current_user(request)
    scope = scope_for(user)
    if not scope.can_anywhere(Cap.USER_VIEW):
        raise PermissionDenied(Cap.USER_VIEW)
    filterset = UserFilter(filters.model_dump(exclude_none=True), queryset=visible_users(user))
    raise_for_filter(filterset)
    queryset = filterset.qs
    org_id = filterset.form.cleaned_data.get("org")
    if org_id is not None and not visible_orgs(user).filter(pk=org_id).exists():
        # Filtering by an organisation you cannot see would tell whether people hold roles
        # there; it matches nobody instead.
        queryset = queryset.none()
    page = paginate(queryset, paging)
    return page.as_dict([_user_out(scope, u) for u in page.items])


@router.post(
    "/users",
    response={201: UserCreatedOut, **error_responses(403, 404, 422)},
    tags=["users"],
    summary="Create a user with a first role",
    description=(
        "Validated like the page's form. The response carries the one-time password; the "
        "person must change it at first login."
    ),
)
def create_user(request: HttpRequest, payload: UserCreateIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    org = get_org_for_user(user, payload.org)
    require(user, Cap.USER_MANAGE, org)
    form = NewUserForm(payload.model_dump(), orgs=visible_orgs(user))
    raise_for_form(form)
    data = form.cleaned_data
    created, password = actions.do_create_user(
        user,
        username=data["username"],
        org=org,
        role=data["role"],
        display_name=data["display_name"],
        phone=data["phone"],
        email=data["email"],
        request=request,
    )
    return Status(201, {"user": _user_detail(user, created.pk), "password": password})


@router.get(
    "/users/{int:user_id}",
    response={200: UserDetailOut, **error_responses(404)},
    tags=["users"],
    summary="One user",
)
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    return _user_detail(current_user(request), user_id)


@router.patch(
    "/users/{int:user_id}",
    response={200: UserDetailOut, **error_responses(403, 404, 422)},
    tags=["users"],
    summary="Change a user's details or (de)activate them",
    description="Only the fields sent are changed. You cannot change your own account here.",
)
def update_user(request: HttpRequest, user_id: int, payload: UserPatchIn) -> dict[str, Any]:
    user = current_user(request)
    target = get_user_for_user(user, user_id)
    if not can_manage_user(user, target):
        raise PermissionDenied(Cap.USER_MANAGE)
    sent = payload.model_dump(exclude_unset=True)
    active = sent.pop("is_active", None)
    if "is_active" in payload.model_fields_set and active is None:
        raise ActionError(_("Enter true or false."), "is_active")
    data = {"display_name": target.display_name, "phone": target.phone, "email": target.email}
    data.update(sent)
    form = EditUserForm(data)
    raise_for_form(form)
    with transaction.atomic():
        if sent:
            fields = {name: form.cleaned_data[name] for name in sent}
            actions.do_update_user(user, target, request=request, **fields)
        if active is not None:
            actions.do_set_active(user, target, active, request=request)
    return _user_detail(user, target.pk)


@router.post(
    "/users/{int:user_id}/memberships",
    response={201: MembershipOut, **error_responses(403, 404, 422)},
    tags=["users"],
    summary="Grant a role",
    description=(
        "You may grant a role only where you manage users, and only one whose capabilities you "
        "hold there yourself. Granting a role the person already has returns it."
    ),
)
def grant_membership(
    request: HttpRequest, user_id: int, payload: MembershipIn
) -> Status[dict[str, Any]]:
    user = current_user(request)
    target = get_user_for_user(user, user_id)
    org = get_org_for_user(user, payload.org)
    require(user, Cap.USER_MANAGE, org)
    form = GrantForm(payload.model_dump(), orgs=visible_orgs(user))
    raise_for_form(form)
    membership = actions.do_grant_membership(
        user, target, org, form.cleaned_data["role"], request=request
    )
    return Status(201, _membership_out(membership))


@router.delete(
    "/users/{int:user_id}/memberships/{int:membership_id}",
    response={204: None, **error_responses(403, 404, 422)},
    tags=["users"],
    summary="Remove a role",
)
def revoke_membership(request: HttpRequest, user_id: int, membership_id: int) -> Status[None]:
    user = current_user(request)
    target = get_user_for_user(user, user_id)
    membership = target.memberships.select_related("org").filter(pk=membership_id).first()
    if membership is None or not scope_for(user).covers(membership.org):
        raise Http404("membership")
    actions.do_revoke_membership(user, membership, request=request)
    return Status(204, None)


# --- personal access tokens ----------------------------------------------------------------


@router.get(
    "/tokens",
    response={200: TokenPage, **error_responses(422)},
    tags=["tokens"],
    summary="Your API tokens",
)
def list_tokens(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    tokens = tokens_of(current_user(request)).order_by("-created_at", "-pk")
    return paginate(tokens, paging).as_dict()


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **error_responses(403, 422)},
    tags=["tokens"],
    summary="Issue an API token",
    description=(
        "Only from a signed-in browser session (or `manage.py issue_token`): a token cannot "
        "mint more tokens. The secret is in this response only; SafeCampus keeps its hash."
    ),
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    if token_of(request) is not None:
        raise HttpError(403, _("API tokens can only be issued from a signed-in session."))
    form = TokenForm(payload.model_dump())
    raise_for_form(form)
    token, secret = actions.do_issue_token(user, form.cleaned_data["name"], request=request)
    return Status(201, {"token": token, "secret": secret})


@router.delete(
    "/tokens/{int:token_id}",
    response={204: None, **error_responses(404)},
    tags=["tokens"],
    summary="Revoke an API token",
    description="Takes effect at once. Revoking a revoked token does nothing.",
)
def revoke_token(request: HttpRequest, token_id: int) -> Status[None]:
    user = current_user(request)
    token = get_token_for_user(user, token_id)
    actions.do_revoke_token(user, token, request=request)
    return Status(204, None)

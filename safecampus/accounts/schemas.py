"""API shapes for the caller, users, roles and tokens. Every field is listed (no mass
assignment): ``username``, ``is_superuser``, ``password`` and the like cannot be sent."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from safecampus.lib.api import InputSchema
from safecampus.lib.pagination import PageOut
from safecampus.orgs.roles import Cap, Role
from safecampus.orgs.schemas import OrgRef


def _one_of(values: list[str]) -> str:
    return "One of: " + ", ".join(values) + "."


class MembershipOut(Schema):
    """A role held at an organisation; it applies to the whole subtree."""

    id: int = Field(examples=[7])
    role: str = Field(examples=["principal"], description=_one_of(Role.values))
    role_label: str = Field(examples=["School principal"])
    org: OrgRef
    created_at: datetime


class UserOut(Schema):
    id: int = Field(examples=[42])
    username: str = Field(examples=["wang.fang"])
    display_name: str = Field(examples=["王芳"])
    email: str = Field(examples=["wang.fang@example.cn"])
    phone: str = Field(examples=["138 0000 0000"])
    is_active: bool = Field(examples=[True])
    must_change_password: bool = Field(examples=[False])
    last_login: datetime | None
    date_joined: datetime
    memberships: list[MembershipOut] = Field(
        description="Roles at organisations you may see (others are left out)."
    )


class UserPage(PageOut):
    items: list[UserOut]


class UserDetailOut(UserOut):
    can_manage: bool = Field(
        examples=[True], description="Whether you may edit this person and their roles."
    )


class UserListQuery(Schema):
    """The user list's filters: the same FilterSet as the user list page."""

    q: str | None = Field(None, description="Text in the username, name or phone.")
    org: str | None = Field(None, description="Only people with a role in this org's subtree.")
    role: str | None = Field(None, description=_one_of(Role.values))
    is_active: str | None = Field(None, description=_one_of(["true", "false"]))


class UserCreateIn(InputSchema):
    username: str = Field(examples=["wang.fang"], description="Letters, digits and @ . + - _.")
    display_name: str = Field(examples=["王芳"])
    phone: str = ""
    email: str = ""
    org: int = Field(examples=[12], description="Organisation id where the first role is held.")
    role: str = Field(examples=["teacher"], description=_one_of(Role.values))


class UserCreatedOut(Schema):
    user: UserDetailOut
    password: str = Field(
        examples=["k7-Qm2@xP9rTz4"],
        description="Shown only in this response; the person must change it at first login.",
    )


class UserPatchIn(InputSchema):
    """Only the fields sent are changed. Deactivating ends every session and stops tokens."""

    display_name: str | None = Field(None, examples=["王芳"])
    phone: str | None = None
    email: str | None = None
    is_active: bool | None = Field(None, examples=[False])


class MembershipIn(InputSchema):
    org: int = Field(examples=[12])
    role: str = Field(examples=["safety_officer"], description=_one_of(Role.values))


class OrgCapabilities(Schema):
    org: OrgRef
    capabilities: list[str] = Field(
        examples=[["org.manage", "org.view", "user.manage", "user.view"]],
        description=_one_of(Cap.values),
    )


class MeOut(Schema):
    id: int = Field(examples=[42])
    username: str = Field(examples=["wang.fang"])
    display_name: str = Field(examples=["王芳"])
    email: str
    phone: str
    must_change_password: bool
    roles: list[MembershipOut]
    capabilities: list[OrgCapabilities] = Field(
        description="Per organisation you hold a role at: what you may do there and below."
    )


class TokenOut(Schema):
    id: int = Field(examples=[5])
    name: str = Field(examples=["BI dashboard"])
    prefix: str = Field(examples=["sc_Xq3vP0a"], description="The secret's first characters.")
    created_at: datetime
    last_used_at: datetime | None = Field(description="Updated at most every five minutes.")
    revoked_at: datetime | None
    is_active: bool = Field(examples=[True])


class TokenPage(PageOut):
    items: list[TokenOut]


class TokenIn(InputSchema):
    name: str = Field(examples=["BI dashboard"], description="What the token is for.")


class TokenCreatedOut(Schema):
    token: TokenOut
    secret: str = Field(
        examples=["sc_Xq3vP0a9mT2..."],
        description="Send as `Authorization: Bearer <secret>`. Shown only in this response.",
    )

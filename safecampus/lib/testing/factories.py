"""Readable test data: an org tree and users with roles (factory-boy)."""

from __future__ import annotations

from typing import Any, cast

import factory

from safecampus.accounts.models import User
from safecampus.orgs.choices import Level, Ownership, SchoolKind
from safecampus.orgs.models import Campus, Membership, Organization
from safecampus.orgs.tree import add_child, add_root

PASSWORD = "Test-pass-2026"  # noqa: S105 (test data)
_counter = iter(range(1, 10**9))


def _code(prefix: str) -> str:
    return f"{prefix}{next(_counter):05d}"


def make_city(name: str = "江城市", code: str | None = None) -> Organization:
    return add_root(level=Level.CITY, name=name, code=code or _code("C"))


def make_county(
    parent: Organization, name: str = "东湖区", code: str | None = None
) -> Organization:
    return add_child(parent, level=Level.COUNTY, name=name, code=code or _code("X"))


def make_school(
    parent: Organization, name: str = "东湖第一小学", code: str | None = None, **fields: Any
) -> Organization:
    values: dict[str, Any] = {
        "school_kind": SchoolKind.PRIMARY,
        "ownership": Ownership.PUBLIC,
        "students": 800,
        "staff": 60,
        "principal_name": "王校长",
        "safety_officer_name": "李主任",
    }
    values.update(fields)
    school = add_child(parent, level=Level.SCHOOL, name=name, code=code or _code("S"), **values)
    Campus.objects.create(school=school, name=name, is_main=True)
    return school


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


def make_user(
    username: str, org: Organization | None = None, role: str | None = None, **fields: Any
) -> User:
    user = cast(User, UserFactory(username=username, **fields))
    if org is not None and role is not None:
        Membership.objects.create(user=user, org=org, role=role)
    return user

"""Personas shared by every app's tests (STYLE.md "Tests").

The tree: 江城市 (city) → 东湖区 (county A: schools A1, A2) and 西山县 (county B: school B1),
plus a city-direct school (市直学校). Each persona holds one role somewhere in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

# Browser fixtures (browser, page, phone_page) for the Playwright tests.
from safecampus.lib.testing.browser import browser, page, phone_page  # noqa: F401
from safecampus.lib.testing.factories import (
    PASSWORD,
    make_city,
    make_county,
    make_school,
    make_user,
)
from safecampus.orgs.choices import SchoolKind
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Role


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # argon2 is the production hasher (asserted in accounts tests); MD5 keeps the suite fast.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: Any) -> None:
    # Uploaded photos and import files go to a scratch folder, never to var/media.
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")


@dataclass
class World:
    city: Organization
    county_a: Organization
    county_b: Organization
    school_a1: Organization
    school_a2: Organization
    school_b1: Organization
    direct_school: Organization


@pytest.fixture
def world(db: Any) -> World:
    city = make_city("江城市", code="CITY")
    county_a = make_county(city, "东湖区", code="CA")
    county_b = make_county(city, "西山县", code="CB")
    return World(
        city=city,
        county_a=county_a,
        county_b=county_b,
        school_a1=make_school(county_a, "东湖第一小学", code="SA1"),
        school_a2=make_school(
            county_a,
            "东湖阳光幼儿园",
            code="SA2",
            school_kind=SchoolKind.KINDERGARTEN,
            licensed=False,
            students=120,
        ),
        school_b1=make_school(county_b, "西山中学", code="SB1", school_kind=SchoolKind.JUNIOR),
        direct_school=make_school(
            city, "江城市实验中学", code="SD1", school_kind=SchoolKind.SENIOR
        ),
    )


def _persona(username: str, org_attr: str, role: str):
    @pytest.fixture
    def fixture(world: World) -> Any:
        return make_user(username, getattr(world, org_attr), role)

    return fixture


city_admin = _persona("city_admin", "city", Role.CITY_ADMIN)
city_staff = _persona("city_staff", "city", Role.CITY_STAFF)
county_officer = _persona("county_officer", "county_a", Role.COUNTY_ADMIN)
county_staff = _persona("county_staff", "county_a", Role.COUNTY_STAFF)
county_inspector = _persona("county_inspector", "county_a", Role.INSPECTOR)
county_viewer = _persona("county_viewer", "county_a", Role.VIEWER)
school_principal = _persona("school_principal", "school_a1", Role.PRINCIPAL)
safety_officer = _persona("safety_officer", "school_a1", Role.SAFETY_OFFICER)
teacher = _persona("teacher", "school_a1", Role.TEACHER)
guard = _persona("guard", "school_a1", Role.GUARD)
other_county_officer = _persona("other_county_officer", "county_b", Role.COUNTY_ADMIN)


def login(client: Client, user: Any) -> Client:
    """A client logged in as ``user`` (through the real login so signals and axes run)."""
    client.force_login(user)
    return client


@pytest.fixture
def as_user(client: Client):
    def _as(user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _as


__all__ = ["PASSWORD", "World", "login"]


@pytest.fixture
def categories(db: Any) -> dict[str, Any]:
    """The default hazard categories by code (a flushed transactional test loses them)."""
    from safecampus.hazards.defaults import ensure_default_categories
    from safecampus.hazards.models import HazardCategory

    ensure_default_categories()
    return {c.code: c for c in HazardCategory.objects.all()}

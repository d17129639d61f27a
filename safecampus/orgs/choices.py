"""Choices for the organisation tree (DOMAIN.md §2.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    CITY = "city", _("City bureau")
    COUNTY = "county", _("County/district bureau")
    TOWN = "town", _("Town/subdistrict")
    SCHOOL = "school", _("School")


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary school")
    SENIOR = "senior", _("Senior secondary school")
    NINE_YEAR = "nine_year", _("Nine-year school")
    TWELVE_YEAR = "twelve_year", _("Twelve-year school")
    VOCATIONAL = "vocational", _("Vocational school")
    SPECIAL = "special", _("Special education school")
    TRAINING = "training", _("Off-campus training institution")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


# Which levels may sit under which (a school sits under a city directly as 市直学校, §2.1).
ALLOWED_CHILDREN: dict[str, set[str]] = {
    Level.CITY: {Level.COUNTY, Level.SCHOOL},
    Level.COUNTY: {Level.TOWN, Level.SCHOOL},
    Level.TOWN: {Level.SCHOOL},
    Level.SCHOOL: set(),
}


def levels_within(level: str) -> set[str]:
    """The levels found in the subtree of an organisation of ``level`` (itself included)."""
    found = {level}
    for child in ALLOWED_CHILDREN[level]:
        found |= levels_within(child)
    return found

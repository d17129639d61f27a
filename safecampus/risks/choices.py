"""Risk levels, grading methods and their tables (风险分级, DOMAIN.md §3.3)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The four colours, most serious first."""

    RED = "red", _("Major risk (red)")
    ORANGE = "orange", _("High risk (orange)")
    YELLOW = "yellow", _("General risk (yellow)")
    BLUE = "blue", _("Low risk (blue)")


# Higher is more serious: for "the highest level of an area" and "the grade rose".
RANK: dict[str, int] = {Level.BLUE: 1, Level.YELLOW: 2, Level.ORANGE: 3, Level.RED: 4}
COLOURS = {
    Level.RED: "#d7191c",
    Level.ORANGE: "#f28e2b",
    Level.YELLOW: "#f2d43d",
    Level.BLUE: "#3b7dd8",
}


def highest(levels: list[str]) -> str | None:
    graded = [level for level in levels if level in RANK]
    return max(graded, key=lambda level: RANK[level]) if graded else None


class Method(models.TextChoices):
    LEC = "lec", _("LEC: likelihood × exposure × consequence (D = L×E×C)")
    LS = "ls", _("Risk matrix: likelihood × severity (R = L×S)")


# The values each factor may take (DOMAIN.md §3.3).
LEC_L = tuple(Decimal(v) for v in ("0.1", "0.2", "0.5", "1", "3", "6", "10"))
LEC_E = tuple(Decimal(v) for v in ("0.5", "1", "2", "3", "6", "10"))
LEC_C = tuple(Decimal(v) for v in ("1", "3", "7", "15", "40", "100"))
LS_VALUES = tuple(Decimal(v) for v in range(1, 6))
# Highest possible score: thresholds above it would make a level unreachable.
MAX_SCORE = {Method.LEC: Decimal(10 * 10 * 100), Method.LS: Decimal(25)}
# Default thresholds: a score ABOVE the value gets the level (DOMAIN.md §3.3 bands).
DEFAULT_THRESHOLDS = {
    Method.LEC: {Level.RED: Decimal(320), Level.ORANGE: Decimal(160), Level.YELLOW: Decimal(70)},
    # L×S gives whole numbers: above 19 is 20–25, above 14 is 15–16, above 8 is 9–12.
    Method.LS: {Level.RED: Decimal(19), Level.ORANGE: Decimal(14), Level.YELLOW: Decimal(8)},
}


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    TERMLY = "termly", _("Every term")
    YEARLY = "yearly", _("Yearly")


class Reason(models.TextChoices):
    """Why a point was (re-)assessed: at least yearly, and after any incident or change."""

    INITIAL = "initial", _("First assessment")
    YEARLY = "yearly", _("Yearly review")
    INCIDENT = "incident", _("After an incident")
    CHANGE = "change", _("After a major change (building, term, season)")
    OTHER = "other", _("Other")


# Who controls a risk of each level, and how often it is reviewed (DOMAIN.md §3.3 tiers; the
# review intervals are this product's defaults, documented in docs/risks.md).
CONTROL_TIER = {
    Level.RED: _("Principal; listed by the county, seen by the city"),
    Level.ORANGE: _("Deputy principal in charge and the safety office; seen by the county"),
    Level.YELLOW: _("Department or grade head"),
    Level.BLUE: _("Post holder"),
}
REVIEW_DAYS = {Level.RED: 30, Level.ORANGE: 90, Level.YELLOW: 180, Level.BLUE: 365}
INSPECTION = {
    Level.RED: Frequency.DAILY,
    Level.ORANGE: Frequency.WEEKLY,
    Level.YELLOW: Frequency.MONTHLY,
    Level.BLUE: Frequency.TERMLY,
}

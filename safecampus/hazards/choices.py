"""Hazard states, the transition table, and the fixed choices (DOMAIN.md §4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ASSIGNED = "assigned", _("Assigned")
    RECTIFYING = "rectifying", _("Rectifying")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    CLOSED = "closed", pgettext_lazy("hazard state", "Closed")
    DISMISSED = "dismissed", _("Not a hazard")


OPEN_STATES = (State.REPORTED, State.ASSIGNED, State.RECTIFYING, State.AWAITING_VERIFICATION)
# Overdue (逾期) is derived from the deadline, never a state (§4.1): a hazard whose fix is not
# yet submitted when its deadline has passed. Once it awaits verification the rectifier has
# done their part, so it no longer counts as overdue.
OVERDUE_STATES = (State.REPORTED, State.ASSIGNED, State.RECTIFYING)


class Transition(models.TextChoices):
    """Every way a hazard moves (排查 → 整改 → 验收 → 销号, §4.1), named as the API names them."""

    ASSIGN = "assign", _("Assign")
    START = "start", _("Start rectification")
    SUBMIT = "submit", _("Submit for verification")
    VERIFY = "verify", _("Verify and close")
    REJECT = "reject", _("Reject verification")
    DISMISS = "dismiss", _("Dismiss as not a hazard")
    RESTORE = "restore", _("Restore a dismissed report")
    REOPEN = "reopen", _("Reopen")


# The one transition table: (from state, transition) -> to state.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.REPORTED, Transition.ASSIGN): State.ASSIGNED,
    (State.ASSIGNED, Transition.ASSIGN): State.ASSIGNED,  # re-assign: new person or deadline
    (State.RECTIFYING, Transition.ASSIGN): State.RECTIFYING,
    (State.ASSIGNED, Transition.START): State.RECTIFYING,
    (State.ASSIGNED, Transition.SUBMIT): State.AWAITING_VERIFICATION,
    (State.RECTIFYING, Transition.SUBMIT): State.AWAITING_VERIFICATION,
    (State.AWAITING_VERIFICATION, Transition.VERIFY): State.CLOSED,
    (State.AWAITING_VERIFICATION, Transition.REJECT): State.RECTIFYING,
    (State.REPORTED, Transition.DISMISS): State.DISMISSED,
    (State.DISMISSED, Transition.RESTORE): State.REPORTED,
    (State.CLOSED, Transition.REOPEN): State.RECTIFYING,
}


def target_state(state: str, transition: str) -> str | None:
    return TRANSITIONS.get((state, transition))


class Source(models.TextChoices):
    SELF_CHECK = "self_check", _("School self-check")
    COUNTY_INSPECTION = "county_inspection", _("County inspection")
    CITY_INSPECTION = "city_inspection", _("City inspection")
    UNANNOUNCED = "unannounced", _("Unannounced inspection (四不两直)")
    PUBLIC = "public", _("Public or parent report")
    POLICE = "police", _("Police or other department")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    GENERAL = "general", _("General (一般)")
    MAJOR = "major", _("Major (重大)")


class RectificationType(models.TextChoices):
    IMMEDIATE = "immediate", _("Fixed on the spot (立查立改)")
    DEADLINE = "deadline", _("Rectify by a deadline (限期整改)")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class RevisitResult(models.TextChoices):
    HOLDS = "holds", _("Still fixed")
    RECURRED = "recurred", _("Recurred")

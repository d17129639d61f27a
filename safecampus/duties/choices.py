"""Fixed choices of the responsibility system (DOMAIN.md §2.3–2.4)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CellKind(models.TextChoices):
    """What a grid cell (网格) covers: DOMAIN.md §2.3 names area, building, floor, sector."""

    AREA = "area", _("Campus area")
    BUILDING = "building", _("Building")
    FLOOR = "floor", _("Floor")
    SURROUNDINGS = "surroundings", _("Surrounding sector")


class LetterState(models.TextChoices):
    ISSUED = "issued", _("Issued, awaiting signature")
    SIGNED = "signed", _("Signed")


# The one transition table of a letter copy: issued → signed; a signed letter stays signed.
LETTER_TRANSITIONS: dict[tuple[str, str], str] = {
    (LetterState.ISSUED, "sign"): LetterState.SIGNED,
}

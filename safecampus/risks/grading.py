"""Scores and levels (DOMAIN.md §3.3): LEC by default, L×S where a bureau chooses it; the
thresholds of the nearest bureau that set its own, else the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from safecampus.lib.errors import ActionError
from safecampus.risks.choices import (
    DEFAULT_THRESHOLDS,
    LEC_C,
    LEC_E,
    LEC_L,
    LS_VALUES,
    MAX_SCORE,
    Level,
    Method,
)


@dataclass(frozen=True)
class Policy:
    """A bureau's grading rules: the method and the score above which each level begins."""

    method: str
    red: Decimal
    orange: Decimal
    yellow: Decimal

    def level(self, score: Decimal) -> str:
        if score > self.red:
            return Level.RED
        if score > self.orange:
            return Level.ORANGE
        if score > self.yellow:
            return Level.YELLOW
        return Level.BLUE


def default_policy(method: str = Method.LEC) -> Policy:
    bands = DEFAULT_THRESHOLDS[Method(method)]
    return Policy(method, bands[Level.RED], bands[Level.ORANGE], bands[Level.YELLOW])


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ActionError(_("Enter a number."), field) from None
    if not number.is_finite():
        raise ActionError(_("Enter a number."), field)
    return number


def check_thresholds(method: str, red: Any, orange: Any, yellow: Any) -> Policy:
    """A threshold table must rise from yellow to red and leave every level reachable."""
    if method not in Method.values:
        raise ActionError(_("Choose LEC or the L×S matrix."), "method")
    values = {
        "yellow": _decimal(yellow, "yellow"),
        "orange": _decimal(orange, "orange"),
        "red": _decimal(red, "red"),
    }
    errors: dict[str, list[str]] = {}
    top = MAX_SCORE[Method(method)]
    for name, value in values.items():
        if value <= 0 or value >= top:
            errors.setdefault(name, []).append(
                _("Must be above 0 and below the highest possible score, %(top)s.")
                % {"top": f"{top.normalize():f}"}
            )
    if not errors and not values["yellow"] < values["orange"] < values["red"]:
        errors["orange"] = [_("Thresholds must increase: yellow below orange, orange below red.")]
    if errors:
        raise ActionError(errors)
    return Policy(method, values["red"], values["orange"], values["yellow"])


def _factor(value: Any, allowed: tuple[Decimal, ...], field: str) -> Decimal:
    if value is None or value == "":
        raise ActionError(_("This factor is required for the chosen method."), field)
    number = _decimal(value, field)
    if number not in allowed:
        raise ActionError(
            _("Choose one of %(values)s.") % {"values": ", ".join(f"{v:f}" for v in allowed)},
            field,
        )
    return number


@dataclass(frozen=True)
class Factors:
    l: Decimal
    e: Decimal | None
    c: Decimal | None
    s: Decimal | None
    score: Decimal


def score(method: str, *, l: Any, e: Any = None, c: Any = None, s: Any = None) -> Factors:
    """The factors checked against the method's scale, and their product."""
    if method == Method.LEC:
        fl, fe, fc = _factor(l, LEC_L, "l"), _factor(e, LEC_E, "e"), _factor(c, LEC_C, "c")
        return Factors(fl, fe, fc, None, fl * fe * fc)
    if method == Method.LS:
        fl, fs = _factor(l, LS_VALUES, "l"), _factor(s, LS_VALUES, "s")
        return Factors(fl, None, None, fs, fl * fs)
    raise ActionError(_("Choose LEC or the L×S matrix."), "method")

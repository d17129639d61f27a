"""Fixtures of the risk register tests (helpers.py builds the data)."""

from safecampus.risks.tests.helpers import lib

__all__ = ["lib"]

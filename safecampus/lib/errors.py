"""Errors raised by actions, turned into 409/400 by the API and into form errors by views."""

from __future__ import annotations


class Conflict(Exception):
    """The object changed under the caller (stale transition, duplicate): HTTP 409."""


class ActionError(Exception):
    """Bad input found by an action: ``errors`` is {field: [message, ...]} (HTTP 422)."""

    def __init__(self, errors: dict[str, list[str]] | str, field: str = "__all__"):
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))

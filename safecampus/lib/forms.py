"""Small helpers for forms."""

from __future__ import annotations

from typing import Any

from django import forms

from safecampus.lib.errors import ActionError


def apply_action_error(form: forms.BaseForm, exc: ActionError) -> None:
    """Show an action's field errors on the form that collected the input."""
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def set_queryset(form: forms.BaseForm, field: str, queryset: Any) -> None:
    """Narrow a ModelChoiceField's choices to what the user may pick."""
    target = form.fields[field]
    assert isinstance(target, forms.ModelChoiceField)
    target.queryset = queryset


def bureau_select(user: Any) -> forms.Select:
    """A picker of the bureaus (and towns) in the user's scope, for "within" filters."""
    from safecampus.orgs.queries import switchable_choices

    choices = [("", "---------")] + [(str(o["pk"]), o["label"]) for o in switchable_choices(user)]
    return forms.Select(choices=choices)

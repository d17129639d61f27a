"""What the responsibility API modules share."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from safecampus.lib.errors import ActionError
from safecampus.orgs.models import Organization


def person_for(pk: int, org: Organization, field: str) -> Any:
    """A person named by id; an unknown id gets the same answer as a person elsewhere, so ids
    of other counties' people reveal nothing. Whether they may take the job is the action's."""
    found = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(_("The person must hold a role at %(org)s.") % {"org": org.name}, field)
    return found

"""A hazard reported by a parent or any member of the public (群众/家长举报), without login.

The hazard is built as ``actions.do_report_hazard`` builds one, but nobody's capability is
checked (there is no account): the school must simply be an open school, the reporter can set
only a few fields, and gets a tracking code to follow the state (§4.1 sources).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.hazards import notifications
from safecampus.hazards.actions import add_event, store_photos
from safecampus.hazards.choices import PhotoKind, RectificationType, Severity, Source
from safecampus.hazards.models import Hazard, HazardCategory
from safecampus.lib.errors import ActionError
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Organization

# What a member of the public may set; everything else is decided by the school.
PUBLIC_FIELDS = ("category", "title", "description", "location")
PUBLIC_ACTOR = "public"
MAX_PHOTOS = 3


def new_tracking_code() -> str:
    """Ten characters from 0-9 and A-F (40 random bits), unique among hazards."""
    while True:
        code = secrets.token_hex(5).upper()
        if not Hazard.objects.filter(tracking_code=code).exists():
            return code


@transaction.atomic
def do_public_report(
    school: Organization,
    fields: dict[str, Any],
    photos: Iterable[Any] = (),
    contact: str = "",
    request: HttpRequest | None = None,
) -> Hazard:
    """Record a public report as "reported" (source: public) at an open school; the school's
    safety officers are told. Returns the hazard; its tracking code is shown to the reporter."""
    if school.level != Level.SCHOOL or school.status != OrgStatus.ACTIVE:
        raise ActionError(_("Choose an open school."), "school")
    values = {name: fields[name] for name in PUBLIC_FIELDS if name in fields}
    category = values.get("category")
    if not isinstance(category, HazardCategory) or not category.active:
        raise ActionError(_("Choose a category."), "category")
    if not str(values.get("title", "")).strip():
        raise ActionError(_("Say in a few words what the problem is."), "title")
    uploads = list(photos)
    if len(uploads) > MAX_PHOTOS:
        raise ActionError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS}, "photos_before")
    hazard = Hazard(
        org=school,
        org_path=school.path,
        source=Source.PUBLIC,
        severity=Severity.GENERAL,
        rectification_type=RectificationType.DEADLINE,
        found_on=timezone.localdate(),
        reporter_contact=contact.strip()[:80],
        tracking_code=new_tracking_code(),
        **values,
    )
    hazard.save()
    store_photos(hazard, [(PhotoKind.BEFORE, upload) for upload in uploads], None)
    add_event(hazard, None, "report", "", str(values.get("description", ""))[:200])
    record(
        "hazard.report",
        actor=None,
        actor_label=PUBLIC_ACTOR,
        org=school,
        obj=hazard,
        request=request,
        changes={
            "state": hazard.state,
            "severity": hazard.severity,
            "category": category.code,
            "source": hazard.source,
            "photos": len(uploads),
            "contact_given": bool(hazard.reporter_contact),
        },
    )
    notifications.hazard_reported(hazard)
    return hazard

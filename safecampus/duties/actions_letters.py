"""Responsibility letters (责任书): a bureau issues the year's letter to its subordinate units,
and each unit's head signs its copy (DOMAIN.md §2.3)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.duties.choices import LETTER_TRANSITIONS, LetterState
from safecampus.duties.files import accept_letter_file
from safecampus.duties.models import LetterCopy, ResponsibilityLetter
from safecampus.duties.queries import eligible_recipients
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import CAPABILITIES, Cap

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_letter(year: int, title: str, text: str, upload: Any) -> tuple[str, str]:
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ActionError(
            _("Enter a year between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            "year",
        )
    title = " ".join((title or "").split())
    if not title:
        raise ActionError(_("Give the letter a title."), "title")
    if len(title) > 120:
        raise ActionError(_("The title is at most 120 characters."), "title")
    text = (text or "").strip()
    if not text and upload is None:
        raise ActionError(_("Write the letter's text or attach its file."), "text")
    return title, text


@transaction.atomic
def do_issue_letter(
    actor: Any,
    issuer: Organization,
    *,
    year: int,
    title: str,
    text: str = "",
    upload: Any = None,
    recipients: list[Organization] | None = None,
    request: HttpRequest | None = None,
) -> ResponsibilityLetter:
    """Issue one letter to the chosen units (all subordinate units when none are chosen).
    A unit that already has a letter of this title for the year is left out; if that leaves
    nobody, nothing is written."""
    require(actor, Cap.DUTY_MANAGE, issuer)
    if issuer.level not in (Level.CITY, Level.COUNTY):
        raise ActionError(_("Responsibility letters are issued by a city or county bureau."), "org")
    title, text = _check_letter(year, title, text, upload)
    eligible = {org.pk: org for org in eligible_recipients(issuer)}
    if recipients is None:
        chosen = list(eligible.values())
    else:
        outside = [org.name for org in recipients if org.pk not in eligible]
        if outside:
            raise ActionError(
                _("Not a unit under %(issuer)s: %(units)s.")
                % {"issuer": issuer.name, "units": ", ".join(outside)},
                "recipients",
            )
        chosen = list({org.pk: org for org in recipients}.values())
    already = set(
        LetterCopy.objects.filter(
            letter__issuer=issuer, year=year, letter__title=title
        ).values_list("recipient_id", flat=True)
    )
    chosen = [org for org in chosen if org.pk not in already]
    if not chosen:
        raise ActionError(
            _("Every chosen unit already has a letter of this title for %(year)s.")
            % {"year": year},
            "recipients",
        )
    file_values = accept_letter_file(upload) if upload is not None else {}
    letter = ResponsibilityLetter(
        issuer=issuer,
        year=year,
        title=title,
        text=text,
        issued_by=actor,
        issued_at=timezone.now(),
        **{k: v for k, v in file_values.items() if k != "file"},
    )
    if file_values:
        letter.file.save(file_values["file"].name, file_values["file"], save=False)
    letter.save()
    LetterCopy.objects.bulk_create(
        LetterCopy(letter=letter, recipient=org, recipient_path=org.path, year=year)
        for org in chosen
    )
    record(
        "duty.letter_issue",
        actor=actor,
        org=issuer,
        obj=letter,
        request=request,
        changes={
            "year": year,
            "title": title,
            "recipients": len(chosen),
            "file_sha256": letter.file_sha256,
        },
    )
    return letter


def may_sign_for(actor: Any, org: Organization) -> bool:
    """The recipient unit signs: ``duty.manage`` held at that unit itself (its principal or
    bureau administration), not at the bureau above that issued the letter."""
    return any(
        grant.path == org.path and Cap.DUTY_MANAGE in CAPABILITIES[grant.role]
        for grant in scope_for(actor).grants
    )


@transaction.atomic
def do_sign_letter(
    actor: Any,
    copy: LetterCopy,
    *,
    signed_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> LetterCopy:
    if not may_sign_for(actor, copy.recipient):
        raise PermissionDenied(_("The letter is signed by the unit it is addressed to."))
    locked = LetterCopy.objects.select_for_update().select_related("letter").get(pk=copy.pk)
    after = LETTER_TRANSITIONS.get((locked.state, "sign"))
    if after is None:
        raise Conflict(_("This letter has already been signed."))
    today = timezone.localdate()
    signed_on = signed_on or today
    issued_on = timezone.localtime(locked.letter.issued_at).date()
    if signed_on > today or signed_on < issued_on:
        raise ActionError(
            _("The signing date must be between the issue date and today."), "signed_on"
        )
    locked.state = after
    locked.signed_by, locked.signed_on, locked.signed_at = actor, signed_on, timezone.now()
    locked.save(update_fields=["state", "signed_by", "signed_on", "signed_at"])
    record(
        "duty.letter_sign",
        actor=actor,
        org=copy.recipient,
        obj=locked,
        request=request,
        changes={"state": [LetterState.ISSUED, after], "signed_on": signed_on},
    )
    return locked

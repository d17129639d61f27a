"""/api/v1/responsibilities/letters: responsibility letters (责任书) issued by a bureau to its
units for a year, signed by each unit, and the year's status board."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from safecampus.duties import actions_letters
from safecampus.duties.models import LetterCopy
from safecampus.duties.queries import (
    board_totals,
    get_copy_for_user,
    get_duty_org_for_user,
    letter_board,
    visible_copies,
)
from safecampus.duties.schemas import BoardOut, LetterCopyOut, LetterIn, LetterSignIn
from safecampus.hazards.api_common import org_ref, user_ref
from safecampus.lib.api import error_responses
from safecampus.lib.errors import ActionError
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require
from safecampus.orgs.queries import visible_orgs
from safecampus.orgs.roles import Cap

router = Router()  # mounted under /responsibilities by api.py, which gives the tag
LIST_LIMIT = 2000


def copy_out(c: LetterCopy) -> dict[str, Any]:
    letter = c.letter
    return {
        "id": c.pk,
        "letter": letter.pk,
        "year": c.year,
        "title": letter.title,
        "issuer": org_ref(letter.issuer),
        "recipient": org_ref(c.recipient),
        "state": c.state,
        "issued_at": letter.issued_at,
        "signed_on": c.signed_on,
        "signed_by": user_ref(c.signed_by),
        # The permission-checked download (views_letters.letter_file), never a media URL.
        "file_url": reverse("duties:letter_file", args=[letter.pk]) if letter.file else None,
    }


@router.get(
    "/letters",
    response={200: list[LetterCopyOut], **error_responses(422)},
    summary="Responsibility letters",
    description="The copies you may see for a year (issued by or addressed to organisations "
    "in your area), optionally only those under `org`.",
)
def list_letters(request: HttpRequest, year: int, org: int | None = None) -> list[dict[str, Any]]:
    user = current_user(request)
    rows = visible_copies(user).filter(year=year)
    if org is not None:
        found = get_duty_org_for_user(user, org)
        rows = rows.filter(recipient_path__startswith=found.path)
    return [copy_out(c) for c in rows.order_by("recipient__path", "id")[:LIST_LIMIT]]


def _upload(payload: LetterIn) -> SimpleUploadedFile | None:
    if payload.file is None:
        return None
    try:
        content = base64.b64decode(payload.file.data, validate=True)
    except (binascii.Error, ValueError):
        raise ActionError(_("Send the file as base64."), "file") from None
    return SimpleUploadedFile(payload.file.name[:200], content, "application/octet-stream")


@router.post(
    "/letters",
    response={201: list[LetterCopyOut], **error_responses(403, 404, 422)},
    summary="Issue a responsibility letter",
    description="A city or county bureau issues the year's letter to its units (all of them "
    "when `recipients` is left out). A unit outside the bureau: 422, nothing written.",
)
def issue(request: HttpRequest, payload: LetterIn) -> Status[list[dict[str, Any]]]:
    user = current_user(request)
    issuer = get_duty_org_for_user(user, payload.issuer)
    require(user, Cap.DUTY_MANAGE, issuer)
    recipients = None
    if payload.recipients is not None:
        wanted = set(payload.recipients)
        recipients = list(visible_orgs(user).filter(pk__in=wanted))
        if len(recipients) != len(wanted):
            raise ActionError(_("Choose units under the issuing bureau."), "recipients")
    letter = actions_letters.do_issue_letter(
        user,
        issuer,
        year=payload.year,
        title=payload.title,
        text=payload.text,
        upload=_upload(payload),
        recipients=recipients,
        request=request,
    )
    copies = letter.copies.select_related("letter", "letter__issuer", "recipient", "signed_by")
    return Status(201, [copy_out(c) for c in copies])


@router.post(
    "/letters/{int:copy_id}/sign",
    response={200: LetterCopyOut, **error_responses(403, 404, 409, 422)},
    summary="Sign a responsibility letter for its unit",
    description="Signed by someone holding `duty.manage` at the unit the copy is addressed to "
    "(its principal or bureau administration). 409 if already signed.",
)
def sign(request: HttpRequest, copy_id: int, payload: LetterSignIn) -> dict[str, Any]:
    user = current_user(request)
    copy = get_copy_for_user(user, copy_id)
    actions_letters.do_sign_letter(user, copy, signed_on=payload.signed_on, request=request)
    return copy_out(get_copy_for_user(user, copy_id))


@router.get(
    "/letters/board",
    response={200: BoardOut, **error_responses(403, 404, 422)},
    summary="The year's letter board of a bureau",
    description="Per unit under the bureau: letters issued and signed; units with none are "
    "counted as not issued.",
)
def board(request: HttpRequest, org: int, year: int | None = None) -> dict[str, Any]:
    user = current_user(request)
    issuer = get_duty_org_for_user(user, org)
    require(user, Cap.DUTY_VIEW, issuer)
    year = year or timezone.localdate().year
    rows = letter_board(issuer, year)
    return {
        "issuer": org_ref(issuer),
        "year": year,
        "totals": board_totals(rows),
        "units": [{"unit": org_ref(r), "issued": r.issued, "signed": r.signed} for r in rows],
    }

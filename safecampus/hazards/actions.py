"""Every change to a hazard (§4.1). Atomic, row-locked, checked against the transition table,
audited, with a timeline event; notifications are queued in the same transaction."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import record
from safecampus.hazards import notifications
from safecampus.hazards.choices import (
    PhotoKind,
    RectificationType,
    Severity,
    State,
    Transition,
    target_state,
)
from safecampus.hazards.models import (
    Hazard,
    HazardCategory,
    HazardEvent,
    HazardPhoto,
)
from safecampus.hazards.photos import process_photo
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require, scope_for
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Cap

# What a reporter may set (no mass assignment: state, org, verifier... are never taken from input).
REPORT_FIELDS = [
    "source",
    "category",
    "severity",
    "title",
    "description",
    "location",
    "found_on",
    "finder_name",
    "rectification_type",
    "interim_measures",
    "cost_note",
    "risk_point",
]
Photos = Iterable[tuple[str, Any]]


def _ancestor_above(actor: Any, cap: str, school: Organization) -> bool:
    """True if the actor holds ``cap`` at an organisation strictly above the school."""
    return any(
        school.path.startswith(g.path) and len(g.path) < len(school.path) and cap in caps
        for g, caps in _grants_with_caps(actor)
    )


def _grants_with_caps(actor: Any) -> list[tuple[Any, frozenset[str]]]:
    from safecampus.orgs.roles import CAPABILITIES

    return [(g, CAPABILITIES[g.role]) for g in scope_for(actor).grants]


def check_responsible(person: Any, school: Organization) -> None:
    """The responsible person must hold a role at the school or at a bureau above it."""
    paths = Membership.objects.filter(user=person).values_list("org__path", flat=True)
    if person is None or not person.is_active or not any(school.path.startswith(p) for p in paths):
        raise ActionError(
            _("The responsible person must hold a role at this school or a bureau above it."),
            "responsible",
        )


def _check_deadline(deadline: datetime.date | None, found_on: datetime.date) -> None:
    if deadline is None:
        raise ActionError(_("Set a deadline."), "deadline")
    if deadline < found_on:
        raise ActionError(
            _("The deadline cannot be before the date the hazard was found."), "deadline"
        )


def store_photos(hazard: Hazard, photos: Photos, actor: Any) -> list[HazardPhoto]:
    stored = []
    for kind, upload in photos:
        if kind not in PhotoKind.values:
            raise ActionError(_("Unknown photo kind."), "photos")
        image, thumb = process_photo(upload, f"photos_{kind}")
        photo = HazardPhoto(hazard=hazard, kind=kind, uploaded_by=actor)
        photo.image.save("photo.jpg", image, save=False)
        photo.thumbnail.save("thumb.jpg", thumb, save=False)
        photo.save()
        stored.append(photo)
    return stored


def add_event(hazard: Hazard, actor: Any, verb: str, before: str, note: str = "") -> None:
    HazardEvent.objects.create(
        hazard=hazard,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        from_state=before,
        to_state=hazard.state,
        note=note,
    )


@transaction.atomic
def do_report_hazard(
    actor: Any,
    school: Organization,
    fields: dict[str, Any],
    *,
    photos: Photos = (),
    client_id: Any = None,
    request: HttpRequest | None = None,
) -> tuple[Hazard, bool]:
    """Report a hazard (上报). Returns (hazard, created). A retry with the same client id (a
    phone on a flaky network) returns the first hazard instead of a second one."""
    if client_id is not None:
        existing = Hazard.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.org_id != school.pk or existing.created_by_id != getattr(actor, "pk", None):
                raise Conflict(_("This report id was already used for another report."))
            return existing, False
    require(actor, Cap.HAZARD_REPORT, school)
    if school.level != Level.SCHOOL:
        raise ActionError(_("Hazards are reported at a school."), "org")
    values = {k: v for k, v in fields.items() if k in REPORT_FIELDS}
    if not isinstance(values.get("category"), HazardCategory) or not values["category"].active:
        raise ActionError(_("Choose a category."), "category")
    point = values.get("risk_point")
    if point is not None and point.school_id != school.pk:
        raise ActionError(_("The risk point belongs to another school."), "risk_point")
    photos = list(photos)
    kinds = {kind for kind, _upload in photos}
    immediate = values.get("rectification_type") == RectificationType.IMMEDIATE
    if immediate and not {PhotoKind.BEFORE, PhotoKind.AFTER} <= kinds:
        raise ActionError(
            _("A hazard fixed on the spot needs a photo before and a photo after the fix."),
            "photos_after" if PhotoKind.BEFORE in kinds else "photos_before",
        )
    hazard = Hazard(org=school, org_path=school.path, created_by=actor, **values)
    if client_id is not None:
        hazard.client_id = client_id
    if getattr(actor, "is_authenticated", False):
        hazard.finder = actor
        hazard.finder_name = hazard.finder_name or str(actor)
    else:
        hazard.tracking_code = secrets.token_hex(5).upper()
    if immediate:
        # 立查立改: found and fixed together; it still needs verification to close (§4.1).
        hazard.state = State.AWAITING_VERIFICATION
        hazard.responsible = actor
        hazard.deadline = hazard.found_on
    hazard.save()
    store_photos(hazard, photos, actor)
    add_event(hazard, actor, "report", "", values.get("description", "")[:200])
    record(
        "hazard.report",
        actor=actor,
        org=school,
        obj=hazard,
        request=request,
        changes={
            "state": hazard.state,
            "severity": hazard.severity,
            "category": hazard.category.code,
            "source": hazard.source,
            **({"risk_point": point.pk} if point is not None else {}),
        },
    )
    notifications.hazard_reported(hazard)
    return hazard, True


def transition(
    actor: Any,
    hazard: Hazard,
    transition: str,
    cap: str,
    *,
    expected_state: str | None = None,
    change: Callable[[Hazard], dict[str, Any]] | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Hazard:
    """The one way a hazard changes state: lock, check, change, save, time-line, audit."""
    require(actor, cap, hazard.org)
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if expected_state is not None and locked.state != expected_state:
        raise Conflict(_("Someone else has changed this hazard; reload it and try again."))
    after = target_state(locked.state, transition)
    if after is None:
        raise Conflict(
            _("This hazard is %(state)s; it cannot be moved that way now.")
            % {"state": State(locked.state).label}
        )
    before = locked.state
    changes = change(locked) if change else {}
    locked.state = after
    locked.save()
    add_event(locked, actor, transition, before, note)
    record(
        f"hazard.{transition}",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"state": [before, after], **changes},
    )
    notifications.hazard_moved(locked, transition, actor)
    return locked


@transaction.atomic
def do_assign(
    actor: Any,
    hazard: Hazard,
    *,
    responsible: Any,
    deadline: datetime.date | None,
    interim_measures: str | None = None,
    severity: str | None = None,
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    """交办: a responsible person and a deadline (re-assigning changes them)."""
    check_responsible(responsible, hazard.org)
    _check_deadline(deadline, hazard.found_on)

    def change(h: Hazard) -> dict[str, Any]:
        before = {"responsible": h.responsible_id, "deadline": h.deadline, "severity": h.severity}
        h.responsible, h.deadline = responsible, deadline
        if severity in Severity.values:
            h.severity = severity
        if interim_measures is not None:
            h.interim_measures = interim_measures
        h.escalation_level = 0
        return {
            key: [before[key], value]
            for key, value in (
                ("responsible", responsible.pk),
                ("deadline", deadline),
                ("severity", h.severity),
            )
            if before[key] != value
        }

    return transition(
        actor,
        hazard,
        Transition.ASSIGN,
        Cap.HAZARD_ASSIGN,
        expected_state=expected_state,
        change=change,
        request=request,
    )


def may_rectify(actor: Any, hazard: Hazard) -> None:
    # The responsible person may always report progress on their own hazard.
    if hazard.responsible_id != getattr(actor, "pk", None):
        require(actor, Cap.HAZARD_RECTIFY, hazard.org)


@transaction.atomic
def do_start(
    actor: Any,
    hazard: Hazard,
    *,
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    may_rectify(actor, hazard)
    return transition(
        actor,
        hazard,
        Transition.START,
        Cap.HAZARD_VIEW,
        expected_state=expected_state,
        request=request,
    )


@transaction.atomic
def do_submit(
    actor: Any,
    hazard: Hazard,
    *,
    note: str,
    photos: Photos = (),
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    """整改完成, awaiting verification: what was done, with the after photos."""
    may_rectify(actor, hazard)
    photos = list(photos)
    if not note.strip():
        raise ActionError(_("Describe what was done."), "note")
    has_after = hazard.photos.filter(kind=PhotoKind.AFTER).exists() or any(
        kind == PhotoKind.AFTER for kind, _u in photos
    )
    if hazard.rectification_type == RectificationType.IMMEDIATE and not has_after:
        raise ActionError(_("Add a photo after the fix."), "photos_after")

    def change(h: Hazard) -> dict[str, Any]:
        h.rectification_note = note
        store_photos(h, photos, actor)
        return {"rectification_note": note[:200]}

    return transition(
        actor,
        hazard,
        Transition.SUBMIT,
        Cap.HAZARD_VIEW,
        expected_state=expected_state,
        change=change,
        note=note,
        request=request,
    )


@transaction.atomic
def do_add_photos(
    actor: Any,
    hazard: Hazard,
    photos: Photos,
    *,
    request: HttpRequest | None = None,
) -> list[HazardPhoto]:
    """Add before/after photos to an open hazard (the API's upload; the report and submit
    pages send theirs with those actions). After photos are the rectifier's to add."""
    photos = list(photos)
    kinds = sorted({kind for kind, _upload in photos})
    if not kinds or not set(kinds) <= set(PhotoKind.values):
        raise ActionError(_("Unknown photo kind."), "kind")
    if PhotoKind.AFTER in kinds:
        may_rectify(actor, hazard)
    if PhotoKind.BEFORE in kinds and hazard.finder_id != getattr(actor, "pk", None):
        require(actor, Cap.HAZARD_REPORT, hazard.org)
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if not locked.is_open:
        raise Conflict(_("This hazard is no longer open; photos cannot be added."))
    stored = store_photos(locked, photos, actor)
    add_event(locked, actor, "photo", locked.state, ", ".join(kinds))
    record(
        "hazard.photo",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"photos": [photo.pk for photo in stored], "kinds": kinds},
    )
    return stored


@transaction.atomic
def do_verify(
    actor: Any,
    hazard: Hazard,
    *,
    opinion: str,
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    """验收 and 销号. The verifier is not the rectifier; a major hazard is verified by the level
    above; a supervised hazard closes only with the supervising organisation's sign-off."""
    if hazard.responsible_id == getattr(actor, "pk", None):
        raise ActionError(_("The verifier must not be the person who rectified it."), "verifier")
    if hazard.severity == Severity.MAJOR and not _ancestor_above(
        actor, Cap.HAZARD_VERIFY, hazard.org
    ):
        raise PermissionDenied(_("A major hazard is verified by the bureau above the school."))
    supervising = hazard.supervising_org
    if supervising is not None and not scope_for(actor).can(Cap.HAZARD_VERIFY, supervising):
        raise PermissionDenied(_("The supervising organisation signs off this hazard."))
    if not opinion.strip():
        raise ActionError(_("Write the verification opinion."), "opinion")

    def change(h: Hazard) -> dict[str, Any]:
        h.verifier, h.verification_opinion = actor, opinion
        h.closed_on = timezone.localdate()
        return {"verifier": actor.pk, "closed_on": h.closed_on}

    return transition(
        actor,
        hazard,
        Transition.VERIFY,
        Cap.HAZARD_VERIFY,
        expected_state=expected_state,
        change=change,
        note=opinion,
        request=request,
    )


@transaction.atomic
def do_reject(
    actor: Any,
    hazard: Hazard,
    *,
    reason: str,
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    """Verification failed: back to rectifying, with the reason (§4.1 step 6)."""
    if not reason.strip():
        raise ActionError(_("Say why the rectification is not accepted."), "reason")

    def change(h: Hazard) -> dict[str, Any]:
        h.verification_opinion = reason
        return {"reason": reason[:200]}

    return transition(
        actor,
        hazard,
        Transition.REJECT,
        Cap.HAZARD_VERIFY,
        expected_state=expected_state,
        change=change,
        note=reason,
        request=request,
    )


@transaction.atomic
def do_dismiss(
    actor: Any,
    hazard: Hazard,
    *,
    reason: str,
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    if not reason.strip():
        raise ActionError(_("Say why this is not a hazard."), "reason")

    def change(h: Hazard) -> dict[str, Any]:
        h.dismissed_reason = reason
        return {"reason": reason[:200]}

    return transition(
        actor,
        hazard,
        Transition.DISMISS,
        Cap.HAZARD_ASSIGN,
        expected_state=expected_state,
        change=change,
        note=reason,
        request=request,
    )


@transaction.atomic
def do_restore(
    actor: Any,
    hazard: Hazard,
    *,
    expected_state: str | None = None,
    request: HttpRequest | None = None,
) -> Hazard:
    """A superior (the bureau above the school) overrules a dismissal."""
    if not _ancestor_above(actor, Cap.HAZARD_ASSIGN, hazard.org):
        raise PermissionDenied(
            _("Only the bureau above the school can restore a dismissed report.")
        )
    return transition(
        actor,
        hazard,
        Transition.RESTORE,
        Cap.HAZARD_ASSIGN,
        expected_state=expected_state,
        request=request,
    )

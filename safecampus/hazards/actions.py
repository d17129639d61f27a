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
    RevisitResult,
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
    PlanMilestone,
    RectificationPlan,
    Revisit,
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


def _check_responsible(person: Any, school: Organization) -> None:
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


def _store_photos(hazard: Hazard, photos: Photos, actor: Any) -> list[HazardPhoto]:
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


def _event(hazard: Hazard, actor: Any, verb: str, before: str, note: str = "") -> None:
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
    _store_photos(hazard, photos, actor)
    _event(hazard, actor, "report", "", values.get("description", "")[:200])
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
        },
    )
    notifications.hazard_reported(hazard)
    return hazard, True


def _transition(
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
    _event(locked, actor, transition, before, note)
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
    _check_responsible(responsible, hazard.org)
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

    return _transition(
        actor,
        hazard,
        Transition.ASSIGN,
        Cap.HAZARD_ASSIGN,
        expected_state=expected_state,
        change=change,
        request=request,
    )


def _may_rectify(actor: Any, hazard: Hazard) -> None:
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
    _may_rectify(actor, hazard)
    return _transition(
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
    _may_rectify(actor, hazard)
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
        _store_photos(h, photos, actor)
        return {"rectification_note": note[:200]}

    return _transition(
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

    return _transition(
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

    return _transition(
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

    return _transition(
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
    return _transition(
        actor,
        hazard,
        Transition.RESTORE,
        Cap.HAZARD_ASSIGN,
        expected_state=expected_state,
        request=request,
    )


@transaction.atomic
def do_supervise(
    actor: Any,
    hazard: Hazard,
    *,
    supervising_org: Organization,
    supervisor: Any,
    report_interval_days: int,
    request: HttpRequest | None = None,
) -> Hazard:
    """挂牌督办: a county or city lists a major hazard for supervision (§4.1)."""
    require(actor, Cap.HAZARD_SUPERVISE, supervising_org)
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if supervising_org.level not in (Level.CITY, Level.COUNTY) or not locked.org.path.startswith(
        supervising_org.path
    ):
        raise ActionError(
            _("Choose the county or city bureau above the school."), "supervising_org"
        )
    if locked.severity != Severity.MAJOR:
        raise ActionError(_("Only major hazards are listed for supervision."), "severity")
    if not locked.is_open:
        raise Conflict(_("This hazard is already closed."))
    if not 1 <= report_interval_days <= 90:
        raise ActionError(_("Choose a reporting interval of 1 to 90 days."), "report_interval_days")
    _check_responsible(supervisor, supervising_org)
    locked.supervising_org, locked.supervisor = supervising_org, supervisor
    locked.report_interval_days = report_interval_days
    locked.supervised_on = timezone.localdate()
    locked.save(
        update_fields=[
            "supervising_org",
            "supervisor",
            "report_interval_days",
            "supervised_on",
            "updated_at",
        ]
    )
    _event(locked, actor, "supervise", locked.state, supervising_org.name)
    record(
        "hazard.supervise",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={
            "supervising_org": supervising_org.code,
            "supervisor": supervisor.pk,
            "report_interval_days": report_interval_days,
        },
    )
    notifications.hazard_moved(locked, "supervise", actor)
    return locked


@transaction.atomic
def do_save_plan(
    actor: Any,
    hazard: Hazard,
    *,
    measures: str,
    funds: str,
    responsible: Any,
    interim_measures: str,
    contingency: str,
    milestones: Iterable[tuple[str, datetime.date]] = (),
    request: HttpRequest | None = None,
) -> RectificationPlan:
    """整改方案 for a hard case (五落实: responsibility, measures, funds, deadline, contingency)."""
    require(actor, Cap.HAZARD_ASSIGN, hazard.org)
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if not locked.is_open:
        raise Conflict(_("This hazard is already closed."))
    if not measures.strip():
        raise ActionError(_("Describe the measures."), "measures")
    _check_responsible(responsible, locked.org)
    plan, created = RectificationPlan.objects.update_or_create(
        hazard=locked,
        defaults={
            "measures": measures,
            "funds": funds,
            "responsible": responsible,
            "interim_measures": interim_measures,
            "contingency": contingency,
        },
    )
    new_milestones = [PlanMilestone(plan=plan, title=t, due_on=d) for t, d in milestones if t]
    PlanMilestone.objects.bulk_create(new_milestones)
    _event(locked, actor, "plan", locked.state, measures[:200])
    record(
        "hazard.plan",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"created": created, "milestones": len(new_milestones), "funds": funds},
    )
    return plan


@transaction.atomic
def do_update_milestone(
    actor: Any,
    milestone: PlanMilestone,
    *,
    progress: str,
    done_on: datetime.date | None,
    request: HttpRequest | None = None,
) -> PlanMilestone:
    hazard = milestone.plan.hazard
    _may_rectify(actor, hazard)
    locked = PlanMilestone.objects.select_for_update().get(pk=milestone.pk)
    locked.progress, locked.done_on = progress, done_on
    locked.save(update_fields=["progress", "done_on"])
    _event(hazard, actor, "progress", hazard.state, f"{locked.title}: {progress}"[:200])
    record(
        "hazard.progress",
        actor=actor,
        org=hazard.org,
        obj=hazard,
        request=request,
        changes={"milestone": locked.title, "done_on": done_on, "progress": progress[:200]},
    )
    return locked


@transaction.atomic
def do_record_revisit(
    actor: Any,
    hazard: Hazard,
    *,
    org: Organization,
    result: str,
    note: str = "",
    visited_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Revisit:
    """回头看 of a closed hazard; "recurred" reopens it (§4.1 step 7)."""
    require(actor, Cap.HAZARD_REVISIT, org)
    if not hazard.org.path.startswith(org.path) or org.level == Level.SCHOOL:
        raise ActionError(_("A revisit is made by a bureau above the school."), "org")
    if result not in RevisitResult.values:
        raise ActionError(_("Choose the result."), "result")
    locked = Hazard.objects.select_for_update().select_related("org").get(pk=hazard.pk)
    if locked.state != State.CLOSED:
        raise Conflict(_("Only closed hazards are revisited."))
    revisit = Revisit.objects.create(
        hazard=locked,
        org=org,
        by=actor,
        result=result,
        note=note,
        visited_on=visited_on or timezone.localdate(),
    )
    record(
        "hazard.revisit",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={"result": result, "note": note[:200]},
    )
    if result == RevisitResult.RECURRED:

        def change(h: Hazard) -> dict[str, Any]:
            h.reopened_count += 1
            h.closed_on = None
            h.escalation_level = 0
            return {"reopened_count": h.reopened_count}

        _transition(
            actor,
            locked,
            Transition.REOPEN,
            Cap.HAZARD_REVISIT,
            change=change,
            note=note,
            request=request,
        )
    else:
        _event(locked, actor, "revisit", locked.state, note)
    return revisit

"""Every change to posts, their holders and signatures (责任清单, DOMAIN.md §2.3). Atomic,
row-locked where a race matters, audited. Grid and pairings: actions_grid.py; letters:
actions_letters.py."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.audit.log import client_ip, record
from safecampus.duties.models import (
    Acknowledgement,
    Post,
    PostAssignment,
    PostTemplate,
    duties_hash,
)
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.scoping import require
from safecampus.orgs.choices import Level
from safecampus.orgs.models import Membership, Organization
from safecampus.orgs.roles import Cap

MAX_DUTIES = 30
MAX_DUTY_LENGTH = 500


def check_person(person: Any, org: Organization, field: str) -> None:
    """Real-name rule (实名制, §2.3): a post, grid cell or pairing goes to an active person with
    a role at that organisation itself and a full name on record."""
    holds_role = (
        person is not None
        and person.is_active
        and Membership.objects.filter(user=person, org=org).exists()
    )
    if not holds_role:
        raise ActionError(_("The person must hold a role at %(org)s.") % {"org": org.name}, field)
    if not (person.display_name or "").strip():
        raise ActionError(
            _("Record this person's full name first: responsibilities are real-named."), field
        )


def clean_duties(duties: list[str]) -> list[str]:
    """Duty texts as stored: trimmed, blank lines dropped, each one line of sensible length."""
    cleaned = [" ".join(str(d).split()) for d in duties if str(d).strip()]
    if not cleaned:
        raise ActionError(_("List at least one duty."), "duties")
    if len(cleaned) > MAX_DUTIES:
        raise ActionError(_("List at most %(n)d duties.") % {"n": MAX_DUTIES}, "duties")
    if any(len(d) > MAX_DUTY_LENGTH for d in cleaned):
        raise ActionError(
            _("Each duty is at most %(n)d characters.") % {"n": MAX_DUTY_LENGTH}, "duties"
        )
    return cleaned


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ActionError(_("Name the post."), "name")
    if len(name) > 80:
        raise ActionError(_("The post name is at most 80 characters."), "name")
    return name


def _check_unique_name(org: Organization, name: str, exclude_pk: int | None = None) -> None:
    clash = Post.objects.filter(org=org, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ActionError(_("%(org)s already has a post of this name.") % {"org": org.name}, "name")


# --- posts ----------------------------------------------------------------------------------


@transaction.atomic
def do_create_post(
    actor: Any,
    org: Organization,
    *,
    name: str,
    duties: list[str],
    template: PostTemplate | None = None,
    request: HttpRequest | None = None,
) -> Post:
    require(actor, Cap.DUTY_MANAGE, org)
    name = _clean_name(name)
    cleaned = clean_duties(duties)
    _check_unique_name(org, name)
    sort = (template.sort if template else 1000) + Post.objects.filter(org=org).count()
    post = Post.objects.create(
        org=org, org_path=org.path, template=template, name=name, duties=cleaned, sort=sort
    )
    record(
        "duty.post_create",
        actor=actor,
        org=org,
        obj=post,
        request=request,
        changes={
            "name": name,
            "duties": len(cleaned),
            "template": template.key if template else "",
        },
    )
    return post


@transaction.atomic
def do_create_posts_from_templates(
    actor: Any,
    org: Organization,
    *,
    keys: list[str] | None = None,
    request: HttpRequest | None = None,
) -> list[Post]:
    """One click: the shipped posts a school does not have yet, in the reader's language."""
    require(actor, Cap.DUTY_MANAGE, org)
    if org.level != Level.SCHOOL:
        raise ActionError(_("The shipped templates are for the posts of a school."), "org")
    templates = list(PostTemplate.objects.all())
    if keys is not None:
        unknown = sorted(set(keys) - {t.key for t in templates})
        if unknown:
            raise ActionError(
                _("Unknown templates: %(keys)s.") % {"keys": ", ".join(unknown)}, "templates"
            )
        templates = [t for t in templates if t.key in keys]
    have_templates = set(Post.objects.filter(org=org).values_list("template_id", flat=True))
    have_names = set(Post.objects.filter(org=org).values_list("name", flat=True))
    created = [
        Post(
            org=org,
            org_path=org.path,
            template=t,
            name=str(t),
            duties=t.duties(),
            sort=t.sort,
        )
        for t in templates
        if t.pk not in have_templates and str(t) not in have_names
    ]
    Post.objects.bulk_create(created)
    record(
        "duty.posts_from_templates",
        actor=actor,
        org=org,
        request=request,
        changes={"posts": [p.name for p in created]},
    )
    return created


@transaction.atomic
def do_edit_post(
    actor: Any,
    post: Post,
    *,
    name: str,
    duties: list[str],
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Post:
    """A changed list is a new version: its holders must sign again; what they signed before
    stays as signed (Acknowledgement keeps the text)."""
    require(actor, Cap.DUTY_MANAGE, post.org)
    name = _clean_name(name)
    cleaned = clean_duties(duties)
    locked = Post.objects.select_for_update().select_related("org").get(pk=post.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(_("Someone else has changed this list; reload it and try again."))
    _check_unique_name(locked.org, name, exclude_pk=locked.pk)
    if name == locked.name and cleaned == list(locked.duties):
        return locked
    before = {"name": locked.name, "version": locked.version}
    locked.name, locked.duties, locked.version = name, cleaned, locked.version + 1
    locked.save(update_fields=["name", "duties", "version", "updated_at"])
    record(
        "duty.post_edit",
        actor=actor,
        org=locked.org,
        obj=locked,
        request=request,
        changes={
            "name": [before["name"], name],
            "version": [before["version"], locked.version],
            "duties": len(cleaned),
        },
    )
    return locked


# --- holders --------------------------------------------------------------------------------


@transaction.atomic
def do_assign_post(
    actor: Any,
    post: Post,
    *,
    person: Any,
    started_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> PostAssignment:
    require(actor, Cap.DUTY_MANAGE, post.org)
    check_person(person, post.org, "person")
    locked = Post.objects.select_for_update().get(pk=post.pk)
    if PostAssignment.objects.filter(post=locked, person=person, ended_on__isnull=True).exists():
        raise ActionError(_("This person already holds this post."), "person")
    assignment = PostAssignment.objects.create(
        post=locked, person=person, started_on=started_on or timezone.localdate()
    )
    record(
        "duty.assign",
        actor=actor,
        org=post.org,
        obj=assignment,
        request=request,
        changes={"post": locked.pk, "person": person.pk, "started_on": assignment.started_on},
    )
    return assignment


@transaction.atomic
def do_end_assignment(
    actor: Any,
    assignment: PostAssignment,
    *,
    ended_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> PostAssignment:
    """The person leaves the post (staff change, §2.3); their signatures stay on record."""
    require(actor, Cap.DUTY_MANAGE, assignment.post.org)
    locked = PostAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.ended_on is not None:
        raise Conflict(_("This person no longer holds the post."))
    ended_on = ended_on or timezone.localdate()
    if ended_on < locked.started_on:
        raise ActionError(_("The end date cannot be before the start date."), "ended_on")
    locked.ended_on = ended_on
    locked.save(update_fields=["ended_on"])
    record(
        "duty.unassign",
        actor=actor,
        org=assignment.post.org,
        obj=locked,
        request=request,
        changes={"ended_on": ended_on},
    )
    return locked


# --- signing --------------------------------------------------------------------------------


@transaction.atomic
def do_sign(
    actor: Any,
    assignment: PostAssignment,
    *,
    version: int,
    request: HttpRequest | None = None,
) -> tuple[Acknowledgement, bool]:
    """The holder reads and accepts their list (签字确认). ``version`` is the one they read: if
    the list changed meanwhile, nothing is signed (409). Signing twice returns the first
    signature (a double click). Returns (acknowledgement, created)."""
    if assignment.person_id != getattr(actor, "pk", None):
        # Nobody signs for someone else, whatever their role.
        raise PermissionDenied(_("Only the person holding the post signs its list."))
    locked = PostAssignment.objects.select_for_update().get(pk=assignment.pk)
    post = Post.objects.select_for_update().select_related("org").get(pk=locked.post_id)
    if locked.ended_on is not None:
        raise Conflict(_("You no longer hold this post."))
    if version != post.version:
        raise Conflict(_("This list has changed since you opened it; read it again, then sign."))
    existing = Acknowledgement.objects.filter(assignment=locked, version=post.version).first()
    if existing is not None:
        return existing, False
    duties = list(post.duties)
    ack = Acknowledgement.objects.create(
        assignment=locked,
        version=post.version,
        post_name=post.name,
        duties=duties,
        sha256=duties_hash(post.name, duties),
        signed_at=timezone.now(),
        ip=client_ip(request),
    )
    locked.signed_version = post.version
    locked.save(update_fields=["signed_version"])
    record(
        "duty.sign",
        actor=actor,
        org=post.org,
        obj=locked,
        request=request,
        changes={"post": post.pk, "version": post.version, "sha256": ack.sha256},
    )
    return ack, True

"""/api/v1/responsibilities: posts and their lists, holders, signing, the unsigned overview.
Grid and pairings: api_grid.py; letters: api_letters.py. Thin: parse → queries/actions → shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from safecampus.duties import actions
from safecampus.duties.api_common import person_for
from safecampus.duties.api_grid import router as grid_router
from safecampus.duties.api_letters import router as letters_router
from safecampus.duties.models import Acknowledgement, Post, PostAssignment, PostTemplate
from safecampus.duties.queries import (
    get_assignment_for_user,
    get_duty_org_for_user,
    get_post_for_user,
    my_assignments,
    posts_of,
    rollup_totals,
    signing_rollup,
    unsigned_of,
)
from safecampus.duties.schemas import (
    AcknowledgementOut,
    AssignIn,
    EndIn,
    FromTemplatesIn,
    HolderOut,
    MyListOut,
    PostEditIn,
    PostIn,
    PostOut,
    SignIn,
    TemplateOut,
    UnsignedOut,
)
from safecampus.hazards.api_common import org_ref, user_ref
from safecampus.lib.api import error_responses
from safecampus.lib.http import current_user
from safecampus.lib.scoping import require
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Cap

router = Router(tags=["responsibilities"])
UNSIGNED_LIMIT = 500


def holder_out(a: PostAssignment, post: Post) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person": user_ref(a.person),
        "started_on": a.started_on,
        "ended_on": a.ended_on,
        "signed_version": a.signed_version,
        "signed": a.signed_version == post.version,
    }


def post_out(post: Post, holders: list[PostAssignment] | None = None) -> dict[str, Any]:
    if holders is None:
        holders = getattr(post, "holders", None)
    if holders is None:
        holders = list(
            post.assignments.filter(ended_on__isnull=True).select_related("person").order_by("id")
        )
    return {
        "id": post.pk,
        "org": org_ref(post.org),
        "name": post.name,
        "template": post.template.key if post.template_id and post.template else None,
        "duties": list(post.duties),
        "version": post.version,
        "holders": [holder_out(a, post) for a in holders],
        "updated_at": post.updated_at,
    }


def _org(user: Any, pk: int, cap: str = Cap.DUTY_VIEW) -> Organization:
    org = get_duty_org_for_user(user, pk)
    require(user, cap, org)
    return org


# --- templates and posts --------------------------------------------------------------------


@router.get(
    "/templates",
    response={200: list[TemplateOut], **error_responses()},
    summary="Post templates",
    description="The nine shipped posts with their duties in Chinese and English.",
)
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "key": t.key,
            "name": str(t),
            "name_zh": t.name_zh,
            "name_en": t.name_en,
            "duties_zh": t.duties_zh,
            "duties_en": t.duties_en,
        }
        for t in PostTemplate.objects.all()
    ]


@router.get(
    "/posts",
    response={200: list[PostOut], **error_responses(403, 404)},
    summary="Posts of an organisation",
    description="Its posts with their duties and current holders (with their sign status).",
)
def list_posts(request: HttpRequest, org: int) -> list[dict[str, Any]]:
    found = _org(current_user(request), org)
    return [post_out(p) for p in posts_of(found).select_related("org", "template")]


@router.post(
    "/posts",
    response={201: PostOut, **error_responses(403, 404, 422)},
    summary="Add a post",
)
def create_post(request: HttpRequest, payload: PostIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    org = get_duty_org_for_user(user, payload.org)
    post = actions.do_create_post(
        user, org, name=payload.name, duties=payload.duties, request=request
    )
    return Status(201, post_out(post, []))


@router.post(
    "/posts/from-templates",
    response={201: list[PostOut], **error_responses(403, 404, 422)},
    summary="Create a school's posts from the templates",
    description="One call: the template posts the school does not have yet (names and duties "
    "in the caller's language). Answers the posts created.",
)
def from_templates(request: HttpRequest, payload: FromTemplatesIn) -> Status[list[dict[str, Any]]]:
    user = current_user(request)
    org = get_duty_org_for_user(user, payload.org)
    created = actions.do_create_posts_from_templates(
        user, org, keys=payload.templates, request=request
    )
    return Status(201, [post_out(p, []) for p in created])


@router.get(
    "/posts/{int:post_id}",
    response={200: PostOut, **error_responses(404)},
    summary="One post",
)
def get_post(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return post_out(get_post_for_user(current_user(request), post_id))


@router.patch(
    "/posts/{int:post_id}",
    response={200: PostOut, **error_responses(403, 404, 409, 422)},
    summary="Edit a post's list",
    description="A changed list is a new version: its holders must sign again. What they "
    "signed before is kept unchanged.",
)
def edit_post(request: HttpRequest, post_id: int, payload: PostEditIn) -> dict[str, Any]:
    user = current_user(request)
    post = get_post_for_user(user, post_id)
    post = actions.do_edit_post(
        user,
        post,
        name=payload.name,
        duties=payload.duties,
        expected_version=payload.expected_version,
        request=request,
    )
    return post_out(post)


@router.post(
    "/posts/{int:post_id}/assignments",
    response={201: HolderOut, **error_responses(403, 404, 422)},
    summary="Assign a person to a post",
    description="The person must hold a role at the post's organisation and have a full name "
    "on record (real-name rule); otherwise 422 and nothing is written.",
)
def assign(request: HttpRequest, post_id: int, payload: AssignIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    post = get_post_for_user(user, post_id)
    require(user, Cap.DUTY_MANAGE, post.org)
    assignment = actions.do_assign_post(
        user,
        post,
        person=person_for(payload.person, post.org, "person"),
        started_on=payload.started_on,
        request=request,
    )
    return Status(201, holder_out(assignment, post))


@router.post(
    "/assignments/{int:assignment_id}/end",
    response={200: HolderOut, **error_responses(403, 404, 409, 422)},
    summary="A person no longer holds a post",
)
def end_assignment(request: HttpRequest, assignment_id: int, payload: EndIn) -> dict[str, Any]:
    user = current_user(request)
    assignment = get_assignment_for_user(user, assignment_id)
    ended = actions.do_end_assignment(user, assignment, ended_on=payload.ended_on, request=request)
    return holder_out(ended, assignment.post)


# --- signing --------------------------------------------------------------------------------


@router.get(
    "/mine",
    response={200: list[MyListOut], **error_responses()},
    summary="My lists",
    description="The lists of the posts you hold now, unsigned first.",
)
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "assignment": a.pk,
            "post": a.post_id,
            "org": org_ref(a.post.org),
            "name": a.post.name,
            "duties": list(a.post.duties),
            "version": a.post.version,
            "signed": a.signed_version == a.post.version,
        }
        for a in my_assignments(current_user(request))
    ]


def ack_out(ack: Acknowledgement) -> dict[str, Any]:
    return {
        "id": ack.pk,
        "assignment": ack.assignment_id,
        "version": ack.version,
        "post_name": ack.post_name,
        "duties": list(ack.duties),
        "sha256": ack.sha256,
        "signed_at": ack.signed_at,
    }


@router.post(
    "/assignments/{int:assignment_id}/sign",
    response={201: AcknowledgementOut, 200: AcknowledgementOut, **error_responses(403, 404, 409)},
    summary="Sign my list (签字确认)",
    description="Only the holder signs. `version` is the one you read: if the list changed "
    "since, 409 and nothing is signed. Signing again answers 200 with the first signature.",
)
def sign(request: HttpRequest, assignment_id: int, payload: SignIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    assignment = get_assignment_for_user(user, assignment_id)
    if assignment.person_id != user.pk:
        raise PermissionDenied(_("Only the person holding the post signs its list."))
    ack, created = actions.do_sign(user, assignment, version=payload.version, request=request)
    return Status(201 if created else 200, ack_out(ack))


@router.get(
    "/assignments/{int:assignment_id}/signatures",
    response={200: list[AcknowledgementOut], **error_responses(404)},
    summary="Signatures of one holder",
    description="Each version signed, with the text exactly as signed and its sha256.",
)
def signatures(request: HttpRequest, assignment_id: int) -> list[dict[str, Any]]:
    assignment = get_assignment_for_user(current_user(request), assignment_id)
    return [ack_out(a) for a in assignment.acknowledgements.all()]


@router.get(
    "/unsigned",
    response={200: UnsignedOut, **error_responses(403, 404)},
    summary="Unsigned overview",
    description="For an organisation: per school, posts, holders, signed and unsigned (of the "
    "current version), with totals; and the people who have not signed (first 500).",
)
def unsigned(request: HttpRequest, org: int) -> dict[str, Any]:
    found = _org(current_user(request), org)
    rows = signing_rollup(found)
    people = unsigned_of(found)[:UNSIGNED_LIMIT]
    return {
        "org": org_ref(found),
        "totals": rollup_totals(rows),
        "schools": [
            {
                "school": org_ref(r),
                **{
                    k: getattr(r, k)
                    for k in ("posts", "posts_held", "vacant", "assigned", "signed", "unsigned")
                },
            }
            for r in rows
        ],
        "unsigned": [
            {
                "assignment": a.pk,
                "org": org_ref(a.post.org),
                "post": a.post_id,
                "post_name": a.post.name,
                "person": user_ref(a.person),
                "started_on": a.started_on,
                "signed_version": a.signed_version,
            }
            for a in people
        ],
    }


router.add_router("", grid_router)
router.add_router("", letters_router)

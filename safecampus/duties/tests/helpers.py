"""Small builders for responsibility tests."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from safecampus.duties import actions
from safecampus.duties.models import Post, PostAssignment


def template_posts(principal: Any, school: Any) -> dict[str, Post]:
    """The nine template posts of a school (in Chinese), by template key."""
    with translation.override("zh-hans"):
        actions.do_create_posts_from_templates(principal, school)
    return {p.template.key: p for p in Post.objects.filter(org=school).select_related("template")}


def hold(principal: Any, post: Post, person: Any) -> PostAssignment:
    return actions.do_assign_post(principal, post, person=person)


def post_json(client: Any, url: str, data: Any) -> Any:
    return client.post(url, data, content_type="application/json")

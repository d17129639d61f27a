"""The shipped post templates (data migration) and "create the posts from the templates"."""

import pytest
from django.utils import translation

from safecampus.duties import actions
from safecampus.duties.models import Post, PostTemplate
from safecampus.lib.errors import ActionError

KEYS = [
    "principal",
    "vice_principal",
    "safety_officer",
    "head_teacher",
    "subject_teacher",
    "canteen_manager",
    "driver",
    "guard",
    "dormitory_keeper",
]


def test_the_migration_ships_nine_posts_in_chinese_and_english(db):
    templates = list(PostTemplate.objects.all())
    assert [t.key for t in templates] == KEYS
    for t in templates:
        assert t.name_zh and t.name_en
        assert 5 <= len(t.duties_zh) <= 10, t.key
        assert len(t.duties_en) == len(t.duties_zh), t.key
        assert all(d.strip() for d in t.duties_zh + t.duties_en)
    head = PostTemplate.objects.get(key="head_teacher")
    assert head.name_zh == "班主任"
    assert any("出勤" in d for d in head.duties_zh)
    assert any("attendance" in d for d in head.duties_en)
    assert "第一责任人" in PostTemplate.objects.get(key="principal").duties_zh[0]


def test_a_principal_creates_the_school_posts_in_one_click(school_principal, world):
    with translation.override("zh-hans"):
        created = actions.do_create_posts_from_templates(school_principal, world.school_a1)
    assert len(created) == 9
    names = list(Post.objects.filter(org=world.school_a1).values_list("name", flat=True))
    assert "班主任" in names and "校长" in names
    # A second click adds nothing: the school already has every template post.
    assert actions.do_create_posts_from_templates(school_principal, world.school_a1) == []
    assert Post.objects.filter(org=world.school_a1).count() == 9


def test_posts_are_copied_in_the_language_of_whoever_creates_them(school_principal, world):
    with translation.override("en"):
        actions.do_create_posts_from_templates(school_principal, world.school_a1, keys=["guard"])
    post = Post.objects.get(org=world.school_a1)
    assert post.name == "Guard"
    assert post.duties[0].startswith("Keeps the gate rules")


def test_templates_are_for_schools_and_unknown_keys_are_refused(
    county_officer, school_principal, world
):
    with pytest.raises(ActionError) as bureau:
        actions.do_create_posts_from_templates(county_officer, world.county_a)
    assert "org" in bureau.value.errors
    with pytest.raises(ActionError) as unknown:
        actions.do_create_posts_from_templates(school_principal, world.school_a1, keys=["cook"])
    assert "templates" in unknown.value.errors
    assert not Post.objects.exists()

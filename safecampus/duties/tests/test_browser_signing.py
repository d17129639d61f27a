"""Browser journey of the responsibility lists (责任清单): the principal creates the school's
posts from the shipped templates and names the holders, the teacher reads and signs the list
in "My lists", the principal sees it signed and the county sees its schools' signing counts.
Screenshots at each step (zh-hans) and "My lists" in English, under test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from safecampus.duties.defaults import ensure_templates
from safecampus.duties.models import Acknowledgement, Post, PostAssignment
from safecampus.lib.testing.browser import log_in, shot
from safecampus.lib.testing.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _templates(db: Any) -> None:
    # A transactional test starts from a flushed database, without the migration's templates.
    ensure_templates()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    """Another person's browser next to ``page``: a fresh context, so its own session."""
    contexts: list[Any] = []

    def _open() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        contexts.append(context)
        opened = context.new_page()
        opened.set_default_timeout(15000)
        return opened

    yield _open
    for context in contexts:
        context.close()


def _open_duties(page: Any) -> None:
    page.locator("#nav a", has_text="责任体系").click()


def _assign(page: Any, post_name: str, person: Any) -> None:
    page.locator("#posts a", has_text=post_name).click()
    page.wait_for_selector("#assign-form")
    page.select_option("#id_person", str(person.pk))
    page.click("#assign-form button[type=submit]")
    page.wait_for_selector(".messages .msg-success")
    holders = page.locator("#holders").inner_text()
    assert person.display_name in holders and "未签字" in holders


def _cells(row: Any) -> list[str]:
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def test_the_teacher_signs_the_list_the_principal_gave_and_the_county_counts_it(
    page, desktop, live_server, school_principal, teacher, guard, county_officer, world
):
    # 实名制: a post goes only to a person with a full name on record.
    teacher.display_name = "张晓红"
    teacher.save(update_fields=["display_name"])
    guard.display_name = "赵建国"
    guard.save(update_fields=["display_name"])
    school = world.school_a1

    # 1. The principal opens 责任体系 and creates the school's posts from the templates.
    log_in(page, live_server.url, "school_principal", PASSWORD)
    _open_duties(page)
    page.wait_for_selector("#duty-tabs")
    assert page.url.endswith(f"/duties/org/{school.pk}/")
    assert "尚无岗位。" in page.locator("#posts").inner_text()
    shot(page, "duties-1-empty-zh")
    page.click("#create-from-templates")
    page.wait_for_selector(".messages .msg-success")
    assert Post.objects.filter(org=school).count() == 9
    posts = page.locator("#posts").inner_text()
    assert "已按模板添加 9 个岗位。" in page.locator(".messages").inner_text()
    assert "班主任" in posts and "门卫（保安）" in posts and "尚无岗位。" not in posts
    shot(page, "duties-2-posts-from-templates-zh")

    # 2. The teacher holds 班主任; the guard holds the gate post (and will not sign).
    _assign(page, "班主任", teacher)
    shot(page, "duties-3-head-teacher-assigned-zh")
    page.locator("#duty-tabs a", has_text="岗位与清单").click()
    _assign(page, "门卫（保安）", guard)
    head_teacher = Post.objects.get(org=school, name="班主任")
    assignment = PostAssignment.objects.get(post=head_teacher, person=teacher)
    assert assignment.signed_version == 0  # never signed

    # 3. The teacher finds the list under 责任体系 → 我的清单, ticks the box and signs.
    holder = desktop()
    log_in(holder, live_server.url, "teacher", PASSWORD)
    _open_duties(holder)
    holder.wait_for_selector(f"#list-{assignment.pk}")
    assert holder.locator("h1").inner_text() == "我的责任清单"
    section = holder.locator(f"#list-{assignment.pk}")
    assert "班主任" in section.locator("h2").inner_text()
    assert "待签字" in section.locator("h2").inner_text()
    assert section.locator("ol li").count() == len(head_teacher.duties)
    # Without the tick the browser refuses to send the form: nothing is signed.
    box = section.get_by_label("我已阅读并接受以上职责。")
    assert box.evaluate("el => el.validity.valueMissing && !el.form.checkValidity()")
    holder.click(f"#sign-{assignment.pk}")
    assert box.evaluate("el => el.matches(':invalid')") and not box.is_checked()
    assert not Acknowledgement.objects.exists()
    box.check()
    shot(holder, "duties-4-my-lists-to-sign-zh")
    holder.click(f"#sign-{assignment.pk}")
    holder.wait_for_selector(".messages .msg-success")
    assert "已签字，谢谢。" in holder.locator(".messages").inner_text()
    section = holder.locator(f"#list-{assignment.pk}")
    assert "已签字" in section.locator("h2").inner_text()
    assert holder.locator(f"#sign-{assignment.pk}").count() == 0
    assert "班主任" in holder.locator("#history").inner_text()
    ack = Acknowledgement.objects.get()
    assert (ack.assignment, ack.version) == (assignment, head_teacher.version)
    shot(holder, "duties-5-my-lists-signed-zh")

    # The same page in English through the header's language switch.
    holder.click("#lang-en")
    holder.wait_for_selector("html[lang=en]")
    assert holder.locator("h1").inner_text() == "My responsibility lists"
    assert "signed" in holder.locator(f"#list-{assignment.pk} h2").inner_text()
    assert "What I have signed" in holder.locator("main").inner_text()
    shot(holder, "duties-my-lists-en")
    holder.click("#lang-zh-hans")
    holder.wait_for_selector("html[lang=zh-hans]")

    # 4. The principal sees the post signed, the gate post still unsigned.
    page.goto(f"{live_server.url}/duties/posts/{head_teacher.pk}/")
    holders = page.locator("#holders").inner_text()
    assert "张晓红" in holders and "已签字" in holders and "未签字" not in holders
    assert "张晓红" in page.locator("#signatures").inner_text()
    page.locator("#duty-tabs a", has_text="岗位与清单").click()
    rows = {
        _cells(row)[0]: _cells(row)[3]
        for row in page.locator("#posts tr").all()
        if row.locator("td").count() == 4
    }
    assert rows["班主任"] == "张晓红 已签字"
    assert rows["门卫（保安）"] == "赵建国 未签字"
    shot(page, "duties-6-principal-sees-signed-zh")

    # 5. The county officer: the roll-up of the county's schools and who has not signed.
    officer = desktop()
    log_in(officer, live_server.url, "county_officer", PASSWORD)
    _open_duties(officer)
    officer.wait_for_selector("#rollup")
    assert officer.url.endswith(f"/duties/org/{world.county_a.pk}/")
    row = officer.locator("#rollup tr", has_text=school.name)
    # School, posts, posts without holder, holders, signed, unsigned.
    assert _cells(row) == [school.name, "9", "7", "2", "1", "1"]
    other = officer.locator("#rollup tr", has_text=world.school_a2.name)
    assert _cells(other)[1:] == ["0", "0", "0", "0", "0"]
    assert world.school_b1.name not in officer.locator("#rollup").inner_text()
    totals = officer.locator("#rollup-totals .card").all_inner_texts()
    assert [t.split() for t in totals] == [
        ["2", "学校数"],
        ["1", "未设岗位的学校"],
        ["2", "在岗人员"],
        ["1", "已签字"],
        ["1", "未签字"],
    ]
    shot(officer, "duties-7-county-rollup-zh")
    officer.locator("#duty-tabs a", has_text="未签字").click()
    officer.wait_for_selector("#unsigned")
    unsigned = officer.locator("#unsigned tr").all()[1:]
    assert [_cells(r)[:3] for r in unsigned] == [[school.name, "门卫（保安）", "赵建国"]]
    shot(officer, "duties-8-county-unsigned-zh")

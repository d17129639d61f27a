"""责任书: a bureau issues the year's letter to its units; each unit signs its own copy."""

import base64
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from safecampus.duties import actions_letters
from safecampus.duties.files import MAX_BYTES
from safecampus.duties.models import LetterCopy, ResponsibilityLetter
from safecampus.duties.queries import board_totals, letter_board
from safecampus.duties.tests.helpers import post_json
from safecampus.lib.errors import ActionError

API = "/api/v1/responsibilities/letters"
YEAR = timezone.localdate().year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def letter(county_officer, world):
    return actions_letters.do_issue_letter(
        county_officer, world.county_a, year=YEAR, title="安全工作目标责任书", text="……"
    )


def test_a_county_issues_to_all_its_schools_and_the_principal_signs(
    letter, as_user, school_principal, world
):
    assert {c.recipient for c in letter.copies.all()} == {world.school_a1, world.school_a2}
    copy = LetterCopy.objects.get(recipient=world.school_a1)
    response = post_json(as_user(school_principal), f"{API}/{copy.pk}/sign", {})
    assert response.status_code == 200 and response.json()["state"] == "signed"
    assert response.json()["signed_on"] == str(timezone.localdate())
    again = post_json(as_user(school_principal), f"{API}/{copy.pk}/sign", {})
    assert again.status_code == 409


def test_the_board_counts_issued_signed_and_not_issued(letter, school_principal, world, city_admin):
    copy = LetterCopy.objects.get(recipient=world.school_a1)
    actions_letters.do_sign_letter(school_principal, copy)
    totals = board_totals(letter_board(world.county_a, YEAR))
    assert totals == {"units": 2, "issued": 2, "signed": 1, "not_issued": 0}
    city = board_totals(letter_board(world.city, YEAR))
    # The city's units: its two counties and its direct school; none has a city letter yet.
    assert city == {"units": 3, "issued": 0, "signed": 0, "not_issued": 3}


def test_the_issuer_cannot_sign_for_the_school(
    letter, as_user, county_officer, county_viewer, world
):
    copy = LetterCopy.objects.get(recipient=world.school_a1)
    assert post_json(as_user(county_officer), f"{API}/{copy.pk}/sign", {}).status_code == 403
    assert post_json(as_user(county_viewer), f"{API}/{copy.pk}/sign", {}).status_code == 403
    copy.refresh_from_db()
    assert copy.state == "issued"


def test_letters_by_api_for_each_persona(
    as_user, city_admin, other_county_officer, county_viewer, world
):
    body = {"issuer": world.city.pk, "year": YEAR, "title": "市级责任书", "text": "……"}
    created = post_json(as_user(city_admin), API, body)
    assert created.status_code == 201
    assert {c["recipient"]["code"] for c in created.json()} == {"CA", "CB", "SD1"}
    assert (
        post_json(
            as_user(other_county_officer), API, {**body, "issuer": world.county_a.pk}
        ).status_code
        == 404
    )
    assert (
        post_json(as_user(county_viewer), API, {**body, "issuer": world.county_a.pk}).status_code
        == 403
    )
    seen = as_user(other_county_officer).get(f"{API}?year={YEAR}").json()
    assert [c["recipient"]["code"] for c in seen] == ["CB"]
    board = as_user(city_admin).get(f"{API}/board?org={world.city.pk}&year={YEAR}").json()
    assert board["totals"] == {"units": 3, "issued": 3, "signed": 0, "not_issued": 0}
    assert (
        as_user(other_county_officer).get(f"{API}/board?org={world.county_a.pk}").status_code == 404
    )


def test_a_unit_outside_the_bureau_is_refused_and_nothing_is_written(
    as_user, county_officer, world
):
    body = {"issuer": world.county_a.pk, "year": YEAR, "title": "责任书", "text": "……"}
    # A school of another county: not in the officer's area at all.
    other = post_json(as_user(county_officer), API, {**body, "recipients": [world.school_b1.pk]})
    assert other.status_code == 422 and "recipients" in other.json()["errors"]
    # The county itself is not one of its own units.
    itself = post_json(as_user(county_officer), API, {**body, "recipients": [world.county_a.pk]})
    assert itself.status_code == 422 and "recipients" in itself.json()["errors"]
    no_text = post_json(as_user(county_officer), API, {**body, "text": ""})
    assert no_text.status_code == 422 and "text" in no_text.json()["errors"]
    bad_year = post_json(as_user(county_officer), API, {**body, "year": 1990})
    assert bad_year.status_code == 422 and "year" in bad_year.json()["errors"]
    assert not ResponsibilityLetter.objects.exists() and not LetterCopy.objects.exists()


def test_a_file_is_checked_by_content_and_served_only_to_those_who_see_the_letter(
    as_user, county_officer, school_principal, other_county_officer, world
):
    body = {"issuer": world.county_a.pk, "year": YEAR, "title": "责任书"}
    fake = {"name": "letter.pdf", "data": base64.b64encode(b"MZ not a pdf").decode()}
    refused = post_json(as_user(county_officer), API, {**body, "file": fake})
    assert refused.status_code == 422 and "file" in refused.json()["errors"]
    good = {"name": "2026责任书.pdf", "data": base64.b64encode(PDF).decode()}
    created = post_json(as_user(county_officer), API, {**body, "file": good})
    assert created.status_code == 201
    url = created.json()[0]["file_url"]
    download = as_user(school_principal).get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    assert as_user(other_county_officer).get(url).status_code == 404


def test_a_file_over_10_mb_is_refused(county_officer, world):
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_BYTES, "application/pdf")
    with pytest.raises(ActionError) as error:
        actions_letters.do_issue_letter(
            county_officer, world.county_a, year=YEAR, title="责任书", upload=big
        )
    assert "10 MB" in str(error.value)
    assert not ResponsibilityLetter.objects.exists()


def test_the_pages_issue_and_sign(as_user, county_officer, school_principal, world):
    officer = as_user(county_officer)
    new = reverse("duties:letter_new", args=[world.county_a.pk])
    assert officer.get(new).status_code == 200
    upload = SimpleUploadedFile("letter.pdf", PDF, "application/pdf")
    response = officer.post(new, {"year": YEAR, "title": "安全责任书", "text": "", "file": upload})
    assert response.status_code == 302
    board = officer.get(response.url)
    assert board.status_code == 200 and board.context["totals"]["issued"] == 2
    copy = LetterCopy.objects.get(recipient=world.school_a1)
    principal = as_user(school_principal)
    page = principal.get(f"{reverse('duties:letters')}?org={world.school_a1.pk}&year={YEAR}")
    assert page.status_code == 200 and "安全责任书" in page.content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    refused = principal.post(reverse("duties:letter_sign", args=[copy.pk]), {"signed_on": future})
    assert refused.status_code == 422
    copy.refresh_from_db()
    assert copy.state == "issued"
    signed = principal.post(
        reverse("duties:letter_sign", args=[copy.pk]),
        {"signed_on": timezone.localdate().isoformat()},
    )
    assert signed.status_code == 302
    copy.refresh_from_db()
    assert copy.state == "signed" and copy.signed_by == school_principal

"""Reporting a hazard on the page (上报): phone form, photos, retries, bad input."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from safecampus.hazards.models import Hazard, HazardPhoto
from safecampus.hazards.tests.helpers import jpeg

URL = reverse("hazards:new")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _form(school, categories, **overrides):
    data = {
        "school": school.pk,
        "source": "self_check",
        "category": categories["fire"].pk,
        "severity": "general",
        "title": "消防通道堆放杂物",
        "description": "一楼东侧消防通道堆放桌椅",
        "location": "教学楼一楼",
        "found_on": timezone.localdate().isoformat(),
        "rectification_type": "deadline",
        "interim_measures": "已设警示牌",
        "client_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_form_preselects_the_teachers_school_and_offers_the_camera(as_user, teacher, world):
    response = as_user(teacher).get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["school"] == world.school_a1.pk
    html = response.content.decode()
    assert 'accept="image/*"' in html and 'capture="environment"' in html and "multiple" in html
    assert 'name="client_id"' in html and 'enctype="multipart/form-data"' in html


def test_each_drawing_of_the_form_carries_a_new_client_id(as_user, teacher, world):
    client = as_user(teacher)
    ids = {str(client.get(URL).context["form"]["client_id"].value()) for _ in range(2)}
    assert len(ids) == 2


def test_a_teacher_reports_a_hazard_with_a_photo(as_user, teacher, world, categories):
    data = _form(world.school_a1, categories, photos_before=[jpeg("a.jpg"), jpeg("b.jpg")])
    response = as_user(teacher).post(URL, data)
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "hazards:detail", args=[hazard.pk]
    )
    assert (hazard.state, hazard.org, hazard.finder) == ("reported", world.school_a1, teacher)
    assert hazard.interim_measures == "已设警示牌"
    assert HazardPhoto.objects.filter(hazard=hazard, kind="before").count() == 2


def test_a_retried_post_creates_one_hazard(as_user, teacher, world, categories):
    client = as_user(teacher)
    data = _form(world.school_a1, categories)
    first = client.post(URL, data)
    again = client.post(URL, data)
    assert Hazard.objects.count() == 1
    assert first.url == again.url


def test_a_fix_on_the_spot_without_an_after_photo_is_refused(as_user, teacher, world, categories):
    data = _form(
        world.school_a1, categories, rectification_type="immediate", photos_before=[jpeg()]
    )
    response = as_user(teacher).post(URL, data)
    assert response.status_code == 422
    assert "photos_after" in response.context["form"].errors
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()


def test_a_fix_on_the_spot_with_both_photos_awaits_verification(
    as_user, teacher, world, categories
):
    data = _form(
        world.school_a1,
        categories,
        rectification_type="immediate",
        photos_before=[jpeg()],
        photos_after=[jpeg()],
    )
    assert as_user(teacher).post(URL, data).status_code == 302
    assert Hazard.objects.get().state == "awaiting_verification"


def test_a_file_that_is_not_a_photo_gets_a_clear_error(as_user, teacher, world, categories):
    fake = SimpleUploadedFile("evil.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = as_user(teacher).post(URL, _form(world.school_a1, categories, photos_before=[fake]))
    assert response.status_code == 422
    assert "JPEG" in str(response.context["form"].errors["photos_before"])
    assert not Hazard.objects.exists() and not HazardPhoto.objects.exists()


def test_an_oversize_photo_is_refused(as_user, teacher, world, categories):
    big = SimpleUploadedFile("big.jpg", b"\xff" * (15 * 1024 * 1024 + 1), content_type="image/jpeg")
    response = as_user(teacher).post(URL, _form(world.school_a1, categories, photos_before=[big]))
    assert response.status_code == 422
    assert "15 MB" in str(response.context["form"].errors["photos_before"])
    assert not Hazard.objects.exists()


def test_png_and_webp_are_accepted_and_re_encoded(as_user, teacher, world, categories):
    uploads = []
    for fmt in ("PNG", "WEBP"):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (0, 90, 200)).save(buffer, format=fmt)
        uploads.append(SimpleUploadedFile(f"p.{fmt.lower()}", buffer.getvalue()))
    response = as_user(teacher).post(URL, _form(world.school_a1, categories, photos_before=uploads))
    assert response.status_code == 302
    for photo in HazardPhoto.objects.all():
        with photo.image.open("rb") as f:
            assert Image.open(f).format == "JPEG"


def test_missing_fields_and_a_future_date_are_form_errors(as_user, teacher, world, categories):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = _form(world.school_a1, categories, title="", found_on=tomorrow.isoformat())
    response = as_user(teacher).post(URL, data)
    assert response.status_code == 400
    assert {"title", "found_on"} <= set(response.context["form"].errors)
    assert not Hazard.objects.exists()


def test_state_and_org_path_cannot_be_smuggled_in(as_user, teacher, world, categories):
    data = _form(world.school_a1, categories, state="closed", org_path="0001", verifier=teacher.pk)
    as_user(teacher).post(URL, data)
    hazard = Hazard.objects.get()
    assert hazard.state == "reported" and hazard.org_path == world.school_a1.path
    assert hazard.verifier is None


def test_a_school_outside_the_users_reach_is_not_offered(as_user, teacher, world, categories):
    response = as_user(teacher).post(URL, _form(world.school_b1, categories))
    assert response.status_code == 400 and "school" in response.context["form"].errors
    assert not Hazard.objects.exists()


def test_the_outsider_cannot_report_at_another_countys_school(
    as_user, other_county_officer, world, categories
):
    response = as_user(other_county_officer).post(URL, _form(world.school_a1, categories))
    assert response.status_code == 400
    assert not Hazard.objects.exists()


def test_the_read_only_viewer_gets_403(as_user, county_viewer, world, categories):
    client = as_user(county_viewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(world.school_a1, categories)).status_code == 403
    assert not Hazard.objects.exists()


def test_a_county_officer_picks_among_the_countys_schools(as_user, county_officer, world):
    form = as_user(county_officer).get(URL).context["form"]
    assert set(form.fields["school"].queryset) == {world.school_a1, world.school_a2}
    assert "school" not in form.initial

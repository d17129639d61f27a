"""Photos are served through a permission-checked view, never a public media URL."""

import pytest
from django.urls import reverse

from safecampus.hazards.tests.helpers import jpeg, report


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo(teacher, world, categories):
    hazard = report(
        teacher, world.school_a1, categories, photos=[("before", jpeg(size=(900, 600)))]
    )
    return hazard.photos.get()


def test_a_person_in_scope_gets_the_photo_and_its_thumbnail(as_user, county_viewer, photo):
    client = as_user(county_viewer)
    full = client.get(reverse("hazards:photo", args=[photo.pk]))
    thumb = client.get(reverse("hazards:photo_thumb", args=[photo.pk]))
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert "private" in full["Cache-Control"]
    full_bytes, thumb_bytes = b"".join(full.streaming_content), b"".join(thumb.streaming_content)
    assert full_bytes.startswith(b"\xff\xd8") and len(thumb_bytes) < len(full_bytes)


def test_the_outsider_gets_404(as_user, other_county_officer, photo):
    client = as_user(other_county_officer)
    assert client.get(reverse("hazards:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("hazards:photo_thumb", args=[photo.pk])).status_code == 404


def test_a_missing_photo_is_404(as_user, teacher, photo):
    assert as_user(teacher).get(reverse("hazards:photo", args=[photo.pk + 99])).status_code == 404


def test_the_detail_page_links_no_media_url(as_user, teacher, photo):
    html = as_user(teacher).get(reverse("hazards:detail", args=[photo.hazard_id])).content.decode()
    assert "/media/" not in html and reverse("hazards:photo", args=[photo.pk]) in html

"""Photo intake: phone formats accepted, location data dropped, bad files refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safecampus.hazards.photos import MAX_BYTES, process_photo
from safecampus.lib.errors import ActionError


def _upload(data: bytes, name: str = "x") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _image_bytes(fmt: str, **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (10, 120, 200)).save(buffer, format=fmt, **save)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_phone_formats_become_jpeg_with_a_thumbnail(fmt):
    image, thumb = process_photo(_upload(_image_bytes(fmt)))
    for content in (image, thumb):
        with Image.open(io.BytesIO(content.read())) as decoded:
            assert decoded.format == "JPEG"


def test_gps_location_in_exif_is_dropped():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    image, _thumb = process_photo(_upload(_image_bytes("JPEG", exif=exif.tobytes())))
    with Image.open(io.BytesIO(image.read())) as decoded:
        assert not decoded.getexif()


def test_a_non_image_is_refused_with_a_clear_message():
    with pytest.raises(ActionError) as exc:
        process_photo(_upload(b"%PDF-1.4 not a photo"), "photos_before")
    assert "photos_before" in exc.value.errors


def test_an_oversize_file_is_refused():
    big = SimpleUploadedFile("big.jpg", b"0" * (MAX_BYTES + 1))
    with pytest.raises(ActionError):
        process_photo(big)

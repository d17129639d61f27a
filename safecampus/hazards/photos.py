"""Photo intake: validated by content, size-capped, re-encoded (which drops EXIF and its GPS
location), downscaled, with a thumbnail (DESIGN.md "Files")."""

from __future__ import annotations

import io
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from safecampus.lib.errors import ActionError

MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 2560
THUMB_SIDE = 320
ACCEPTED = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs well before memory suffers

try:  # HEIC/HEIF from iPhones, when pillow-heif is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - optional
    pass


def _encode(image: Image.Image, side: int, quality: int) -> ContentFile[bytes]:
    copy = image.copy()
    copy.thumbnail((side, side))
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=quality, optimize=True)  # no exif= : none kept
    return ContentFile(buffer.getvalue(), name="photo.jpg")


def process_photo(
    upload: IO[bytes] | Any, field: str = "photos"
) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """(image, thumbnail) as JPEG, or an ActionError on ``field`` a person can act on."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ActionError(_("A photo may be at most 15 MB."), field)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ActionError(_("A photo may be at most 15 MB."), field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        opened = Image.open(io.BytesIO(data))
        if opened.format not in ACCEPTED:
            raise UnidentifiedImageError(opened.format)
        upright = ImageOps.exif_transpose(opened)  # keep the picture upright, then drop EXIF
        image = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ActionError(
            _("This file is not a photo SafeCampus can read (JPEG, PNG, WebP or HEIC)."), field
        ) from None
    return _encode(image, MAX_SIDE, 85), _encode(image, THUMB_SIDE, 75)

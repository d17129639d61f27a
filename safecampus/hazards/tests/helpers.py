"""Small builders for hazard tests."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from safecampus.hazards import actions
from safecampus.hazards.models import Hazard

FOUND = datetime.date(2026, 3, 2)


def jpeg(name: str = "p.jpg", size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> Any:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif is not None:
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def report(actor: Any, school: Any, categories: dict[str, Any], **fields: Any) -> Hazard:
    values = {
        "source": "self_check",
        "category": categories["fire"],
        "severity": "general",
        "title": "灭火器过期",
        "description": "二楼走廊灭火器已过期",
        "location": "教学楼二楼",
        "found_on": FOUND,
        "rectification_type": "deadline",
    }
    photos = fields.pop("photos", ())
    values.update(fields)
    hazard, _created = actions.do_report_hazard(actor, school, values, photos=photos)
    return hazard

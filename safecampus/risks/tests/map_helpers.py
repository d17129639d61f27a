"""Readable test data for the four-colour map tests: points at a level, a plan image, an open
major hazard on a point."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from safecampus.hazards.models import Hazard
from safecampus.orgs.models import Organization
from safecampus.risks.models import CampusArea, RiskCategory, RiskPoint

RECT = {"type": "rect", "points": [[0.1, 0.1], [0.4, 0.5]]}
TRIANGLE = {"type": "polygon", "points": [[0.5, 0.1], [0.9, 0.1], [0.7, 0.6]]}


def category() -> RiskCategory:
    found, _ = RiskCategory.objects.get_or_create(
        code="fire", defaults={"name_zh": "消防安全", "name_en": "Fire"}
    )
    return found


def point(
    school: Organization,
    level: str = "",
    *,
    area: CampusArea | None = None,
    hazard: str = "灭火器过期失效",
    **fields: Any,
) -> RiskPoint:
    return RiskPoint.objects.create(
        school=school,
        org_path=school.path,
        category=category(),
        hazard=hazard,
        level=level,
        area=area,
        **fields,
    )


def area(school: Organization, name: str, shape: dict[str, Any] | None = None, **fields: Any):
    return CampusArea.objects.create(school=school, name=name, shape=shape, **fields)


def open_major_hazard(target: RiskPoint, hazard_categories: dict[str, Any]) -> Hazard:
    return Hazard.objects.create(
        org=target.school,
        org_path=target.school.path,
        source="self_check",
        category=hazard_categories["fire"],
        title="消防通道被堵",
        found_on=timezone.localdate(),
        state="assigned",
        severity="major",
        risk_point=target,
    )


def png(width: int = 800, height: int = 500) -> bytes:
    """A campus plan drawn like a real one: buildings as outlined boxes on a light ground."""
    image = Image.new("RGB", (width, height), (246, 244, 236))
    draw = ImageDraw.Draw(image)
    for box in [(0.08, 0.1, 0.42, 0.5), (0.5, 0.1, 0.9, 0.45), (0.1, 0.6, 0.55, 0.92)]:
        x1, y1, x2, y2 = (
            round(v * s) for v, s in zip(box, (width, height, width, height), strict=True)
        )
        draw.rectangle((x1, y1, x2, y2), outline=(60, 60, 60), width=3, fill=(225, 225, 215))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload(data: bytes | None = None, name: str = "plan.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else png(), "image/png")

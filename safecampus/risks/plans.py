"""Campus plan intake and area shapes for the four-colour map (四色图, DOMAIN.md §3.3).

A plan image is checked by its content (not its name), size-capped, re-encoded (no metadata
kept) and downscaled, as hazard photos are (DESIGN.md "Files"). A shape is a rectangle or a
polygon in fractions 0..1 of the image, so it stays put when the image is replaced by a
sharper scan of the same plan.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from safecampus.lib.errors import ActionError

try:  # HEIC/HEIF from phones, when pillow-heif is installed (as for hazard photos)
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - optional
    pass

MAX_BYTES = 15 * 1024 * 1024
# Big enough to read room labels on an A3 print, small enough to load on a school laptop.
MAX_SIDE = 4000
ACCEPTED = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
# Refuse decompression bombs well before memory suffers (the same cap as hazards/photos.py).
Image.MAX_IMAGE_PIXELS = 60_000_000
MIN_POLYGON, MAX_POLYGON = 3, 50


@dataclass(frozen=True)
class PlanImage:
    content: ContentFile[bytes]
    width: int
    height: int


def process_plan(upload: IO[bytes] | Any, field: str = "image") -> PlanImage:
    """The re-encoded plan, or an ActionError on ``field`` a person can act on."""
    too_big = _("A plan image may be at most 15 MB.")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ActionError(too_big, field)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ActionError(too_big, field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        opened = Image.open(io.BytesIO(data))
        if opened.format not in ACCEPTED:
            raise UnidentifiedImageError(opened.format)
        source_format = opened.format
        image = ImageOps.exif_transpose(opened)
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ActionError(
            _("This file is not an image SafeCampus can read (JPEG, PNG, WebP or HEIC)."), field
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    # Drawn plans are lines and text: PNG keeps them crisp; photos and scans go to JPEG.
    if source_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(buffer, format="PNG", optimize=True)
        name = "plan.png"
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=88, optimize=True)
        name = "plan.jpg"
    return PlanImage(ContentFile(buffer.getvalue(), name=name), image.width, image.height)


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or number < 0 or number > 1:
        return None
    return round(number, 5)


def clean_shape(raw: Any, field: str = "shape") -> dict[str, Any]:
    """A shape as stored: {"type": "rect", "points": [[x1, y1], [x2, y2]]} (two opposite
    corners, sorted) or {"type": "polygon", "points": [[x, y], ...]} with 3–50 points, every
    number a fraction 0..1 of the image. Accepts the dict or its JSON text."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ActionError(
                _("The shape could not be read: draw the area again."), field
            ) from None
    if not isinstance(raw, dict) or raw.get("type") not in ("rect", "polygon"):
        raise ActionError(_("A shape is a rectangle or a polygon."), field)
    points = raw.get("points")
    if not isinstance(points, list):
        raise ActionError(_("The shape has no points: draw the area again."), field)
    cleaned: list[list[float]] = []
    for point in points:
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise ActionError(_("Each point of a shape is a pair of numbers (x, y)."), field)
        x, y = _fraction(point[0]), _fraction(point[1])
        if x is None or y is None:
            raise ActionError(
                _("Every point must lie on the plan (numbers between 0 and 1)."), field
            )
        cleaned.append([x, y])
    if raw["type"] == "rect":
        if len(cleaned) != 2:
            raise ActionError(_("A rectangle is given by two opposite corners."), field)
        (x1, y1), (x2, y2) = cleaned
        if x1 == x2 or y1 == y2:
            raise ActionError(_("The rectangle has no area: drag across the plan."), field)
        cleaned = [[min(x1, x2), min(y1, y2)], [max(x1, x2), max(y1, y2)]]
    elif not MIN_POLYGON <= len(cleaned) <= MAX_POLYGON:
        raise ActionError(
            _("A polygon has between %(low)d and %(high)d points; this one has %(n)d.")
            % {"low": MIN_POLYGON, "high": MAX_POLYGON, "n": len(cleaned)},
            field,
        )
    return {"type": raw["type"], "points": cleaned}


def vertices(shape: dict[str, Any]) -> list[tuple[float, float]]:
    """The corners of a stored shape, as fractions (a rectangle's four)."""
    points = [(float(x), float(y)) for x, y in shape["points"]]
    if shape["type"] == "rect":
        (x1, y1), (x2, y2) = points
        return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    return points


def label_point(shape: dict[str, Any]) -> tuple[float, float]:
    """Where the area's name is written: the middle of its bounding box."""
    corners = vertices(shape)
    xs, ys = [x for x, _y in corners], [y for _x, y in corners]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2

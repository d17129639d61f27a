"""Intake of a responsibility letter's file (责任书扫描件): PDF, image or Word, recognised by
its content (not its name or the browser's claim), at most 10 MB. Served only through the
permission-checked view (views_letters.letter_file)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import IO, Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from safecampus.lib.errors import ActionError

MAX_BYTES = 10 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _kind(head: bytes, content: bytes) -> tuple[str, str] | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX, "docx"
        except zipfile.BadZipFile:
            return None
    return None


def accept_letter_file(upload: IO[bytes] | Any, field: str = "file") -> dict[str, Any]:
    """{file, file_name, file_type, file_size, file_sha256} for the model, or an ActionError."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ActionError(_("The file is larger than 10 MB."), field)
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ActionError(_("The file is larger than 10 MB."), field)
    kind = _kind(content[:8], content)
    if kind is None:
        raise ActionError(_("Send a PDF, a JPEG or PNG image, or a Word (.docx) file."), field)
    content_type, extension = kind
    name = str(getattr(upload, "name", "") or f"letter.{extension}").rsplit("/", 1)[-1]
    return {
        "file": ContentFile(content, name=f"letter.{extension}"),
        "file_name": name[:200],
        "file_type": content_type,
        "file_size": len(content),
        "file_sha256": hashlib.sha256(content).hexdigest(),
    }

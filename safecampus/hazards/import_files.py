"""Staged ledger uploads (the dry run's file, kept under MEDIA_ROOT for the commit).

They share the ImportBatch table of the school lists (orgs.models) and are told apart by their
folder, imports/hazards/: the commit re-reads this file, never data sent back by the browser.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import IO, Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from safecampus.hazards.importer import ImportPlan, plan_import
from safecampus.lib.xlsx import XlsxError
from safecampus.orgs.models import ImportBatch

STALE_AFTER = timedelta(days=1)
STAGE_DIR = "imports/hazards"


def sha256_of(fileobj: IO[bytes]) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(64 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def stage_batch(user: Any, upload: UploadedFile, plan: ImportPlan) -> ImportBatch:
    """Keep a checked upload under MEDIA_ROOT/imports/hazards/ for its commit.

    Only the file and its counts are stored: no hazard is written until the commit, which
    reads this file again (never data sent back by the browser). The person's stale
    uncommitted ledgers are removed on the way.
    """
    discard_stale_batches(user)
    sha = sha256_of(upload)
    name = default_storage.save(f"{STAGE_DIR}/{user.pk}/{uuid.uuid4().hex}.xlsx", upload)
    batch = ImportBatch(
        created_by=user,
        original_name=(upload.name or "ledger.xlsx")[:200],
        sha256=sha,
        size=upload.size or 0,
        rows=len(plan.rows),
        created=plan.new_count,
        updated=0,
    )
    batch.file.name = name
    batch.save()
    return batch


def _batches(user: Any) -> Any:
    return ImportBatch.objects.filter(created_by=user, file__startswith=f"{STAGE_DIR}/")


def discard_stale_batches(user: Any) -> None:
    cutoff = timezone.now() - STALE_AFTER
    for batch in _batches(user).filter(committed_at__isnull=True, uploaded_at__lt=cutoff):
        batch.file.delete(save=False)
        batch.delete()


def get_batch_for_user(user: Any, pk: Any) -> ImportBatch:
    """A hazard ledger upload of this person's; anybody else's (or a school list) is 404."""
    try:
        return _batches(user).get(pk=int(pk))
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404("import") from None


def plan_batch(user: Any, batch: ImportBatch) -> ImportPlan:
    """Check the stored file again (the database may have changed since the dry run)."""
    try:
        handle = batch.file.open("rb")
    except OSError:
        raise XlsxError(_("The uploaded file is no longer available; upload it again.")) from None
    with handle:
        if sha256_of(handle) != batch.sha256:
            raise XlsxError(_("The uploaded file has changed on the server; upload it again."))
        return plan_import(user, handle)

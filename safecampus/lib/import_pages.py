"""The pages of an Excel import: upload and dry run, the stored dry run again, commit.

Every kind of import has the same three steps; an app names its capability, its staged
uploads, its templates (``<app>/import.html``, ``<app>/import_preview.html``,
``<app>/import_done.html``) and ``write``, which calls its action, and takes the three views
from ``ImportPages.views()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.http import current_user, require_anywhere
from safecampus.lib.imports import Plan, PlanT, StagedUploads
from safecampus.lib.xlsx import XlsxError
from safecampus.orgs.models import ImportBatch

View = Callable[..., HttpResponse]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


def _batch_only(batch: ImportBatch) -> dict[str, Any]:
    return {"batch": batch}


@dataclass(frozen=True)
class ImportPages(Generic[PlanT]):
    """Upload → dry run → commit for one kind of import.

    ``write(request, batch, plan)`` writes a clean plan with the app's action (one
    transaction) and answers the page to show. ``already_imported`` gives the context of the
    done page shown (409) when a batch was committed before; ``failure_log`` is logged with
    the batch's pk when the database fails.
    """

    cap: str
    uploads: StagedUploads[PlanT]
    app: str
    write: Callable[[HttpRequest, ImportBatch, PlanT], HttpResponse]
    logger: logging.Logger
    failure_log: str
    already_imported: Callable[[ImportBatch], dict[str, Any]] = _batch_only

    def views(self) -> tuple[View, View, View]:
        """The upload (GET and POST), preview (GET) and commit (POST) views, behind login."""
        return (
            login_required(self.upload),
            login_required(require_GET(self.preview)),
            login_required(require_POST(self.commit)),
        )

    def upload(self, request: HttpRequest) -> HttpResponse:
        """The upload form; a posted file is checked and, if it may be committed, staged."""
        require_anywhere(request, self.cap)
        user = current_user(request)
        if request.method != "POST":
            return self.upload_page(request, UploadForm())
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.upload_page(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            plan = self.uploads.plan_file(user, upload)
        except XlsxError as exc:
            form.add_error("file", exc.message)
            return self.upload_page(request, form, status=400)
        if not plan.can_commit:
            return self.preview_page(request, plan, None, upload.name, status=_status(plan))
        batch = self.uploads.stage(user, upload, plan)
        return self.preview_page(request, plan, batch, batch.original_name)

    def stored_plan(
        self, request: HttpRequest, pk: int
    ) -> tuple[ImportBatch, PlanT] | HttpResponse:
        """The user's staged batch checked again, or the page to show instead."""
        require_anywhere(request, self.cap)
        batch = self.uploads.get_for_user(request.user, pk)
        if batch.is_committed:
            return self.done_again(request, batch)
        try:
            return batch, self.uploads.plan(request.user, batch)
        except XlsxError as exc:
            return self.upload_page(request, UploadForm(), status=400, problem=exc.message)

    def preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        checked = self.stored_plan(request, pk)
        if isinstance(checked, HttpResponse):
            return checked
        batch, plan = checked
        return self.preview_page(request, plan, batch, batch.original_name, status=_status(plan))

    def commit(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Check the stored file again and write every row in one transaction, or show why
        nothing was written."""
        checked = self.stored_plan(request, pk)
        if isinstance(checked, HttpResponse):
            return checked
        batch, plan = checked
        name = batch.original_name
        if not plan.ok:
            # The data changed since the dry run (e.g. someone took a code or lost a role):
            # show why, write nothing.
            return self.preview_page(request, plan, None, name, status=422)
        try:
            return self.write(request, batch, plan)
        except Conflict as exc:
            if ImportBatch.objects.filter(pk=batch.pk, committed_at__isnull=False).exists():
                return self.done_again(request, batch)
            return self.preview_page(request, plan, None, name, status=409, problem=str(exc))
        except ActionError as exc:
            return self.preview_page(request, plan, None, name, status=422, problem=str(exc))
        except DatabaseError:
            self.logger.exception(self.failure_log, batch.pk)
            problem = _("The import failed and nothing was saved. Try again in a moment.")
            return self.preview_page(request, plan, batch, name, status=500, problem=problem)

    def preview_page(
        self,
        request: HttpRequest,
        plan: PlanT,
        batch: ImportBatch | None,
        filename: str | None,
        *,
        status: int = 200,
        problem: str = "",
    ) -> HttpResponse:
        context = {
            "plan": plan,
            "batch": batch if plan.can_commit else None,
            "filename": filename or "",
            "problem": problem,
        }
        return render(request, f"{self.app}/import_preview.html", context, status=status)

    def done_again(self, request: HttpRequest, batch: ImportBatch) -> HttpResponse:
        context = self.already_imported(batch)
        return render(request, f"{self.app}/import_done.html", context, status=409)

    def upload_page(
        self, request: HttpRequest, form: UploadForm, status: int = 200, problem: str = ""
    ) -> HttpResponse:
        context = {"form": form, "max_rows": settings.IMPORT_MAX_ROWS, "problem": problem}
        return render(request, f"{self.app}/import.html", context, status=status)


def _status(plan: Plan[Any]) -> int:
    return 200 if plan.ok else 422

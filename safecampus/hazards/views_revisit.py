"""回头看: a bureau draws a sample of closed hazards of its area and records whether each fix
still holds; "recurred" reopens the hazard (DOMAIN.md §4.1 step 7)."""

from __future__ import annotations

import math
import random
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safecampus.hazards import actions_followup
from safecampus.hazards.choices import RevisitResult, State
from safecampus.hazards.forms import RevisitRecordForm, RevisitSampleForm
from safecampus.hazards.models import Hazard, Revisit
from safecampus.hazards.queries import get_hazard_for_user, ledger, revisit_areas
from safecampus.hazards.views_lifecycle import held_above
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.http import current_user
from safecampus.orgs.roles import Cap
from safecampus.web.views import safe_next

SAMPLE_LIMIT = 500


def _pool(user: Any, data: dict[str, Any]) -> QuerySet[Hazard]:
    """The closed hazards of the chosen area (and found-date range) the user may see, and
    those a revisit has reopened: a drawn sample stays the same after its results are in."""
    revisited = Revisit.objects.values("hazard_id")
    pool = ledger(user).filter(
        Q(state=State.CLOSED) | Q(pk__in=revisited), org_path__startswith=data["area"].path
    )
    if data.get("found_from"):
        pool = pool.filter(found_on__gte=data["found_from"])
    if data.get("found_to"):
        pool = pool.filter(found_on__lte=data["found_to"])
    return pool


def draw(ids: list[int], percent: int, seed: int) -> list[int]:
    """The same ids, share and seed always give the same sample (so it can be re-drawn)."""
    ordered = sorted(ids)
    size = min(len(ordered), math.ceil(len(ordered) * percent / 100))
    # Sampling for an inspection, not a secret: a seeded PRNG is what makes it reproducible.
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311


def _render(
    request: HttpRequest,
    form: RevisitSampleForm,
    rows: list[Hazard] | None = None,
    *,
    missing: list[int] | None = None,
    total: int = 0,
    status: int = 200,
) -> HttpResponse:
    area = form.cleaned_data.get("area") if form.is_bound and form.is_valid() else None
    return render(
        request,
        "hazards/revisits.html",
        {
            "form": form,
            "rows": rows,
            "area": area,
            "missing": missing or [],
            "total": total,
            "results": RevisitResult.choices,
            "here": request.get_full_path(),
            "limit": SAMPLE_LIMIT,
        },
        status=status,
    )


@login_required
def revisits(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    areas = revisit_areas(user)
    first = areas.first()
    if first is None:
        raise PermissionDenied(Cap.HAZARD_REVISIT)
    initial = {"area": first.pk, "mode": "percent", "percent": 10}
    if not request.GET:
        return _render(request, RevisitSampleForm(areas=areas, initial=initial))
    form = RevisitSampleForm(request.GET, areas=areas, initial=initial)
    if not form.is_valid():
        return _render(request, form, status=400)
    data = form.cleaned_data
    pool = _pool(user, data)
    missing: list[int] = []
    if data["mode"] == "percent":
        if data.get("seed") is None:
            # Fix the seed in the address, so the page (and its sample) can be reloaded and shared.
            params = request.GET.copy()
            params["seed"] = str(secrets.randbelow(2**31))
            return redirect(f"{request.path}?{params.urlencode()}")
        ids = list(pool.values_list("pk", flat=True))
        total = len(ids)
        chosen = draw(ids, data["percent"], data["seed"])
    else:
        wanted = data["ids"]
        # A list of numbers names its hazards; the found-date range does not narrow it.
        pool = _pool(user, {"area": data["area"]})
        chosen = sorted(pool.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [pk for pk in wanted if pk not in set(chosen)]
        total = len(chosen)
    latest = Revisit.objects.select_related("by", "org").order_by("-visited_on", "-id")
    rows = list(
        ledger(user)
        .filter(pk__in=chosen[:SAMPLE_LIMIT])
        .prefetch_related(Prefetch("revisits", queryset=latest))
        .order_by("found_on", "id")
    )
    for hazard in rows:
        hazard.record_form = RevisitRecordForm(  # type: ignore[attr-defined]
            areas=areas,
            prefix=f"r{hazard.pk}",
            initial={"area": data["area"].pk, "result": RevisitResult.HOLDS},
        )
    return _render(request, form, rows, missing=missing, total=total)


@login_required
@require_POST
def revisit_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    hazard = get_hazard_for_user(user, pk)
    if not held_above(user, Cap.HAZARD_REVISIT, hazard):
        raise PermissionDenied(Cap.HAZARD_REVISIT)
    areas = revisit_areas(user)
    form = RevisitRecordForm(request.POST, areas=areas, prefix=f"r{hazard.pk}")
    back = safe_next(request, fallback="")
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": errors})
        return _render(request, RevisitSampleForm(areas=areas), status=400)
    data = form.cleaned_data
    try:
        actions_followup.do_record_revisit(
            user,
            hazard,
            org=data["area"],
            result=data["result"],
            note=data["note"],
            request=request,
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return _render(request, RevisitSampleForm(areas=areas), status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
        return _render(request, RevisitSampleForm(areas=areas), status=409)
    if data["result"] == RevisitResult.RECURRED:
        messages.warning(
            request,
            _("%(number)s recurred and has been reopened for rectification.")
            % {"number": hazard.number},
        )
    else:
        messages.success(request, _("%(number)s: the fix holds.") % {"number": hazard.number})
    if back:
        return redirect(back)
    return redirect("hazards:detail", pk=hazard.pk)

"""Reporting a hazard (上报), made for a phone with a camera (§4.1 step 1, "Capture on a phone")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safecampus.hazards import actions
from safecampus.hazards.forms import ReportForm
from safecampus.hazards.models import HazardCategory
from safecampus.hazards.queries import report_schools
from safecampus.lib.errors import ActionError, Conflict
from safecampus.lib.forms import apply_action_error
from safecampus.lib.http import current_user
from safecampus.orgs.active import active_org
from safecampus.orgs.roles import Cap
from safecampus.risks.queries import get_point_for_user


def from_risk_point(user: Any, pk: str) -> dict[str, Any]:
    """The report prefilled from a risk point of a register ("Raise a hazard" on the point's
    page): its school, its text and place, the hazard category of the same code if any."""
    point = get_point_for_user(user, pk)
    place = " ".join(p for p in (point.area.name if point.area else "", point.location) if p)
    initial: dict[str, Any] = {
        "school": point.school_id,
        "risk_point": point.pk,
        "title": point.hazard[:120],
        "location": place[:120],
    }
    category = HazardCategory.objects.filter(code=point.category.code, active=True).first()
    if category is not None:
        initial["category"] = category.pk
    return initial


@login_required
def hazard_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    schools = report_schools(user)
    current = active_org(request)
    some = list(schools.values_list("pk", flat=True)[:2])
    if not some:
        raise PermissionDenied(Cap.HAZARD_REPORT)
    initial = {}
    if (
        current is not None
        and current.is_school
        and (current.pk in some or schools.filter(pk=current.pk).exists())
    ):
        initial["school"] = current.pk  # a school user's own school, preselected
    elif len(some) == 1:
        initial["school"] = some[0]
    if request.GET.get("risk_point"):
        initial.update(from_risk_point(user, request.GET["risk_point"]))
    if request.method != "POST":
        form = ReportForm(schools=schools, initial=initial)
        return render(request, "hazards/report.html", {"form": form})
    form = ReportForm(request.POST, request.FILES, schools=schools, initial=initial)
    if not form.is_valid():
        return render(request, "hazards/report.html", {"form": form}, status=400)
    try:
        hazard, created = actions.do_report_hazard(
            user,
            form.cleaned_data["school"],
            form.values(),
            photos=form.photos(),
            client_id=form.cleaned_data["client_id"],
            request=request,
        )
    except ActionError as exc:
        apply_action_error(form, exc)
        return render(request, "hazards/report.html", {"form": form}, status=422)
    except Conflict as exc:
        form.add_error(None, str(exc))
        return render(request, "hazards/report.html", {"form": form}, status=409)
    if created:
        messages.success(
            request, _("Reported as %(number)s. Thank you.") % {"number": hazard.number}
        )
    else:
        messages.info(
            request,
            _("This report had already arrived as %(number)s; it was not sent twice.")
            % {"number": hazard.number},
        )
    return redirect("hazards:detail", pk=hazard.pk)

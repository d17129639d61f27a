"""The public/parent report form and status check (/report/): no login, phone-sized,
rate-limited per client address, with a honeypot against robots. CSRF stays on.

A reporter sees only what they sent and, later, the state of their report by its tracking
code: never names, notes or anything else of the school's work (§4.1 sources: reports from
parents or the public)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from safecampus.hazards.actions_public import do_public_report
from safecampus.hazards.choices import State
from safecampus.hazards.models import Hazard, HazardCategory
from safecampus.lib.errors import ActionError
from safecampus.lib.http import client_ip
from safecampus.orgs.choices import Level, OrgStatus
from safecampus.orgs.models import Organization

SEARCH_MIN = 2
SEARCH_LIMIT = 20
CODE_SESSION_KEY = "_sc_public_tracking_code"
HOUR, DAY = 3600, 86400


# --- forms ---------------------------------------------------------------------------------


class SchoolSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name of the school"), max_length=60, min_length=SEARCH_MIN, required=False
    )


class PublicReportForm(forms.Form):
    school = forms.CharField(widget=forms.HiddenInput, max_length=40)
    category = forms.ModelChoiceField(
        queryset=HazardCategory.objects.filter(active=True),
        label=_("What kind of problem"),
        empty_label=None,
    )
    title = forms.CharField(label=_("The problem in a few words"), max_length=120)
    description = forms.CharField(
        label=_("What did you see?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    location = forms.CharField(
        label=_("Where, at or near the school"), max_length=120, required=False
    )
    contact = forms.CharField(
        label=_("Your phone or e-mail (optional)"),
        max_length=80,
        required=False,
        help_text=_("Only the school sees it, to ask you about this report."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    # Honeypot: hidden from people; robots fill every field they find.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        other = HazardCategory.objects.filter(active=True, code="other").first()
        if other is not None:
            self.fields["category"].initial = other.pk


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=40)

    def clean_code(self) -> str:
        return re.sub(r"[^0-9A-Za-z]", "", self.cleaned_data["code"]).upper()


# --- rate limits ---------------------------------------------------------------------------
# Counters live in the Django cache (per process unless REDIS_URL is set): a window starts at
# the first request from an address and lasts an hour (or a day). While Redis is down the
# cache reads as empty (safecampus/lib/cache.py, which logs the outage), so the limits fail
# open on purpose: a parent must still be able to report a hazard, and the honeypot and the
# school's triage still stand between a flood and anyone's to-do list.


def _report_limits() -> list[tuple[str, int, int]]:
    return [
        ("report-hour", HOUR, settings.PUBLIC_REPORTS_PER_HOUR),
        ("report-day", DAY, settings.PUBLIC_REPORTS_PER_DAY),
    ]


def _status_limits() -> list[tuple[str, int, int]]:
    return [("status-hour", HOUR, settings.PUBLIC_STATUS_CHECKS_PER_HOUR)]


def _key(name: str, ip: str) -> str:
    return f"safecampus:public:{name}:{ip}"


def _limited(request: HttpRequest, limits: list[tuple[str, int, int]]) -> bool:
    ip = client_ip(request) or "unknown"
    return any((cache.get(_key(name, ip)) or 0) >= limit for name, _ttl, limit in limits)


def _count(request: HttpRequest, limits: list[tuple[str, int, int]]) -> None:
    ip = client_ip(request) or "unknown"
    for name, ttl, _limit in limits:
        key = _key(name, ip)
        cache.add(key, 0, ttl)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, ttl)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "hazards/public_limited.html", status=429)


# --- schools -------------------------------------------------------------------------------


def _open_schools() -> Any:
    return Organization.objects.filter(level=Level.SCHOOL, status=OrgStatus.ACTIVE)


def _school_by_code(code: str) -> Organization | None:
    return _open_schools().filter(code=code).first() if code else None


def _with_county(schools: list[Organization]) -> list[dict[str, str]]:
    """Name, county (or the city for a city-direct school) and code; nothing else leaves."""
    step = Organization.steplen
    prefixes = {s.path[:end] for s in schools for end in range(step, len(s.path), step)}
    above = {
        o.path: o
        for o in Organization.objects.filter(path__in=sorted(prefixes))
        .exclude(level=Level.SCHOOL)
        .only("path", "name", "level")
    }
    rows = []
    for school in schools:
        chain = [above[p] for p in sorted(above) if school.path.startswith(p)]
        counties = [o for o in chain if o.level == Level.COUNTY]
        area = counties[-1] if counties else (chain[0] if chain else None)
        rows.append({"code": school.code, "name": school.name, "area": area.name if area else ""})
    return rows


# --- pages ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Step 1: find the school by name. Step 2 (?school=CODE): the report form."""
    if request.method == "POST":
        return _submit(request)
    school = _school_by_code(request.GET.get("school", "").strip())
    if school is not None:
        form = PublicReportForm(initial={"school": school.code})
        return _form_page(request, form, school)
    search = SchoolSearchForm(request.GET or None)
    results: list[dict[str, str]] = []
    if search.is_valid() and search.cleaned_data["q"]:
        found = _open_schools().filter(name__icontains=search.cleaned_data["q"])
        results = _with_county(list(found.order_by("name", "code")[:SEARCH_LIMIT]))
    context = {
        "search": search,
        "results": results,
        "searched": search.is_bound and search.is_valid() and bool(search.cleaned_data["q"]),
        "limit": SEARCH_LIMIT,
    }
    return render(request, "hazards/public_report.html", context)


def _submit(request: HttpRequest) -> HttpResponse:
    if _limited(request, _report_limits()):
        return _too_many(request)
    form = PublicReportForm(request.POST, request.FILES)
    school = _school_by_code(str(request.POST.get("school", "")).strip())
    if not form.is_valid() or school is None:
        if school is None:
            form.add_error(None, _("Choose your school again: it was not found or is closed."))
        return _form_page(request, form, school, status=400)
    _count(request, _report_limits())
    if form.cleaned_data["website"]:
        # A robot: say thank you as to anyone, write nothing.
        request.session[CODE_SESSION_KEY] = secrets.token_hex(5).upper()
        return redirect("public:thanks")
    data = form.cleaned_data
    photo = data.get("photo")
    try:
        hazard = do_public_report(
            school,
            {name: data[name] for name in ("category", "title", "description", "location")},
            photos=[photo] if photo else [],
            contact=data["contact"],
            request=request,
        )
    except ActionError as exc:
        for name, messages in exc.errors.items():
            target = "photo" if name.startswith("photos") else name
            for message in messages:
                form.add_error(target if target in form.fields else None, message)
        return _form_page(request, form, school, status=400)
    request.session[CODE_SESSION_KEY] = hazard.tracking_code
    return redirect("public:thanks")


def _form_page(
    request: HttpRequest, form: PublicReportForm, school: Organization | None, status: int = 200
) -> HttpResponse:
    place = _with_county([school])[0] if school is not None else None
    return render(
        request, "hazards/public_form.html", {"form": form, "school": place}, status=status
    )


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    """The tracking code, shown once (the session forgets it)."""
    code = request.session.pop(CODE_SESSION_KEY, None)
    if not code:
        return redirect("public:report")
    return render(request, "hazards/public_thanks.html", {"code": code})


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """The state of a report by its tracking code: state and dates only. An unknown code
    gets the same neutral answer whatever the reason."""
    if request.method != "POST":
        return render(request, "hazards/public_status.html", {"form": StatusForm()})
    if _limited(request, _status_limits()):
        return _too_many(request)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render(request, "hazards/public_status.html", {"form": form}, status=400)
    _count(request, _status_limits())
    code = form.cleaned_data["code"]
    found = (
        Hazard.objects.filter(tracking_code=code).values("state", "found_on", "closed_on").first()
        if code
        else None
    )
    if found is None:
        context = {"form": StatusForm(), "not_found": True}
        return render(request, "hazards/public_status.html", context, status=404)
    result = {
        "state": State(found["state"]).label,
        "reported_on": found["found_on"],
        "closed_on": found["closed_on"] if found["state"] == State.CLOSED else None,
    }
    return render(request, "hazards/public_status.html", {"form": StatusForm(), "result": result})

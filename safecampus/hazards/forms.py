"""Forms of the hazard pages. Fields are listed explicitly (no mass assignment); what a form
cannot know (who may be responsible, transitions, photo content) the actions check."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.hazards.choices import RectificationType, RevisitResult, Severity, Source
from safecampus.hazards.models import HazardCategory
from safecampus.lib.forms import set_queryset
from safecampus.orgs.models import Organization
from safecampus.risks.models import RiskPoint

MAX_PHOTOS = 9


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class PersonChoiceField(forms.ModelChoiceField):
    """A person as colleagues know them: full name and login name."""

    def label_from_instance(self, obj: Any) -> str:
        name = getattr(obj, "display_name", "") or ""
        return f"{name} ({obj.username})" if name else obj.username


class MultiplePhotoInput(forms.FileInput):
    """The phone's camera or gallery, several pictures at once."""

    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__({"accept": "image/*", "capture": "environment", **(attrs or {})})


class PhotosField(forms.FileField):
    """Zero or more photos; their content is checked when they are stored (photos.py)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("widget", MultiplePhotoInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("Add at most %(n)d photos at a time.") % {"n": MAX_PHOTOS}
            )
        single = super().clean
        cleaned = [single(upload, initial) for upload in uploads]
        if self.required and not cleaned:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [upload for upload in cleaned if upload]


class ReportForm(forms.Form):
    """上报: what a person on the spot can say about a hazard, with photos."""

    school = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("School"))
    source = forms.ChoiceField(choices=Source.choices, initial=Source.SELF_CHECK, label=_("Source"))
    category = forms.ModelChoiceField(
        queryset=HazardCategory.objects.filter(active=True), label=_("Category")
    )
    severity = forms.ChoiceField(
        choices=Severity.choices,
        initial=Severity.GENERAL,
        widget=forms.RadioSelect,
        label=_("Severity"),
    )
    title = forms.CharField(max_length=120, label=_("What is wrong (short title)"))
    description = forms.CharField(required=False, widget=_text(), label=_("Description"))
    location = forms.CharField(max_length=120, required=False, label=_("Location on campus"))
    found_on = forms.DateField(
        initial=timezone.localdate, widget=_date_widget(), label=_("Found on")
    )
    rectification_type = forms.ChoiceField(
        choices=RectificationType.choices,
        initial=RectificationType.DEADLINE,
        widget=forms.RadioSelect,
        label=_("Rectification"),
    )
    interim_measures = forms.CharField(
        required=False,
        widget=_text(2),
        label=_("Interim control measures"),
        help_text=_("What keeps people safe until it is fixed (严防死守)."),
    )
    cost_note = forms.CharField(
        max_length=200,
        required=False,
        label=_("Cost and funding"),
        help_text=_("Estimated cost and where the money comes from, if known."),
    )
    photos_before = PhotosField(label=_("Photos before"))
    photos_after = PhotosField(
        label=_("Photos after the fix"),
        help_text=_("Needed when it was fixed on the spot."),
    )
    # Generated when the form is drawn: a retried POST (flaky network) creates one hazard.
    client_id = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)
    # Raised from a risk point of the school's register (风险点, §3); the action checks the
    # point belongs to the school.
    risk_point = forms.ModelChoiceField(
        queryset=RiskPoint.objects.filter(active=True),
        required=False,
        widget=forms.HiddenInput,
        label=_("Risk point"),
        error_messages={"invalid_choice": _("This risk point is not in a register.")},
    )

    FIELDS = [
        "source",
        "category",
        "severity",
        "title",
        "description",
        "location",
        "found_on",
        "rectification_type",
        "interim_measures",
        "cost_note",
        "risk_point",
    ]

    def __init__(self, *args: Any, schools: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_queryset(
            self, "school", schools if schools is not None else Organization.objects.none()
        )

    def clean_found_on(self) -> datetime.date:
        found_on: datetime.date = self.cleaned_data["found_on"]
        if found_on > timezone.localdate():
            raise forms.ValidationError(_("The date found cannot be in the future."))
        return found_on

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def photos(self) -> list[tuple[str, Any]]:
        return [("before", p) for p in self.cleaned_data["photos_before"]] + [
            ("after", p) for p in self.cleaned_data["photos_after"]
        ]


# --- transitions on the detail page ---------------------------------------------------------


class TransitionForm(forms.Form):
    """Every transition carries the state the person saw, so a stale click is refused (409)."""

    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=24)

    def __init__(self, *args: Any, hazard: Any, user: Any, **kwargs: Any):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("expected_state", hazard.state)
        super().__init__(*args, **kwargs)
        self.hazard = hazard
        self.user = user


class AssignForm(TransitionForm):
    responsible = PersonChoiceField(queryset=None, label=_("Responsible person"))
    deadline = forms.DateField(widget=_date_widget(), label=_("Deadline"))
    severity = forms.ChoiceField(choices=Severity.choices, label=_("Severity"))
    interim_measures = forms.CharField(
        required=False, widget=_text(2), label=_("Interim control measures")
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any):
        hazard = kwargs["hazard"]
        kwargs["initial"] = {
            "responsible": hazard.responsible_id,
            # Default time limit for a general hazard: 7 days (DOMAIN.md §13.6).
            "deadline": hazard.deadline or timezone.localdate() + datetime.timedelta(days=7),
            "severity": hazard.severity,
            "interim_measures": hazard.interim_measures,
        }
        super().__init__(*args, **kwargs)
        set_queryset(self, "responsible", people)


class StartForm(TransitionForm):
    pass


class RestoreForm(TransitionForm):
    pass


class SubmitForm(TransitionForm):
    note = forms.CharField(widget=_text(), label=_("What was done"))
    photos_after = PhotosField(label=_("Photos after the fix"))


class VerifyForm(TransitionForm):
    opinion = forms.CharField(widget=_text(2), label=_("Verification opinion"))


class RejectForm(TransitionForm):
    reason = forms.CharField(widget=_text(2), label=_("Why it is not accepted"))


class DismissForm(TransitionForm):
    reason = forms.CharField(max_length=200, label=_("Why this is not a hazard"))


class SuperviseForm(TransitionForm):
    supervising_org = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=_("Supervising organisation")
    )
    supervisor = PersonChoiceField(queryset=None, label=_("Supervisor"))
    report_interval_days = forms.IntegerField(
        min_value=1, max_value=90, initial=7, label=_("Progress report every (days)")
    )

    def __init__(self, *args: Any, orgs: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_queryset(self, "supervising_org", orgs)
        set_queryset(self, "supervisor", people)


# --- rectification plan ---------------------------------------------------------------------


class PlanForm(forms.Form):
    """整改方案 (五落实: responsibility, measures, funds, deadline, contingency)."""

    measures = forms.CharField(widget=_text(4), label=_("Measures"))
    funds = forms.CharField(max_length=200, required=False, label=_("Funds"))
    responsible = PersonChoiceField(queryset=None, label=_("Responsible person"))
    interim_measures = forms.CharField(
        required=False, widget=_text(2), label=_("Interim control measures")
    )
    contingency = forms.CharField(required=False, widget=_text(2), label=_("Contingency plan"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_queryset(self, "responsible", people)


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=120, required=False, label=_("Milestone"))
    due_on = forms.DateField(required=False, widget=_date_widget(), label=_("Due on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("title") and not data.get("due_on"):
            self.add_error("due_on", _("Give the milestone a due date."))
        if data.get("due_on") and not data.get("title"):
            self.add_error("title", _("Name the milestone."))
        return data


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=3, max_num=10, absolute_max=10)


class MilestoneProgressForm(forms.Form):
    progress = forms.CharField(widget=_text(2), label=_("Progress"))
    done_on = forms.DateField(required=False, widget=_date_widget(), label=_("Done on"))


# --- revisits (回头看) ------------------------------------------------------------------------

_NUMBER = re.compile(r"^(?:YH\d{4}-)?0*(\d{1,12})$", re.IGNORECASE)


class RevisitSampleForm(forms.Form):
    """Which closed hazards to revisit: a reproducible random share, or a list of numbers."""

    MODES = [("percent", _("A random share")), ("numbers", _("These numbers"))]

    area = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Area"))
    found_from = forms.DateField(required=False, widget=_date_widget(), label=_("Found from"))
    found_to = forms.DateField(required=False, widget=_date_widget(), label=_("Found to"))
    mode = forms.ChoiceField(
        choices=MODES, initial="percent", widget=forms.RadioSelect, label=_("Sample")
    )
    percent = forms.IntegerField(
        min_value=1, max_value=100, required=False, initial=10, label=_("Share (%)")
    )
    seed = forms.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        label=_("Seed"),
        help_text=_("The same seed draws the same sample again."),
    )
    numbers = forms.CharField(
        required=False,
        widget=_text(2),
        label=_("Hazard numbers"),
        help_text=_("For example YH2026-000123, separated by spaces or commas."),
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_queryset(self, "area", areas)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("found_from"), data.get("found_to")
        if start and end and start > end:
            self.add_error("found_to", _("The end of the range is before its start."))
        if data.get("mode") == "percent" and not data.get("percent"):
            self.add_error("percent", _("Give a share between 1 and 100 %."))
        if data.get("mode") == "numbers":
            data["ids"] = self._ids(data.get("numbers") or "")
        return data

    def _ids(self, text: str) -> list[int]:
        tokens = [t for t in re.split(r"[\s,，;；、]+", text) if t]
        bad = [t for t in tokens if not _NUMBER.match(t)]
        if bad:
            self.add_error(
                "numbers", _("Not a hazard number: %(bad)s") % {"bad": ", ".join(bad[:5])}
            )
            return []
        if not tokens:
            self.add_error("numbers", _("List at least one hazard number."))
        return sorted({int(_NUMBER.match(t).group(1)) for t in tokens})  # type: ignore[union-attr]


class RevisitRecordForm(forms.Form):
    area = forms.ModelChoiceField(queryset=Organization.objects.none(), widget=forms.HiddenInput)
    result = forms.ChoiceField(choices=RevisitResult.choices, label=_("Result"))
    note = forms.CharField(
        required=False,
        max_length=500,
        label=_("Note"),
        widget=forms.TextInput(attrs={"placeholder": _("Note")}),
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_queryset(self, "area", areas)

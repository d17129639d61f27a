"""Forms of the responsibility pages. Fields are listed explicitly; who may hold a post, the
real-name rule and the transitions are the actions' checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safecampus.duties.choices import CellKind
from safecampus.hazards.forms import PersonChoiceField
from safecampus.orgs.models import Organization


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_widget() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def lines(text: str) -> list[str]:
    """One item per line (a pasted list keeps its order)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PostForm(forms.Form):
    name = forms.CharField(max_length=80, label=_("Post"))
    duties = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        label=_("Safety duties"),
        help_text=_("One duty per line. Changing them asks every holder to sign again."),
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def duty_list(self) -> list[str]:
        return lines(self.cleaned_data["duties"])


class AssignForm(forms.Form):
    person = PersonChoiceField(queryset=None, label=_("Person"))
    started_on = forms.DateField(initial=timezone.localdate, widget=_date_widget(), label=_("From"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(
        label=_("I have read these duties and accept them."),
        error_messages={"required": _("Tick the box to confirm that you have read the list.")},
    )


class CellForm(forms.Form):
    kind = forms.ChoiceField(choices=CellKind.choices, initial=CellKind.AREA, label=_("Kind"))
    area = forms.CharField(
        max_length=120,
        label=_("Area"),
        help_text=_("e.g. 校门口, 教学楼二楼东侧, 食堂, 学校南侧路口"),
    )
    time_slot = forms.CharField(
        max_length=60,
        label=_("Time slot"),
        widget=forms.TextInput(attrs={"list": "time-slots"}),
        help_text=_("e.g. 上学, 课间, 午休, 放学, 夜间"),
    )
    start_time = forms.TimeField(required=False, widget=_time_widget(), label=_("From"))
    end_time = forms.TimeField(required=False, widget=_time_widget(), label=_("Until"))
    person = PersonChoiceField(queryset=None, label=_("Responsible person"))
    note = forms.CharField(max_length=200, required=False, label=_("What to watch"))

    def __init__(self, *args: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]


class PairingForm(forms.Form):
    teacher = PersonChoiceField(queryset=None, label=_("Teacher"))
    group_label = forms.CharField(
        max_length=80, label=_("Group"), help_text=_("e.g. 三年级二班 第3组")
    )
    students = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Students"),
        help_text=_("Names only, one per line: no ID numbers, phones or addresses."),
    )
    contact_duty = forms.CharField(
        max_length=200,
        required=False,
        label=_("Contact duty"),
        help_text=_("e.g. a talk every two weeks, a call to the family each month"),
    )
    started_on = forms.DateField(
        initial=timezone.localdate, widget=_date_widget(), label=_("Since")
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = people  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["students"] = lines(data["students"])
        return data


class PairingNoteForm(forms.Form):
    written_on = forms.DateField(initial=timezone.localdate, widget=_date_widget(), label=_("Date"))
    text = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label=_("Note")
    )


def _this_year() -> int:
    return timezone.localdate().year


class LetterForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, initial=_this_year, label=_("Year"))
    title = forms.CharField(
        max_length=120, label=_("Title"), help_text=_("e.g. 2026年度学校安全工作目标责任书")
    )
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), label=_("Text")
    )
    file = forms.FileField(
        required=False,
        label=_("File"),
        help_text=_("The signed-off letter as PDF, image or Word (.docx), at most 10 MB."),
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Units"),
        help_text=_("None ticked: every unit under the bureau."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = units  # type: ignore[attr-defined]


class LetterSignForm(forms.Form):
    signed_on = forms.DateField(
        initial=timezone.localdate, widget=_date_widget(), label=_("Signed on")
    )

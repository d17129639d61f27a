"""Forms of the risk pages. Fields are listed explicitly (no mass assignment); the rules a form
cannot know (the school of a person, the bureau's grading method, thresholds) the actions check
again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safecampus.hazards.forms import PersonChoiceField
from safecampus.lib.forms import set_queryset
from safecampus.orgs.choices import SchoolKind
from safecampus.risks.actions import LIBRARY_FIELDS, POINT_FIELDS
from safecampus.risks.choices import (
    DEFAULT_THRESHOLDS,
    LEC_C,
    LEC_E,
    LEC_L,
    LS_VALUES,
    Frequency,
    Level,
    Method,
    Reason,
)
from safecampus.risks.grading import Policy
from safecampus.risks.models import CampusArea, RiskCategory

# What each factor value means (作业条件危险性评价法 for LEC; DOMAIN.md §3.3 for L×S).
LEC_L_MEANING: dict[Decimal, Promise] = {
    Decimal("10"): _("expected to happen (完全可以预料)"),
    Decimal("6"): _("quite possible (相当可能)"),
    Decimal("3"): _("possible but unusual (可能，但不经常)"),
    Decimal("1"): _("unlikely, a coincidence (可能性小，完全意外)"),
    Decimal("0.5"): _("very unlikely but conceivable (很不可能，可以设想)"),
    Decimal("0.2"): _("practically impossible (极不可能)"),
    Decimal("0.1"): _("virtually impossible (实际不可能)"),
}
LEC_E_MEANING: dict[Decimal, Promise] = {
    Decimal("10"): _("continuously (连续暴露)"),
    Decimal("6"): _("daily, during working hours (每天工作时间内暴露)"),
    Decimal("3"): _("weekly or now and then (每周一次或偶然暴露)"),
    Decimal("2"): _("monthly (每月一次暴露)"),
    Decimal("1"): _("a few times a year (每年几次暴露)"),
    Decimal("0.5"): _("very rarely (非常罕见地暴露)"),
}
LEC_C_MEANING: dict[Decimal, Promise] = {
    Decimal("100"): _("catastrophe, many deaths (大灾难，许多人死亡)"),
    Decimal("40"): _("disaster, several deaths (灾难，数人死亡)"),
    Decimal("15"): _("very serious, one death (非常严重，一人死亡)"),
    Decimal("7"): _("serious, severe injury (严重，重伤)"),
    Decimal("3"): _("major, disabling injury (重大，致残)"),
    Decimal("1"): _("noticeable, first aid needed (引人注目，需要救护)"),
}
LS_L_MEANING: dict[Decimal, Promise] = {
    Decimal("5"): _("frequent, or no controls (频繁或无管控)"),
    Decimal("4"): _("likely (很可能)"),
    Decimal("3"): _("possible (可能)"),
    Decimal("2"): _("unlikely (不太可能)"),
    Decimal("1"): _("rare (极少)"),
}
LS_S_MEANING: dict[Decimal, Promise] = {
    Decimal("5"): _("death, mass casualties or a major opinion event (死亡、群死群伤或重大舆情)"),
    Decimal("4"): _("serious or multiple injuries (重伤或多人受伤)"),
    Decimal("3"): _("hospital treatment (需住院治疗)"),
    Decimal("2"): _("minor injury (轻伤)"),
    Decimal("1"): _("negligible (可忽略)"),
}


def factor_choices(
    values: tuple[Decimal, ...], meanings: dict[Decimal, Promise]
) -> list[tuple[str, str]]:
    """Select options, highest first: "6 — quite possible (相当可能)"."""
    return [("", "---------")] + [
        (f"{v:f}", f"{v:f} — {meanings[v]}") for v in sorted(values, reverse=True)
    ]


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PointForm(forms.Form):
    """A point of the register: what, where, who, how it is controlled."""

    category = forms.ModelChoiceField(
        queryset=RiskCategory.objects.filter(active=True), label=_("Category")
    )
    hazard = forms.CharField(max_length=300, label=_("Risk"), widget=_text(2))
    consequences = forms.CharField(
        max_length=300, required=False, label=_("Typical consequences"), widget=_text(2)
    )
    area = AreaChoiceField(
        queryset=CampusArea.objects.none(),
        required=False,
        label=_("Campus area"),
        help_text=_("An area of this school; or describe the place under Location."),
    )
    location = forms.CharField(
        max_length=120, required=False, label=_("Location (place or activity)")
    )
    responsible_post = forms.CharField(max_length=60, required=False, label=_("Responsible post"))
    responsible = PersonChoiceField(
        queryset=None,
        required=False,
        label=pgettext_lazy("risk point", "Responsible person"),
        error_messages={"invalid_choice": _("Choose a person who holds a role at this school.")},
    )
    control_measures = forms.CharField(required=False, label=_("Control measures"), widget=_text())
    emergency_measures = forms.CharField(
        required=False, label=_("Emergency measures"), widget=_text()
    )
    frequency = forms.ChoiceField(
        choices=[("", "---------"), *Frequency.choices],
        required=False,
        label=_("Inspection frequency"),
    )

    FIELDS = list(POINT_FIELDS)  # what the form passes to the actions: exactly theirs

    def __init__(self, *args: Any, areas: Any, people: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        set_queryset(self, "area", areas)
        set_queryset(self, "responsible", people)

    def values(self, only: list[str] | None = None) -> dict[str, Any]:
        names = only if only is not None else self.FIELDS
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}


class BuildForm(forms.Form):
    """Build a register from the library: chosen categories, or everything for the school's kind."""

    everything = forms.BooleanField(
        required=False, label=_("All categories for this kind of school")
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=RiskCategory.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Categories"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("everything") and not data.get("categories"):
            raise forms.ValidationError(_("Choose at least one category, or all of them."))
        return data

    def chosen(self) -> list[RiskCategory] | None:
        return (
            None if self.cleaned_data.get("everything") else list(self.cleaned_data["categories"])
        )


class AssessForm(forms.Form):
    """An assessment with the bureau's method: LEC shows L, E and C; L×S shows L and S."""

    l = forms.ChoiceField(label=_("L: likelihood"))
    e = forms.ChoiceField(label=_("E: exposure"), required=False)
    c = forms.ChoiceField(label=_("C: consequence"), required=False)
    s = forms.ChoiceField(label=_("S: severity"), required=False)
    reason = forms.ChoiceField(choices=Reason.choices, label=_("Why it is assessed now"))
    direct_red_reason = forms.CharField(
        max_length=200,
        required=False,
        label=_("Graded red directly because"),
        help_text=_(
            "Red whatever the score: a possible mass-casualty risk with no control, an "
            "unresolved major hazard, or an earlier serious accident at the same spot."
        ),
    )
    note = forms.CharField(max_length=300, required=False, label=_("Note"))
    assessed_on = forms.DateField(
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label=_("Assessed on"),
    )

    def __init__(self, *args: Any, method: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.method = method
        fields = self.fields
        if method == Method.LEC:
            fields["l"].choices = factor_choices(LEC_L, LEC_L_MEANING)  # type: ignore[attr-defined]
            fields["e"].choices = factor_choices(LEC_E, LEC_E_MEANING)  # type: ignore[attr-defined]
            fields["c"].choices = factor_choices(LEC_C, LEC_C_MEANING)  # type: ignore[attr-defined]
            fields["e"].required = fields["c"].required = True
            del fields["s"]
        else:
            fields["l"].choices = factor_choices(LS_VALUES, LS_L_MEANING)  # type: ignore[attr-defined]
            fields["s"].choices = factor_choices(LS_VALUES, LS_S_MEANING)  # type: ignore[attr-defined]
            fields["s"].required = True
            del fields["e"], fields["c"]

    def clean_assessed_on(self) -> Any:
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The assessment date cannot be in the future."))
        return day

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "l": data.get("l"),
            "e": data.get("e") or None,
            "c": data.get("c") or None,
            "s": data.get("s") or None,
            "reason": data["reason"],
            "direct_red_reason": data.get("direct_red_reason", ""),
            "note": data.get("note", ""),
            "assessed_on": data["assessed_on"],
        }


class PolicyForm(forms.Form):
    """A bureau's grading method and the scores above which each level begins."""

    method = forms.ChoiceField(choices=Method.choices, label=_("Method"))
    red = forms.DecimalField(max_digits=8, decimal_places=2, label=_("Red above"))
    orange = forms.DecimalField(max_digits=8, decimal_places=2, label=_("Orange above"))
    yellow = forms.DecimalField(max_digits=8, decimal_places=2, label=_("Yellow above"))

    @staticmethod
    def initial_for(policy: Policy) -> dict[str, Any]:
        return {
            "method": policy.method,
            "red": policy.red,
            "orange": policy.orange,
            "yellow": policy.yellow,
        }


def default_thresholds() -> list[dict[str, Any]]:
    """The defaults of each method, for the help beside the policy form."""
    return [
        {
            "method": Method(method).label,
            "bands": [(Level(level).label, value) for level, value in bands.items()],
        }
        for method, bands in DEFAULT_THRESHOLDS.items()
    ]


KIND_CHOICES = [("all", _("All school kinds")), *SchoolKind.choices]


class LibraryItemForm(forms.Form):
    """A bureau's own library entry (both languages; English may be left empty)."""

    category = forms.ModelChoiceField(
        queryset=RiskCategory.objects.filter(active=True), label=_("Category")
    )
    hazard_zh = forms.CharField(max_length=200, label=_("Risk (Chinese)"))
    hazard_en = forms.CharField(max_length=300, required=False, label=_("Risk (English)"))
    consequences_zh = forms.CharField(
        max_length=200, required=False, label=_("Typical consequences (Chinese)")
    )
    consequences_en = forms.CharField(
        max_length=300, required=False, label=_("Typical consequences (English)")
    )
    measures_zh = forms.CharField(widget=_text(), label=_("Control measures (Chinese)"))
    measures_en = forms.CharField(
        widget=_text(), required=False, label=_("Control measures (English)")
    )
    frequency = forms.ChoiceField(choices=Frequency.choices, label=_("Inspection frequency"))
    school_kinds = forms.MultipleChoiceField(
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label=_("School kinds"),
    )

    FIELDS = list(LIBRARY_FIELDS)

    def clean_school_kinds(self) -> list[str]:
        kinds: list[str] = self.cleaned_data["school_kinds"]
        return ["all"] if "all" in kinds else kinds

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

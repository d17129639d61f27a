"""Forms for organisations and campuses; the Excel import validates rows with OrgForm too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.lib.forms import set_queryset
from safecampus.orgs.actions import BUREAU_FIELDS, SCHOOL_FIELDS
from safecampus.orgs.choices import Level, SchoolKind
from safecampus.orgs.models import Organization


class OrgForm(forms.ModelForm):
    """Fields are listed explicitly (no mass assignment); bureaus get the short list."""

    class Meta:
        model = Organization
        fields = SCHOOL_FIELDS

    def __init__(self, *args: Any, level: str = Level.SCHOOL, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.level = level
        if level != Level.SCHOOL:
            for name in set(SCHOOL_FIELDS) - set(BUREAU_FIELDS):
                del self.fields[name]
        else:
            self.fields["school_kind"].required = True
            self.fields["ownership"].required = True
        self.fields["code"].help_text = _("Unique; letters, digits, - and _.")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code or not all(c.isalnum() or c in "-_" for c in code) or not code.isascii():
            raise forms.ValidationError(_("Use only letters, digits, - and _."))
        clash = Organization.objects.filter(code=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("This code is already used by another organisation."))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.level == Level.SCHOOL
            and data.get("school_kind")
            and data.get("school_kind") != SchoolKind.KINDERGARTEN
            and data.get("licensed") is False
        ):
            self.add_error("licensed", _("Only kindergartens are recorded as unlicensed (无证)."))
        return data

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class NewOrgForm(OrgForm):
    parent = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Parent"))
    new_level = forms.ChoiceField(
        choices=[
            (Level.SCHOOL, Level.SCHOOL.label),
            (Level.COUNTY, Level.COUNTY.label),
            (Level.TOWN, Level.TOWN.label),
        ],
        label=_("Kind of organisation"),
    )

    def __init__(self, *args: Any, parents: Any = None, **kwargs: Any):
        data = args[0] if args else kwargs.get("data")
        level = (data or {}).get("new_level") or Level.SCHOOL
        if level not in (Level.SCHOOL, Level.COUNTY, Level.TOWN):
            level = Level.SCHOOL
        super().__init__(*args, level=level, **kwargs)
        set_queryset(
            self, "parent", parents if parents is not None else Organization.objects.none()
        )
        self.order_fields(["new_level", "parent"])


class CampusForm(forms.Form):
    name = forms.CharField(label=_("Campus name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

"""Forms of the four-colour map pages: the plan upload, an area drawn on the plan, and the
bureau roll-up's filters. Shapes are checked by plans.clean_shape (also in the action)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safecampus.lib.errors import ActionError
from safecampus.risks.choices import Level
from safecampus.risks.models import CampusArea
from safecampus.risks.plans import clean_shape
from safecampus.risks.queries_map import UNGRADED


class PlanUploadForm(forms.Form):
    image = forms.FileField(
        label=_("Campus plan image"),
        help_text=_("JPEG, PNG, WebP or HEIC, at most 15 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    title = forms.CharField(label=_("Plan title"), max_length=120, required=False)


class AreaForm(forms.Form):
    """Save a drawn shape as a new area, or on an existing one (and rename it)."""

    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=CampusArea.objects.none(),
        required=False,
        empty_label=_("New area"),
    )
    name = forms.CharField(label=_("Area name"), max_length=60, required=False)
    shape = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = CampusArea.objects.filter(school=school)  # type: ignore[attr-defined]

    def clean_shape(self) -> dict[str, Any] | None:
        raw = self.cleaned_data.get("shape", "").strip()
        if not raw:
            return None
        try:
            return clean_shape(raw)
        except ActionError as exc:
            raise forms.ValidationError(next(iter(exc.errors.values()))) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = (data.get("name") or "").strip()
        if data.get("area") is None and not name:
            self.add_error("name", _("Name the new area, or choose an existing one."))
        if data.get("area") is None and not data.get("shape") and "shape" not in self.errors:
            self.add_error("shape", _("Draw the area on the plan first."))
        return data


class AssignForm(forms.Form):
    """Which area each active point of the school sits in: one select per point."""

    def __init__(self, *args: Any, points: list[Any], areas: list[CampusArea], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(a.pk), a.name) for a in areas]
        self.points = points
        for point in points:
            self.fields[f"point-{point.pk}"] = forms.TypedChoiceField(
                label=point.hazard,
                choices=choices,
                required=False,
                coerce=int,
                empty_value=None,
                initial=point.area_id,
            )

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(point, self[f"point-{point.pk}"]) for point in self.points]


LEVEL_FILTER = [("", _("All")), *Level.choices, (UNGRADED, _("Not yet graded"))]


class RollupFilter(forms.Form):
    level = forms.ChoiceField(label=_("With points of level"), choices=LEVEL_FILTER, required=False)
    view = forms.ChoiceField(
        label=_("Show as"),
        choices=[("table", _("Table")), ("grid", _("Grid"))],
        required=False,
    )

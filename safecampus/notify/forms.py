"""The form for connecting a group robot (fields listed explicitly)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from safecampus.lib.errors import ActionError
from safecampus.lib.forms import apply_action_error
from safecampus.notify.choices import Channel
from safecampus.notify.robots import check_robot_url
from safecampus.orgs.models import Organization


class RobotForm(forms.Form):
    org = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organisation"))
    channel = forms.ChoiceField(
        label=_("Kind"),
        choices=[(Channel.WECOM, Channel.WECOM.label), (Channel.DINGTALK, Channel.DINGTALK.label)],
    )
    name = forms.CharField(
        label=_("Name"), max_length=60, help_text=_("e.g. the group chat's name")
    )
    url = forms.CharField(
        label=_("Robot address"),
        max_length=400,
        help_text=_("The webhook address from the group's robot settings (https only)."),
    )

    def __init__(self, *args: Any, orgs: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        org_field = self.fields["org"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = orgs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") and data.get("url"):
            try:
                data["url"] = check_robot_url(data["channel"], data["url"])
            except ActionError as exc:
                apply_action_error(self, exc)
        return data

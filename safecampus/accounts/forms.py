from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from safecampus.lib.forms import set_queryset
from safecampus.orgs.models import Organization
from safecampus.orgs.roles import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. After %(limit)s failed attempts the account is locked "
            "for %(minutes)s minutes."
        ),
        "inactive": _("This account has been deactivated."),
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


class NewUserForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    display_name = forms.CharField(label=_("Full name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    org = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organisation"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))

    def __init__(self, *args: Any, orgs: Any = None, roles: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            set_queryset(self, "org", orgs)
        if roles is not None:  # offer only what the user may grant (the action still checks)
            role_field = self.fields["role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = [(r.value, r.label) for r in Role if r in roles]


class EditUserForm(forms.Form):
    display_name = forms.CharField(label=_("Full name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)


class GrantForm(forms.Form):
    org = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Organisation"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))

    def __init__(self, *args: Any, orgs: Any = None, roles: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            set_queryset(self, "org", orgs)
        if roles is not None:  # offer only what the user may grant (the action still checks)
            role_field = self.fields["role"]
            assert isinstance(role_field, forms.ChoiceField)
            role_field.choices = [(r.value, r.label) for r in Role if r in roles]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=60,
        help_text=_("What the token is for, e.g. “BI dashboard”."),
    )

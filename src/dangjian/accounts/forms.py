"""Forms: the password change (Django's, with Bootstrap classes), a one-time code, and the
administrators' account and role forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.core.widgets import PickerField


def style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "form-control")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Old password, new password twice; the new one goes through ``AUTH_PASSWORD_VALIDATORS``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True, "pattern": "[0-9 ]*"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows."))
        return token


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, refusing an over-long username before anything is looked up or recorded.

    (Django sets the username's max length after the field is built, so no validator enforces it;
    an over-long name then reached the lockout table and overflowed its column on PostgreSQL.) The
    answer is the same as for a wrong password, so nothing is learnt about accounts.
    """

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class UserCreateForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=64, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Where the activation code goes; without one, the security administrator releases it."),
    )


class ActivationForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    code = forms.CharField(label=_("Activation code"), max_length=32)
    new_password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, max_length=4096)
    new_password2 = forms.CharField(label=_("New password confirmation"), widget=forms.PasswordInput, max_length=4096)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two password fields didn't match."))
        return data


class UserEditForm(StyledForm):
    full_name = forms.CharField(label=_("Full name"), max_length=64, required=False)


class RoleGrantForm(StyledForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    # Picked by search (name, pinyin initials or code), or the code typed without JavaScript: a district
    # has about 1,500 organizations, too many for a drop-down (issue 14.2).
    org_code = PickerField(label=_("Organization"), queryset=None, to_field_name="code", url=reverse_lazy("org-search"))

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_code"].queryset = orgs

    def clean(self):
        data = super().clean()
        username = (data.get("username") or "").strip()
        if username:
            data["user"] = User.objects.filter(username=username).first()
            if data["user"] is None:
                self.add_error("username", gettext("There is no account with this user name."))
        data["org"] = data.get("org_code")
        return data

"""Forms: the password change (Django's, with Bootstrap classes) and a one-time code."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


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

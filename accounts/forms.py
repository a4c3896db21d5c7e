from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts import throttling
from accounts.models import User


class SignUpForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email


LOCKED_MESSAGE = _(
    "Too many failed login attempts. Try again in %(minutes)d minutes or reset your password."
)


class LoginThrottleMixin:
    """Refuses attempts once too many have failed (see throttling), counting every failure of
    the login form it is mixed into; the site's and the admin's forms share the counts."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        client_ip = throttling.client_ip_of(self.request)
        if throttling.is_locked(email=email, client_ip=client_ip):
            raise forms.ValidationError(
                LOCKED_MESSAGE, code="locked", params={"minutes": throttling.lockout_minutes()},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttling.record_failure(email=email, client_ip=client_ip)
            raise
        throttling.reset_email(email=email)
        return cleaned


class ThrottledLoginForm(LoginThrottleMixin, AuthenticationForm):
    """Django's login form, throttled."""


class ThrottledAdminLoginForm(LoginThrottleMixin, AdminAuthenticationForm):
    """The admin's login form (staff only), throttled like the site's."""

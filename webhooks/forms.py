from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from media_intake.errors import InputError
from webhooks import sender


class TestEventForm(forms.Form):
    url = forms.URLField(
        label=_("Receiver URL"), max_length=2000, assume_scheme="https",
        help_text=_("We POST a sample job object to it, signed with your secret, exactly like a "
                    "real webhook."),
        widget=forms.URLInput(attrs={"placeholder": "https://your-app.example.com/webhooks"}),
    )

    def clean_url(self) -> str:
        """The checks every attempt makes, now, so a URL that could never be delivered to is
        refused with one clear sentence instead of a failed delivery."""
        url = self.cleaned_data["url"]
        try:
            sender.checked_target(url, allow_private=settings.LIPSYNC_ALLOW_PRIVATE_URLS,
                                  allow_http=settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS)
        except InputError as exc:
            raise forms.ValidationError(
                gettext("This URL cannot receive webhooks: %(reason)s")
                % {"reason": sender.refusal_message(exc, url)}
            ) from None
        return url


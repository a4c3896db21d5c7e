from django import forms
from django.utils.translation import gettext_lazy as _

from support.services import REASON_MAX_LENGTH


class StaffReasonForm(forms.Form):
    """The intermediate page of an admin action that changes money or jobs: why?"""

    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Recorded with your user; say why, e.g. the support ticket."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason

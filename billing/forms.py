import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.ledger import REASON_MAX_LENGTH


class AdjustCreditsForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Credits"),
        help_text=_("Positive to add, negative to remove (at most the available credits)."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH,
        help_text=_("Shown in the customer's history; say why, e.g. the support ticket."),
    )
    # Generated when the form is shown: submitting the same form twice adjusts once.
    adjustment_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Enter a number of credits other than 0."))
        return amount

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A reason is required."))
        return reason

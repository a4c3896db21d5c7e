from django import forms
from django.utils.translation import gettext_lazy as _


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False,
        help_text=_("Give it an easy name to remember (optional)."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. production server")}),
    )

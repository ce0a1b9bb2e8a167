from django import forms
from django.utils.translation import gettext_lazy as _


class ProposeForm(forms.Form):
    name = forms.CharField(label=_("Version name"), max_length=40, help_text=_("e.g. rules-v3"))
    note = forms.CharField(label=_("What changes and why"), widget=forms.Textarea(attrs={"rows": 3}))
    parameters = forms.CharField(
        label=_("Catalogue (YAML)"), widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace small"}),
        help_text=_("Every threshold, window and weight with its source; checked by the engine before it is saved."),
    )  # fmt: skip


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("Approval comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

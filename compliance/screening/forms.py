from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Disposition"),
        choices=[("false_match", _("False match")), ("true_match", _("True match (to the MLRO to confirm)"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ConfirmForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm true match")), ("reject", _("Reject: false match"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class WatchlistImportForm(forms.Form):
    name = forms.CharField(
        label=_("List name"),
        max_length=80,
        help_text=_("Loading a file under an existing name replaces that list's entries."),
    )
    file = forms.FileField(
        label=_("CSV file"), help_text=_("OpenSanctions targets.simple.csv, or our own layout (docs/aml.md).")
    )


class EddForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

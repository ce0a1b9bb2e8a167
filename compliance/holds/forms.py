from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from compliance.holds.models import Restriction
from customers.models import Customer, Policy
from insurer.forms import BootstrapForm


class PlaceForm(BootstrapForm):
    kind = forms.ChoiceField(choices=Restriction.Kind.choices, label=_("Kind"))
    target_ref = forms.CharField(max_length=40, label=_("Policy or customer ref"))
    source = forms.ChoiceField(choices=Restriction.Source.choices, label=_("Source"))
    source_ref = forms.CharField(max_length=80, required=False, label=_("Alert id or order number"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"))

    def clean_target_ref(self):
        ref = self.cleaned_data["target_ref"].strip()
        policy = Policy.objects.filter(policy_ref=ref).first()
        customer = None if policy else Customer.objects.filter(customer_ref=ref).first()
        if policy is None and customer is None:
            raise ValidationError(_("No policy or customer has this ref."))
        self.cleaned_data["policy"], self.cleaned_data["customer"] = policy, customer
        return ref


class LiftForm(BootstrapForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason for lifting"))

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from insurer.access.models import ROLE_CHOICES, Department
from insurer.approvals.models import BusinessType, Decision
from insurer.forms import BootstrapForm

SUBMITTABLE = [c for c in BusinessType.choices if c[0] != BusinessType.MATRIX_CHANGE]


class SubmitForm(BootstrapForm):
    kind = forms.ChoiceField(choices=SUBMITTABLE, label=_("Business type"))
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=0, max_digits=18, decimal_places=2)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, label=_("Department (empty = company)")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    object_type = forms.CharField(label=_("Object type (app.model)"), max_length=60, initial="claims.claim")
    object_id = forms.CharField(label=_("Object id"), max_length=120)
    object_repr = forms.CharField(label=_("Object (as shown)"), max_length=200, required=False)
    is_exception = forms.BooleanField(label=_("This is an exception (compliance reviews it first)"), required=False)
    exception_reason = forms.CharField(
        label=_("Why an exception"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecideForm(BootstrapForm):
    decision = forms.ChoiceField(choices=Decision.Verdict.choices, label=_("Decision"), widget=forms.HiddenInput)
    step = forms.IntegerField(widget=forms.HiddenInput, required=False)
    on_behalf_of = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        to_field_name="username",
        label=_("On behalf of (delegation)"),
    )
    comment = forms.CharField(
        label=_("Comment (required to reject or return)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, delegators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_behalf_of"].queryset = get_user_model().objects.filter(pk__in=[u.pk for u in delegators or []])


class ResubmitForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=0, max_digits=18, decimal_places=2)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    comment = forms.CharField(label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DelegationForm(BootstrapForm):
    delegate = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        label=_("Delegate"),
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("Role"))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ProposeForm(BootstrapForm):
    rules = forms.JSONField(
        label=_("Rows (JSON: business_type, min_amount, max_amount, levels, forbidden_roles)"),
        widget=forms.Textarea(attrs={"rows": 20, "class": "font-monospace"}),
    )
    note = forms.CharField(label=_("What changes and why"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise forms.ValidationError(_("A list of rows is expected."))
        return rules


class DiffForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)

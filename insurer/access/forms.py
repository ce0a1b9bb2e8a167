from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from insurer.access.models import ROLE_CHOICES, Department
from insurer.forms import BootstrapForm


class GrantRequestForm(BootstrapForm):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
                                  label=_("User"), to_field_name="username")  # fmt: skip
    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("Role"))
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False,
                                        label=_("Scope (empty = whole company)"))  # fmt: skip
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(BootstrapForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SodExceptionForm(BootstrapForm):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
                                  label=_("User"), to_field_name="username")  # fmt: skip
    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("Role"))
    other_role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("Other role"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    compensating_controls = forms.CharField(label=_("Compensating controls"),
                                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    valid_to = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))


class ObjectGrantRequestForm(BootstrapForm):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
                                  label=_("User"), to_field_name="username")  # fmt: skip
    object_type = forms.CharField(label=_("Object type (app_label.model)"), max_length=100)
    object_pk = forms.CharField(label=_("Object id"), max_length=64)
    permission = forms.CharField(label=_("Permission (codename, e.g. view_clock)"), max_length=100)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

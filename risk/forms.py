"""Forms of the risk app's screens: an assumption set version's parameters (JSON, checked
against the engine's basis schema by the service, which names every bad field) and the
checker's and retirer's comments."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from insurer.forms import BootstrapForm


class AssumptionSetForm(BootstrapForm):
    parameters = forms.CharField(
        label=_("Parameters (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "font-monospace small"}),
        help_text=_("The basis fields: mortality, mortality_scaling, tables, lapse_by_policy_year, "
                    "acquisition_expense, maintenance_expense, inflation_rate, commission_by_policy_year, "
                    "premium_loading, premium_rounding, pricing_spot_curve, description, sources; optional "
                    "annuity_mortality and critical_illness_incidence (docs/actuarial.md)."),
    )  # fmt: skip
    note = forms.CharField(label=_("What changes and why"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_parameters(self):
        try:
            return json.loads(self.cleaned_data["parameters"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: %(msg)s at line %(line)s, column %(col)s.")
                % {"msg": exc.msg, "line": exc.lineno, "col": exc.colno}
            ) from None


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def as_json(value, indent: int = 0) -> str:
    """Parameters as the form shows them: objects indented, a list of numbers (a lapse vector,
    a curve, a table row) on one line."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {as_json(v, indent + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + as_json(v, indent + 2) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)

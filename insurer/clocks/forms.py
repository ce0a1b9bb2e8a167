from django import forms
from django.utils.translation import gettext_lazy as _

from insurer.clocks.models import Clock, ClockRule


class ClockFilter(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("open", _("Open (running or paused)")), *Clock.Status.choices],
    )
    due_before = forms.DateField(label=_("Due before"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = ClockRule.objects.order_by("position").values_list("code", flat=True).distinct()
        self.fields["rule"].choices = [("", _("Any")), *((c, c) for c in dict.fromkeys(codes))]
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css


class StartForm(forms.Form):
    rule_code = forms.ChoiceField(label=_("Rule"))
    object_type = forms.CharField(label=_("Object type"), max_length=60, help_text=_("app.model, e.g. claims.claim"))
    object_id = forms.CharField(label=_("Object id"), max_length=120)
    object_repr = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rules = ClockRule.objects.order_by("position", "-version")
        seen = {}
        for rule in rules:
            seen.setdefault(rule.code, f"{rule.code} — {rule.title}")
        self.fields["rule_code"].choices = list(seen.items())
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExplanationForm(forms.Form):
    explanation = forms.CharField(label=_("Explanation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

from django import forms
from django.utils.translation import gettext_lazy as _

from insurer.jobs.models import Job


class JobFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Job.Status.choices])
    mine = forms.BooleanField(label=_("Requested by me"), required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any")), *((k.name, k.verbose_name) for k in kinds)]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-check-input" if name == "mine" else "form-select form-select-sm"


def style(form: forms.Form) -> forms.Form:
    """Bootstrap classes for a job kind's parameter form."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"
    return form

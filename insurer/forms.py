"""Form helpers shared by the platform's screens."""

from __future__ import annotations

from django import forms


class BootstrapForm(forms.Form):
    """Adds Bootstrap's classes to every widget, so templates render fields in a loop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

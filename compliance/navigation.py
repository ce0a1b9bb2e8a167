"""The AML screens in the menu (section "AML"), each shown only to who may open it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insurer import navigation


def register_all() -> None:
    section = _("AML")
    for key, label, url_name, permission, order in [
        ("aml_alerts", _("Alert queue"), "compliance:alerts", "compliance.view_alert", 500),
        ("aml_cases", _("Cases"), "compliance:cases", "compliance.view_case", 501),
        ("aml_strs", _("Suspicious transaction reports"), "compliance:strs",
         "compliance.view_suspicioustransactionreport", 502),
        ("aml_lvtrs", _("Large-value reports"), "compliance:lvtrs", "compliance.view_largevaluereport", 503),
        ("aml_dashboard", _("AML dashboard"), "compliance:dashboard", "compliance.view_alert", 504),
    ]:  # fmt: skip
        navigation.register(navigation.NavItem(key, label, url_name, permission, section, order))

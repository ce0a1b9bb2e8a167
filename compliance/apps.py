from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who does what with AML alerts, cases and reports (docs/aml.md, "Permissions").
VIEW = [
    "compliance.view_alert",
    "compliance.view_monitoringrun",
    "compliance.view_case",
    "compliance.view_suspicioustransactionreport",
    "compliance.view_largevaluereport",
]
ANALYST = [*VIEW, "compliance.export_alert", "compliance.work_case", "compliance.run_monitoring",
           "compliance.report_largevaluereport", "compliance.export_suspicioustransactionreport"]  # fmt: skip
MLRO = [*ANALYST, "compliance.decide_case"]
READERS = {
    "compliance_officer": [*VIEW, "compliance.export_alert", "compliance.export_suspicioustransactionreport"],
    "internal_auditor": [*VIEW, "compliance.export_alert"],
    "external_examiner": [*VIEW, "compliance.export_alert"],
}


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance and AML")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from compliance import jobs, navigation
        from insurer import roles

        roles.contribute({"aml_analyst": ANALYST, "mlro": MLRO, **READERS})
        jobs.register()
        navigation.register_all()

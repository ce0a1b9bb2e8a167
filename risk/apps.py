from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who runs valuations, and who reads them (oversight reads, never runs).
RUNNERS = ["actuary", "chief_actuary", "cro"]
READERS = ["risk_officer", "executive", "board_member", "internal_auditor", "external_examiner"]


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk and actuarial")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from insurer import navigation, roles
        from risk import jobs, jobs_solvency

        contribution = {code: ["risk.run_valuation", "risk.view_valuation"] for code in RUNNERS}
        contribution.update({code: ["risk.view_valuation"] for code in READERS})
        roles.contribute(contribution)
        jobs.register()
        jobs_solvency.register()
        navigation.register(
            navigation.NavItem("valuations", _("Valuations"), "risk:valuations", "risk.view_valuation", _("Risk"), 300)
        )
        navigation.register(
            navigation.NavItem("solvency", _("Solvency"), "risk:solvency", "risk.view_valuation", _("Risk"), 310)
        )
        navigation.register(
            navigation.NavItem("stress", _("Stress tests"), "risk:stress", "risk.view_valuation", _("Risk"), 320)
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who runs valuations, and who reads them (oversight reads, never runs).
RUNNERS = ["actuary", "chief_actuary", "cro"]
READERS = ["risk_officer", "executive", "board_member", "internal_auditor", "external_examiner"]
# Who drafts assumption sets and who approves them (maker ≠ checker: never their own draft).
DRAFTERS = ["actuary", "chief_actuary"]
APPROVERS = ["chief_actuary", "cro"]
CAPITAL_ENTERERS = ["finance_accountant", "actuary", "chief_actuary"]


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk and actuarial")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from insurer import dashboard, navigation, roles
        from risk import jobs, jobs_solvency, jobs_stochastic, model_points

        contribution = {code: ["risk.run_valuation", "risk.view_valuation"] for code in RUNNERS}
        contribution.update({code: ["risk.view_valuation"] for code in READERS})
        roles.contribute(contribution)
        roles.contribute({code: ["risk.view_assumptionset"] for code in RUNNERS + READERS})
        roles.contribute({code: ["risk.draft_assumptions"] for code in DRAFTERS})
        roles.contribute({code: ["risk.approve_assumptions"] for code in APPROVERS})
        # Capital positions: entered by finance and the actuaries, approved by the chief actuary or the CRO.
        roles.contribute({code: ["risk.view_capitalposition"] for code in RUNNERS + READERS + CAPITAL_ENTERERS})
        roles.contribute({code: ["risk.enter_capital"] for code in CAPITAL_ENTERERS})
        roles.contribute({code: ["risk.approve_capital"] for code in APPROVERS})
        navigation.register(
            navigation.NavItem(
                "capital", _("Capital positions"), "risk:capital_positions", "risk.view_capitalposition", _("Risk"), 315
            )
        )
        navigation.register(
            navigation.NavItem(
                "assumptions", _("Assumption sets"), "risk:assumptions", "risk.view_assumptionset", _("Risk"), 305
            )
        )
        jobs.register()
        jobs_solvency.register()
        dashboard.register(
            dashboard.Panel("solvency", "risk/solvency_panel.html", "risk.view_valuation", _solvency_panel, 20)
        )
        jobs_stochastic.register()
        model_points.register()
        navigation.register(
            navigation.NavItem(
                "model_points", _("Model points"), "risk:model_point_sets", "risk.view_valuation", _("Risk"), 302
            )
        )
        navigation.register(
            navigation.NavItem("valuations", _("Valuations"), "risk:valuations", "risk.view_valuation", _("Risk"), 300)
        )
        navigation.register(
            navigation.NavItem("solvency", _("Solvency"), "risk:solvency", "risk.view_valuation", _("Risk"), 310)
        )
        navigation.register(
            navigation.NavItem("stress", _("Stress tests"), "risk:stress", "risk.view_valuation", _("Risk"), 320)
        )


def _solvency_panel(request) -> dict:
    from risk.views_solvency import solvency_panel_context

    return solvency_panel_context(request)

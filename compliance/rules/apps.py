from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who governs the AML rules (docs/aml.md, "Rule governance and the measured truth"). Proposing
# and approving are separate acts of separate people (maker ≠ checker, enforced per version).
P = "compliance_rules."
READ = [P + "view_ruleversion", P + "view_typologylabel"]
ANALYST = [*READ, P + "propose_ruleversion", P + "run_backtest", "jobs.view_job", "jobs.request_job"]
CONTRIBUTION = {
    "aml_analyst": ANALYST,
    "mlro": [*ANALYST, P + "approve_ruleversion"],
    "compliance_officer": [*ANALYST, P + "approve_ruleversion"],
    "cro": READ,
    "internal_auditor": READ,
    "external_examiner": READ,
}


class RulesConfig(AppConfig):
    name = "compliance.rules"
    label = "compliance_rules"
    verbose_name = _("AML rule governance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from compliance.rules import jobs, receivers
        from insurer import navigation, roles

        roles.contribute(CONTRIBUTION)
        jobs.register()
        receivers.connect()
        navigation.register(
            navigation.NavItem(
                "rule_versions", _("Rule versions"), "compliance_rules:versions", P + "view_ruleversion", _("AML"), 440
            )
        )

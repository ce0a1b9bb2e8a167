from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

P = "compliance_holds."
VIEW = [P + "view_restriction"]
HOLDS = [P + "place_hold", P + "lift_hold"]
FREEZES = [P + "place_freeze", P + "lift_freeze"]
SCORE = [P + "score_transaction"]
# Analysts place and lift holds (never one they placed themselves); only the MLRO freezes.
# Payment and claims staff read restrictions to explain a refused payout; oversight reads.
LEGAL_HOLDS = [P + "add_legalhold", P + "change_legalhold", P + "view_legalhold"]
CONTRIBUTION = {
    "aml_analyst": VIEW + HOLDS + SCORE,
    "mlro": VIEW + HOLDS + FREEZES + SCORE + LEGAL_HOLDS,
    "integrator": SCORE,
    **dict.fromkeys(
        ("compliance_officer", "payment_officer", "claims_supervisor", "internal_auditor", "external_examiner"), VIEW
    ),
}  # fmt: skip


class HoldsConfig(AppConfig):
    name = "compliance.holds"
    label = "compliance_holds"
    verbose_name = _("Payout holds and freezes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from compliance.holds import guards, retention
        from insurer import navigation, payouts, roles

        roles.contribute(CONTRIBUTION)
        roles.contribute({"compliance_officer": [*LEGAL_HOLDS, P + "delete_expired_record"]})
        retention.connect()
        payouts.register("compliance.holds", guards.held_payouts)
        navigation.register(
            navigation.NavItem("holds", _("Payout holds"), "compliance_holds:list", VIEW[0], _("Compliance"), 460)
        )

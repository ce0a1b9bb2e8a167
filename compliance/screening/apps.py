from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Who does what (decision 0012). Oversight reads, never writes.
P = "compliance_screening."
READ = [P + "view_watchlist", P + "view_screeninghit", P + "view_customerriskrating", P + "view_eddtask"]
ANALYST = [*READ, P + "review_screeninghit", P + "screen_name", P + "run_screening", P + "complete_eddtask"]
MLRO = [*ANALYST, P + "confirm_screeninghit", P + "import_watchlist"]
CONTRIBUTION = {
    "aml_analyst": ANALYST,
    "mlro": MLRO,
    "compliance_officer": [*READ, P + "import_watchlist", P + "run_screening", P + "screen_name"],
    "underwriter": [P + "screen_name"],
    "integrator": [P + "screen_name", P + "view_screeninghit"],
    "internal_auditor": READ,
    "external_examiner": READ,
}


class ScreeningConfig(AppConfig):
    name = "compliance.screening"
    label = "compliance_screening"
    verbose_name = _("AML screening and due diligence")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from compliance.screening import jobs, receivers
        from insurer import navigation, roles

        roles.contribute(CONTRIBUTION)
        jobs.register()
        receivers.connect()
        section = _("AML")
        for key, label, url, perm, order in [
            ("screening_hits", _("Screening hits"), "compliance_screening:hits", P + "view_screeninghit", 410),
            ("watchlists", _("Watch lists"), "compliance_screening:watchlists", P + "view_watchlist", 420),
            ("risk_ratings", _("Customer risk"), "compliance_screening:ratings", P + "view_customerriskrating", 430),
        ]:
            navigation.register(navigation.NavItem(key, label, url, perm, section, order))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "insurer.ledger"
    label = "ledger"
    verbose_name = _("Audit ledger")

    def ready(self) -> None:
        from insurer import navigation, roles

        read = ["ledger.view_auditevent", "ledger.view_checkpoint", "ledger.verify_ledger"]
        roles.contribute({
            "internal_auditor": [*read, "ledger.export_ledger"],
            "external_examiner": [*read, "ledger.export_ledger"],
            "compliance_officer": read,
            "cro": read,
            "it_admin": ["ledger.verify_ledger", "ledger.view_checkpoint"],
        })  # fmt: skip
        section = _("Oversight")
        navigation.register(navigation.NavItem("ledger", _("Audit ledger"), "ledger:event_list",
                                               "ledger.view_auditevent", section, 10))  # fmt: skip
        navigation.register(navigation.NavItem("ledger_verify", _("Verify the ledger"), "ledger:verify",
                                               "ledger.verify_ledger", section, 20))  # fmt: skip

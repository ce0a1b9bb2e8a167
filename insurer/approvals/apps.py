from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "insurer.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from insurer.approvals import registry

        registry.register_all()

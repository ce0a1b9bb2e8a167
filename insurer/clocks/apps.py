from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClocksConfig(AppConfig):
    name = "insurer.clocks"
    label = "clocks"
    verbose_name = _("Regulatory clocks")

    def ready(self) -> None:
        from insurer.clocks import registry

        registry.register_all()

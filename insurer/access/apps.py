from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "insurer.access"
    label = "access"
    verbose_name = _("Access and separation of duties")

    def ready(self) -> None:
        from insurer.access import checks, registry  # noqa: F401  (system check, menus, permissions)

        registry.register_all()

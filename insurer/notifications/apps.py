from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "insurer.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from insurer import navigation

        navigation.register(
            navigation.NavItem("notifications", _("Notifications"), "notifications:list", None, _("Me"), 900)
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Book of business")

    def ready(self) -> None:
        # Navigation entries and the home-dashboard panel (see insurer/navigation.py).
        from customers import jobs, registry

        registry.register_all()
        jobs.register()  # job kinds over the book (insurer.jobs)

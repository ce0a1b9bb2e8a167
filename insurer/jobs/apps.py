import os
from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Roles that run and read jobs. Oversight roles read them; no oversight role may request or cancel.
REQUESTERS = [
    "executive",
    "cro",
    "chief_actuary",
    "compliance_officer",
    "risk_officer",
    "actuary",
    "finance_accountant",
]
READERS = ["internal_auditor", "external_examiner"]
CANCELLERS = ["cro", "chief_actuary", "it_admin"]  # may cancel anyone's job (requesters cancel their own)


class JobsConfig(AppConfig):
    name = "insurer.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self) -> None:
        from insurer import navigation, roles

        contribution: dict[str, list[str]] = {}
        for code in REQUESTERS:
            contribution.setdefault(code, []).extend(["jobs.view_job", "jobs.request_job"])
        for code in READERS:
            contribution.setdefault(code, []).append("jobs.view_job")
        for code in CANCELLERS:
            contribution.setdefault(code, []).extend(["jobs.view_job", "jobs.cancel_job"])
        roles.contribute(contribution)
        navigation.register(navigation.NavItem("jobs", _("Jobs"), "jobs:list", "jobs.view_job", _("Controls"), 500))
        # Extra job kinds by module path (comma-separated), for test and operations kinds that
        # no app registers: the worker processes of the integration tests load a test-only kind.
        for module in filter(None, os.environ.get("INSURER_JOBS_EXTRA_KINDS", "").split(",")):
            import_module(module.strip()).register()

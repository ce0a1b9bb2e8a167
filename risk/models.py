"""The risk app keeps its runs as platform jobs (insurer.jobs: parameters, input hash, code
version, requester, chunk results, summary), so it has no tables of its own yet. This model
only carries the app's permissions (no table): who may run valuations and who may read them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskPermissions(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("run_valuation", _("Can run valuation, solvency and stress jobs")),
            ("view_valuation", _("Can read valuation, solvency and stress results")),
        ]

    def __str__(self) -> str:
        return "risk permissions"

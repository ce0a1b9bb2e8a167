"""Reads of the risk app: valuation runs are platform jobs of kind ``book_valuation``. Their
readers are the holders of risk.view_valuation (the board among them), whether or not they
may see the platform's job pages: valuations are company-wide, not department data."""

from __future__ import annotations

from django.db.models import QuerySet

from insurer.jobs.models import Job

VALUATION_KIND = "book_valuation"


def valuations_for(user) -> QuerySet[Job]:
    if not user.has_perm("risk.view_valuation"):
        return Job.objects.none()
    return Job.objects.filter(kind=VALUATION_KIND).select_related("requested_by")

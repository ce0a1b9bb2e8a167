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


def valuation_roll_forward(summary: dict, months: int = 12):
    """The base scenario's expected reserve roll-forward over the first ``months`` of the run
    (risk/engine/roll_forward.py), from its stored cash flows discounted on the curve its chunks
    valued on: the assumption set's pricing curve (risk/jobs.py, run_chunk). None for a run
    without cash flows, or whose assumption set is gone or changed (the page says so)."""
    from risk import assumptions
    from risk.engine.curves import monthly_discount_factors
    from risk.engine.roll_forward import reserve_roll_forward

    flows = summary.get("cashflows") or {}
    if not flows.get("premiums"):
        return None
    try:
        basis = assumptions.basis_for_run(summary.get("assumption_set"))
    except assumptions.UnapprovedBasis:
        return None
    discount = monthly_discount_factors(basis.pricing_spot_curve, len(flows["premiums"]) + 1)
    return reserve_roll_forward(flows, discount, months)

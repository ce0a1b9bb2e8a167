"""Valuation screens: the runs, and one run's results (present values by scenario and by
product, the base cash flows as a chart, Rule 5 capital). Running one is the jobs' form
(/jobs/run/book_valuation/): a job with a progress bar, chunked across workers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from customers.models import Product
from insurer.access import require
from risk.jobs import SKIP_REASON_LABELS
from risk.selectors import VALUATION_KIND, valuation_roll_forward, valuations_for

PV_COLUMNS = ["pv_premiums", "pv_claims", "pv_maturities", "pv_annuities", "pv_expenses", "pv_commissions",
              "pv_net_cf", "bel"]  # fmt: skip
# By product and by kind; runs from before maturities and annuities were valued show blanks there.
PV_BY_PRODUCT = ["pv_premiums", "pv_claims", "pv_maturities", "pv_annuities", "pv_net_cf", "bel"]
CHART_SERIES = ["premiums", "claims", "maturities", "annuities", "expenses", "commissions", "net_cf"]


@login_required
@require_GET
def valuation_list(request):
    require(request.user, "risk.view_valuation", _("Your role may not read valuations."))
    runs = valuations_for(request.user).order_by("-created_at")[:100]
    can_run = request.user.has_perm("risk.run_valuation") and request.user.has_perm("jobs.request_job")
    return render(request, "risk/valuations.html", {"runs": runs, "can_run": can_run, "kind": VALUATION_KIND})


def _kind_label(kind: str | None) -> str:
    """The product kind in the reader's language ("" for runs from before kinds were recorded)."""
    return str(dict(Product.Kind.choices).get(kind, kind or ""))


def _cashflow_chart(summary: dict) -> dict:
    flows = summary.get("cashflows") or {}
    months = len(flows.get("premiums", []))
    labels = {"premiums": _("Premiums"), "claims": _("Claims"), "maturities": _("Maturity benefits"),
              "annuities": _("Annuity payments"), "expenses": _("Expenses"), "commissions": _("Commissions"),
              "net_cf": _("Net cash flow")}  # fmt: skip
    return {
        "kind": "line",
        "categories": [str(m) for m in range(months)],
        "axes": [{"name": _("CNY per month"), "format": "money"}],
        "series": [
            {"name": str(labels[name]), "type": "line", "data": [round(v, 2) for v in flows[name]]}
            for name in CHART_SERIES
            if name in flows
        ],
    }


def _roll_forward_rows(roll) -> list[tuple[str, float, str]] | None:
    """The roll-forward as (label, amount, role) rows: opening, movements, closing."""
    if roll is None:
        return None
    paid = {"claims": _("Claims paid"), "maturities": _("Maturity benefits paid"),
            "annuities": _("Annuity payments"), "expenses": _("Expenses"), "commissions": _("Commissions")}  # fmt: skip
    rows = [(_("Opening BEL (valuation date)"), roll.opening_bel, "opening"),
            (_("Premiums received"), roll.premiums, "movement")]  # fmt: skip
    rows += [(str(paid[kind]), -amount, "movement") for kind, amount in roll.outgo.items()]
    rows += [(_("Interest (unwind of the discount)"), roll.interest, "movement"),
             (_("Closing BEL (month %(m)s)") % {"m": roll.months}, roll.closing_bel, "closing")]  # fmt: skip
    return rows


@login_required
@require_GET
def valuation_detail(request, pk: int):
    job = valuations_for(request.user).filter(pk=pk).first()
    if job is None:  # absent, another kind of job, or out of scope: all look the same
        raise Http404
    summary = job.result_summary or {}
    # The base scenario first, then the others by name: the same order on every database
    # (PostgreSQL's jsonb returns keys sorted by length, SQLite as written).
    by_scenario = sorted((summary.get("totals") or {}).items(), key=lambda item: (item[0] != "base", item[0]))
    totals = [(name, [values.get(c) for c in PV_COLUMNS]) for name, values in by_scenario]
    kinds = summary.get("product_kinds") or {}
    products = [
        (code, _kind_label(kinds.get(code)), [values.get(c) for c in PV_BY_PRODUCT])
        for code, values in sorted((summary.get("by_product") or {}).items())
    ]
    by_kind = [
        (_kind_label(kind), [values.get(c) for c in PV_BY_PRODUCT])
        for kind, values in sorted((summary.get("by_kind") or {}).items())
    ]
    skipped = [
        (str(SKIP_REASON_LABELS.get(reason, reason)), n) for reason, n in sorted((summary.get("skipped") or {}).items())
    ]
    context = {
        "job": job, "summary": summary, "totals": totals, "products": products, "pv_columns": PV_COLUMNS,
        "by_kind": by_kind, "pv_by_product": PV_BY_PRODUCT, "skipped": skipped,
        "capital": summary.get("capital"), "chart": _cashflow_chart(summary) if summary else None,
        "roll_forward": _roll_forward_rows(valuation_roll_forward(summary)) if summary else None,
    }  # fmt: skip
    return render(request, "risk/valuation.html", context)

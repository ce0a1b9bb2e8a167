"""C-ROSS solvency and stress runs of the book as jobs (insurer.jobs), beside ``book_valuation``.

Both kinds split the book exactly as the valuation does (ranges of in-force policy ids, any
worker computes a chunk) and reuse its chunk computation: the solvency run projects every
chunk under the 16 C-ROSS standard scenarios, the stress run under those and the regulator's
stress tests (Attachment 4 scenarios 1-3, the sensitivity, the Attachment 6 cash-flow test).
The reduce sums the chunks (so nothing depends on the chunking), derives Rule 5 life-insurance
and interest-rate risk capital, and then, with the capital figures the run was given as
parameters (core and actual capital, the IRR rating, the SARMRA score, the other modules'
capital, loss absorbency, total assets, add-ons), the minimum capital by module with the
diversification effect, the control-risk factor Q(S), both ratios and the pass test.

Why the capital figures are parameters: own funds, the non-life, market and credit modules
and the SARMRA score come from the balance sheet, the investment book and the regulator's
assessment, none of which this platform holds; the run keeps what it was given (they are in
its parameters, hence in its input hash) so a reader sees what the ratios rest on.

Stress results against capital (``stress_run``): the liability change of each scenario
(BEL_stress − BEL_base) plus the asset-side loss the scenario prescribes on the holdings given
as parameters (equities, fixed income, fixed income maturing within a year) is taken from core
and actual capital; the ratios after stress are formed on the base minimum capital. The
regulator's test also recomputes the minimum capital under each scenario; that is not done
here (it would need the 16 shocks under every stress) and the report says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry
from insurer.jobs.models import Job
from risk import jobs as valuation_jobs

SOLVENCY_KIND = "solvency_run"
STRESS_KIND = "stress_run"
VALUATION_KIND = "book_valuation"
KINDS = (VALUATION_KIND, SOLVENCY_KIND, STRESS_KIND)
ENGINE_VERSION = valuation_jobs.ENGINE_VERSION
IRR_RATINGS = ["AAA", "AA", "A", "BBB", "BB", "B", "C", "D"]

# Money inputs: CNY, two decimals, stored as strings in the parameters (exact).
_MONEY = {"max_digits": 20, "decimal_places": 2}


def _money(label, help_text, *, required=False, min_value=Decimal("0")):
    return forms.DecimalField(label=label, help_text=help_text, required=required, min_value=min_value, **_MONEY)


class SolvencyForm(valuation_jobs.ValuationForm):
    """The valuation's fields (basis, valuation date, chunk size) without the scenario choice,
    plus the capital position the run is measured against."""

    scenarios = None  # always the 16 C-ROSS standard scenarios
    core_capital = _money(_("Core capital (CNY)"), _("Core tier 1 and tier 2 capital."), required=True)
    actual_capital = _money(
        _("Actual capital (CNY)"), _("Core plus supplementary capital: not less than the core capital."), required=True
    )
    irr_rating = forms.ChoiceField(
        label=_("Integrated risk rating"), choices=[(r, r) for r in IRR_RATINGS], initial="A"
    )
    sarmra_score = forms.DecimalField(
        label=_("SARMRA score"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=80,
        help_text=_("The regulator's risk-management assessment (0-100); sets the control-risk factor Q(S)."),
    )
    non_life_capital = _money(_("Non-life insurance risk capital (CNY)"), _("Minimum capital of the non-life module."))
    market_capital = _money(
        _("Market risk capital (CNY)"),
        _(
            "Minimum capital of the market module from the investment book; the liabilities' interest-rate risk "
            "computed by the run is added to it."
        ),
    )
    credit_capital = _money(_("Credit risk capital (CNY)"), _("Minimum capital of the credit module."))
    absorbency_base = _money(_("Loss absorbency: MC before absorbency (CNY)"), _("MC_acct; 0 for none."))
    absorbency_cap = _money(_("Loss absorbency cap (CNY)"), _("LA_cap; 0 for none."))
    absorbency_k = forms.DecimalField(
        label=_("Loss absorbency adjustment K"),
        required=False,
        min_value=-1,
        max_value=1,
        max_digits=6,
        decimal_places=4,
        help_text=_("β = (1 + K) · min(0.5, 0.22 · LA_cap / MC_acct + 0.02)."),
    )
    total_assets = _money(
        _("Total assets (CNY)"), _("Sets the size factor on MC* [verify]; leave empty for no reduction.")
    )
    add_ons = _money(_("Capital add-ons (CNY)"), _("Added to the minimum capital."))

    ZERO_DEFAULTS = (
        "non_life_capital",
        "market_capital",
        "credit_capital",
        "absorbency_base",
        "absorbency_cap",
        "absorbency_k",
        "add_ons",
    )

    def clean(self):
        data = super().clean()
        for name in self.ZERO_DEFAULTS:
            if name in data and data[name] is None:
                data[name] = Decimal("0")
        core, actual = data.get("core_capital"), data.get("actual_capital")
        if core is not None and actual is not None and actual < core:
            raise ValidationError({"actual_capital": _("Actual capital includes the core capital: it cannot be less.")})
        return data


class StressForm(SolvencyForm):
    """The solvency run's fields plus the holdings the asset-side shocks apply to."""

    equity_holdings = _money(_("Equity holdings (CNY)"), _("Scenario 2 takes 20% off, the sensitivity 30%."))
    fixed_income_holdings = _money(_("Fixed-income holdings (CNY)"), _("Scenario 2 loses a tenth of them to defaults."))
    maturing_fixed_income = _money(
        _("Fixed income maturing within a year (CNY)"), _("The cash-flow test loses a tenth of it.")
    )
    ZERO_DEFAULTS = (*SolvencyForm.ZERO_DEFAULTS, "equity_holdings", "fixed_income_holdings", "maturing_fixed_income")


# --------------------------------------------------------------------------- chunks and reduce


def _with(parameters: dict, scenarios: str) -> dict:
    return {**parameters, "scenarios": scenarios}


def solvency_chunk(parameters: dict, spec: dict) -> dict:
    return valuation_jobs.run_chunk(_with(parameters, "cross"), spec)


def stress_chunk(parameters: dict, spec: dict) -> dict:
    return {
        "cross": valuation_jobs.run_chunk(_with(parameters, "cross"), spec),
        "stress": valuation_jobs.run_chunk(_with(parameters, "stress"), spec),
    }


def _number(parameters: dict, name: str, default: float = 0.0) -> float:
    value = parameters.get(name)
    return default if value in (None, "") else float(value)


def solvency_position(parameters: dict, capital: dict | None) -> dict:
    """Minimum capital by module, diversification, loss absorbency, size factor, Q(S), both
    ratios and the pass test, from the run's Rule 5 figures and its capital parameters."""
    from risk.engine.shocks import load_shock_table
    from risk.engine.solvency import cross_solvency

    table = load_shock_table("cross", dt.date.fromisoformat(parameters["valuation_date"]))
    capital = capital or {}
    life = float(capital.get("life_insurance_risk", 0.0))
    interest = float(capital.get("interest_rate_risk", 0.0))
    market_given = _number(parameters, "market_capital")
    modules = {
        "life": life,
        "non_life": _number(parameters, "non_life_capital"),
        "market": market_given + interest,
        "credit": _number(parameters, "credit_capital"),
    }
    total_assets = parameters.get("total_assets")
    try:
        p = cross_solvency(
            modules,
            table=table,
            core_capital=_number(parameters, "core_capital"),
            actual_capital=_number(parameters, "actual_capital"),
            irr_rating=parameters["irr_rating"],
            sarmra_score=_number(parameters, "sarmra_score"),
            absorbency_base=_number(parameters, "absorbency_base"),
            absorbency_cap=_number(parameters, "absorbency_cap"),
            absorbency_k=_number(parameters, "absorbency_k"),
            total_assets_cny=None if total_assets in (None, "") else float(total_assets),
            add_ons=_number(parameters, "add_ons"),
        )
    except ValueError as exc:
        if "minimum_capital must be positive" in str(exc):
            raise ValueError(
                "The minimum capital is zero (no valued business and no other module's capital): "
                "no solvency ratio can be formed."
            ) from None
        raise
    return {
        "shock_table": p.table_version,
        "modules": p.modules,
        "market_given": market_given,
        "interest_rate_risk": interest,
        "modules_sum": float(sum(p.modules.values())),
        "aggregated": p.aggregated,
        "diversification": p.diversification,
        "loss_absorbency": p.loss_absorbency,
        "loss_absorbency_beta": p.loss_absorbency_beta,
        "minimum_capital_before_size": p.minimum_capital_before_size,
        "size_factor": p.size_factor,
        "size_reduction": p.minimum_capital_before_size - p.quantifiable_minimum_capital,
        "quantifiable_minimum_capital": p.quantifiable_minimum_capital,
        "sarmra_score": _number(parameters, "sarmra_score"),
        "control_risk_q": p.control_risk_q,
        "control_risk_capital": p.control_risk_capital,
        "add_ons": p.add_ons,
        "minimum_capital": p.minimum_capital,
        "core_capital": p.core_capital,
        "actual_capital": p.actual_capital,
        "ratio_core": p.solvency_ratio_core,
        "ratio_comprehensive": p.solvency_ratio_comprehensive,
        "core_minimum": table.number("core_ratio_minimum"),
        "comprehensive_minimum": table.number("comprehensive_ratio_minimum"),
        "irr_rating": p.irr_rating,
        "irr_category": p.irr_category,
        "passed": p.passed,
        "failures": list(p.failures),
    }


def solvency_reduce(parameters: dict, results: list[dict]) -> dict:
    summary = valuation_jobs.reduce(_with(parameters, "cross"), results)
    summary["kind"] = SOLVENCY_KIND
    summary["solvency"] = solvency_position(parameters, summary.get("capital"))
    return summary


STRESS_SCENARIOS = (
    "stress1_new_business_high",
    "stress1_new_business_low",
    "stress2_rate_up_50bp",
    "stress3_rate_down",
    "sensitivity_rate_down_50bp",
    "cash_flow_test",
)


def stress_results(parameters: dict, totals: dict, position: dict) -> list[dict]:
    """Each stress scenario against capital: liability change + asset loss off both capitals,
    ratios on the base minimum capital, and whether they stay at or above 50% and 100%."""
    import numpy as np

    from risk.engine.shocks import cross_stress_tests, load_shock_table

    table = load_shock_table("cross", dt.date.fromisoformat(parameters["valuation_date"]))
    # The asset-side shocks do not depend on the curve: any valid curve gives them.
    asset_shocks = cross_stress_tests(table, np.full(100, 0.03)).asset_shocks
    equity = _number(parameters, "equity_holdings")
    fixed_income = _number(parameters, "fixed_income_holdings")
    maturing = _number(parameters, "maturing_fixed_income")
    base_bel = float(totals.get("base", {}).get("bel", 0.0))
    mc = position["minimum_capital"]
    rows = []
    for name in STRESS_SCENARIOS:
        bel = float(totals.get(name, {}).get("bel", base_bel))
        shock = asset_shocks.get(name)
        asset_loss = 0.0
        if shock is not None:
            asset_loss = (
                equity * max(-shock.equity_change, 0.0)
                + fixed_income * shock.fixed_income_default_loss
                + maturing * shock.maturing_fixed_income_loss
            )
        loss = (bel - base_bel) + asset_loss
        core_after, actual_after = position["core_capital"] - loss, position["actual_capital"] - loss
        ratio_core, ratio_comprehensive = core_after / mc, actual_after / mc
        rows.append(
            {
                "scenario": name,
                "bel": bel,
                "bel_change": bel - base_bel,
                "asset_loss": asset_loss,
                "loss": loss,
                "core_capital_after": core_after,
                "actual_capital_after": actual_after,
                "ratio_core_after": ratio_core,
                "ratio_comprehensive_after": ratio_comprehensive,
                "passed": ratio_core >= position["core_minimum"]
                and ratio_comprehensive >= position["comprehensive_minimum"],
            }
        )
    return rows


def stress_reduce(parameters: dict, results: list[dict]) -> dict:
    summary = solvency_reduce(parameters, [r["cross"] for r in results])
    summary["kind"] = STRESS_KIND
    stressed = valuation_jobs.reduce(_with(parameters, "stress"), [r["stress"] for r in results])
    summary["stress_totals"] = stressed["totals"]
    summary["stress"] = stress_results(parameters, stressed["totals"], summary["solvency"])
    summary["holdings"] = {
        name: _number(parameters, name)
        for name in ("equity_holdings", "fixed_income_holdings", "maturing_fixed_income")
    }
    return summary


def fingerprint(parameters: dict) -> dict:
    return valuation_jobs.fingerprint(parameters)


# --------------------------------------------------------------------------- reads


def runs_for(user, kind: str) -> QuerySet[Job]:
    """Runs of one risk kind that ``user`` may read (risk.view_valuation; company-wide data)."""
    if kind not in KINDS or not user.has_perm("risk.view_valuation"):
        return Job.objects.none()
    return Job.objects.filter(kind=kind).select_related("requested_by")


def register() -> None:
    common = {
        "version": ENGINE_VERSION,
        "permission": "risk.run_valuation",
        "split": valuation_jobs.split,
        "input_fingerprint": fingerprint,
    }
    registry.register(
        registry.JobKind(
            name=SOLVENCY_KIND,
            verbose_name=_("C-ROSS solvency of the book"),
            description=_(
                "The 16 C-ROSS standard scenarios on every in-force term policy: Rule 5 life-insurance and "
                "interest-rate risk capital, then with the capital given, the minimum capital by module with the "
                "diversification effect, the control-risk factor Q(S), the core and comprehensive ratios and the "
                "pass test."
            ),
            form=SolvencyForm,
            run_chunk=solvency_chunk,
            reduce=solvency_reduce,
            **common,
        )
    )
    registry.register(
        registry.JobKind(
            name=STRESS_KIND,
            verbose_name=_("Stress tests of the book against capital"),
            description=_(
                "The regulator's stress scenarios 1-3, the sensitivity and the cash-flow test on every in-force "
                "term policy, with the solvency position: capital and both ratios after each stress."
            ),
            form=StressForm,
            run_chunk=stress_chunk,
            reduce=stress_reduce,
            **common,
        )
    )

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
and actual capital. As the regulator's test does, the minimum capital is recomputed under each
scenario: the chunks also project the 15 C-ROSS capital shocks on each of the six stressed
bases (``shocks.cross_standard_under_stress``, exact composition), the reduce derives Rule 5
life-insurance and interest-rate risk after each stress and the minimum capital with the
other modules as given; the ratios after stress are on that stressed minimum capital, and the
ratios on the base minimum capital are kept beside them so the change is visible.
User-defined scenarios given to the run (``user_scenarios``, YAML, validated by
``runs.user_scenario_set`` as the command's file is) go through the same path ("U|C") and are
reported beside the regulator's as ``user_stress``, each row marked user-defined.

Solvency II (``regime = solvency2`` on the solvency run): the chunks project the Solvency II
life and interest scenarios and the reduce gives the SCR (``solvency2_position``).
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

# A run's figures come back from a JSON column; PostgreSQL's jsonb does not keep key order
# (it sorts keys by length), so every list shown in a fixed order names that order here.
CROSS_MODULES = ("life", "non_life", "market", "credit")
SII_MODULES = ("market", "default", "life", "health", "non_life")
SII_LIFE_SUB_MODULES = ("mortality", "longevity", "disability", "lapse", "expense", "revision", "catastrophe")
SII_LAPSE_PARTS = ("up", "down", "mass")


def in_order(values: dict, order: tuple[str, ...]) -> list[tuple[str, float]]:
    """``values`` as (key, value) pairs in ``order``, any other keys after them, sorted."""
    known = [(k, values[k]) for k in order if k in values]
    return known + sorted((k, v) for k, v in values.items() if k not in order)


SOLVENCY_KIND = "solvency_run"
STRESS_KIND = "stress_run"
VALUATION_KIND = "book_valuation"
KINDS = (VALUATION_KIND, SOLVENCY_KIND, STRESS_KIND)
ENGINE_VERSION = valuation_jobs.ENGINE_VERSION
IRR_RATINGS = ["AAA", "AA", "A", "BBB", "BB", "B", "C", "D"]

CROSS, SOLVENCY2 = "cross", "solvency2"
REGIMES = {CROSS: "C-ROSS", SOLVENCY2: "Solvency II"}
REGIME_CHOICES = [(CROSS, _("C-ROSS (default)")), (SOLVENCY2, _("Solvency II standard formula"))]
SOLVENCY2_CAPITAL = ("scr_market", "scr_default", "scr_health", "scr_non_life", "scr_intangible", "scr_operational",
                     "scr_adjustment")  # fmt: skip


def regime_of(parameters: dict | None) -> str:
    """A run's regime; runs from before the regime parameter are C-ROSS."""
    return (parameters or {}).get("regime") or CROSS


# Money inputs: CNY, two decimals, stored as strings in the parameters (exact).
_MONEY = {"max_digits": 20, "decimal_places": 2}


def _money(label, help_text, *, required=False, min_value=Decimal("0")):
    return forms.DecimalField(label=label, help_text=help_text, required=required, min_value=min_value, **_MONEY)


class SolvencyForm(valuation_jobs.ValuationForm):
    """The valuation's fields (basis, valuation date, chunk size) without the scenario choice,
    the regime (C-ROSS or Solvency II), and the capital position the run is measured against:
    the C-ROSS fields are required for a C-ROSS run, own funds for a Solvency II run."""

    scenarios = None  # the regime's scenario set: the 16 C-ROSS standard scenarios or Solvency II's
    regime = forms.ChoiceField(
        label=_("Regime"), required=False, initial=CROSS, choices=REGIME_CHOICES,
        help_text=_("C-ROSS (minimum capital, core and comprehensive ratios) or the Solvency II standard formula "
                    "(life and interest-rate SCR from the book, BSCR, SCR and the SCR ratio)."),
    )  # fmt: skip
    core_capital = _money(_("Core capital (CNY)"), _("C-ROSS: core tier 1 and tier 2 capital."))
    actual_capital = _money(
        _("Actual capital (CNY)"), _("C-ROSS: core plus supplementary capital, not less than the core capital.")
    )
    capital_position = forms.IntegerField(
        label=_("Approved capital position"), required=False, widget=forms.Select,
        help_text=_("The run takes its capital figures from an approved capital position of the same valuation "
                    "date (leave the figures below empty). Without one, the figures below make a what-if run, "
                    "flagged as such on the screens and the report."),
    )  # fmt: skip
    irr_rating = forms.ChoiceField(
        label=_("Integrated risk rating"), choices=[("", "–"), *[(r, r) for r in IRR_RATINGS]], required=False
    )
    sarmra_score = forms.DecimalField(
        label=_("SARMRA score"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
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
    # Solvency II (Directive 2009/138/EC Art. 103): the modules the book does not give.
    own_funds = _money(_("Eligible own funds (CNY, Solvency II)"), _("Own funds eligible to cover the SCR."))
    scr_market = _money(
        _("Market SCR other than interest rate (CNY, Solvency II)"),
        _("Equity, property, spread, currency and concentration; the run adds its interest-rate SCR without "
          "diversification between them (prudent)."),
    )  # fmt: skip
    scr_default = _money(_("Counterparty default SCR (CNY, Solvency II)"), _("Counterparty default risk module."))
    scr_health = _money(_("Health underwriting SCR (CNY, Solvency II)"), _("Health underwriting risk module."))
    scr_non_life = _money(_("Non-life underwriting SCR (CNY, Solvency II)"), _("Non-life underwriting risk module."))
    scr_intangible = _money(_("Intangible asset SCR (CNY, Solvency II)"), _("Added to the BSCR undiversified."))
    scr_operational = _money(_("Operational risk SCR (CNY, Solvency II)"), _("Added to the BSCR."))
    scr_adjustment = _money(
        _("Loss-absorbing capacity of technical provisions and deferred taxes (CNY, Solvency II)"),
        _("Taken off the BSCR plus operational risk; 0 for none."),
    )

    ZERO_DEFAULTS = (
        "non_life_capital",
        "market_capital",
        "credit_capital",
        "absorbency_base",
        "absorbency_cap",
        "absorbency_k",
        "add_ons",
        *SOLVENCY2_CAPITAL,
    )
    REQUIRED = {CROSS: ("core_capital", "actual_capital", "irr_rating", "sarmra_score"), SOLVENCY2: ("own_funds",)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from risk import capital

        self.fields["capital_position"].widget.choices = [("", _("None: a what-if run on the figures below")),
                                                          *capital.approved_choices()]  # fmt: skip

    def capital_figure_names(self) -> list[str]:
        from risk import capital

        return [n for n in capital.FIGURES if n in self.fields]

    def _from_capital_position(self, data: dict) -> None:
        """Fill the capital figures from the approved position referenced, or mark a what-if run."""
        from risk import capital

        pk = data.get("capital_position")
        data["what_if"] = not pk
        if not pk:
            data["capital_position"] = None
            return
        try:
            position = capital.approved_position(pk)
        except ValidationError as exc:
            self.add_error("capital_position", exc.messages[0])
            return
        day = data.get("valuation_date")
        if day is not None and position.valuation_date != day:
            message = _("Capital position %(id)s is for %(its)s, the run for %(run)s.")
            dates = {"id": pk, "its": position.valuation_date.isoformat(), "run": day.isoformat()}
            self.add_error("capital_position", message % dates)
            return
        given = [n for n in self.capital_figure_names() if self.data.get(n) not in (None, "")]
        if given:
            self.add_error(given[0], _("Leave the capital figures empty when the run uses an approved capital "
                                       "position: its figures are the ones used."))  # fmt: skip
            return
        for name in self.capital_figure_names():
            raw = position.figures.get(name)
            data[name] = self.fields[name].clean(raw) if raw not in (None, "") else None
        data["capital_position"] = position.run_reference()

    def clean(self):
        data = super().clean()
        data["regime"] = regime = data.get("regime") or CROSS
        self._from_capital_position(data)
        for name in self.REQUIRED[regime] if "capital_position" not in self.errors else ():
            if data.get(name) not in (None, "") or name in self.errors:
                continue
            if data.get("capital_position"):
                missing = _("This capital position has no %(field)s, which a %(regime)s run needs.")
                self.add_error("capital_position", missing % {"field": name, "regime": REGIMES[regime]})
            else:
                self.add_error(name, _("This field is required for a %(regime)s run.") % {"regime": REGIMES[regime]})
        for name in self.ZERO_DEFAULTS:
            if name in data and data[name] is None:
                data[name] = Decimal("0")
        core, actual = data.get("core_capital"), data.get("actual_capital")
        if regime == CROSS and core is not None and actual is not None and actual < core:
            raise ValidationError({"actual_capital": _("Actual capital includes the core capital: it cannot be less.")})
        return data


class StressForm(SolvencyForm):
    """The solvency run's C-ROSS fields plus the holdings the asset-side shocks apply to (the
    regulator's stress tests are C-ROSS's: no Solvency II fields)."""

    regime = None
    own_funds = scr_market = scr_default = scr_health = scr_non_life = None
    scr_intangible = scr_operational = scr_adjustment = None

    equity_holdings = _money(_("Equity holdings (CNY)"), _("Scenario 2 takes 20% off, the sensitivity 30%."))
    fixed_income_holdings = _money(_("Fixed-income holdings (CNY)"), _("Scenario 2 loses a tenth of them to defaults."))
    maturing_fixed_income = _money(
        _("Fixed income maturing within a year (CNY)"), _("The cash-flow test loses a tenth of it.")
    )
    user_scenarios = forms.CharField(
        label=_("User-defined scenarios (YAML, optional)"), required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "font-monospace"}),
        help_text=_("Projected beside the regulator's and reported against capital the same way. The same YAML as "
                    "manage.py stress --scenarios: a list under 'scenarios', each with name, source and any of "
                    "mortality_mult, mortality_add, lapse_mult, lapse_floor, expense_mult, inflation_add, "
                    "new_business_mult, spot_shift, spot_mult or spot_rates, equity_change, "
                    "fixed_income_default_loss, maturing_fixed_income_loss (docs/actuarial.md)."),
    )  # fmt: skip
    ZERO_DEFAULTS = (
        *(n for n in SolvencyForm.ZERO_DEFAULTS if n not in SOLVENCY2_CAPITAL),
        "equity_holdings",
        "fixed_income_holdings",
        "maturing_fixed_income",
    )

    def clean(self):
        data = super().clean()
        text = (data.get("user_scenarios") or "").strip()
        if not text:
            # Absent rather than empty: a run without user scenarios keeps the parameters (and
            # so the input hash) it had before the field existed.
            data.pop("user_scenarios", None)
            return data
        from risk import runs

        try:
            runs.user_scenario_set(text, _base_curve(data.get("assumption_set")))
        except runs.InputError as exc:
            self.add_error("user_scenarios", str(exc))
        data["user_scenarios"] = text  # kept in the run's parameters, hence in its input hash
        return data


def _base_curve(assumption_set: dict | None):
    """The curve the chunks build the scenarios on (the basis's), for validating user scenarios
    against its length; a flat 100-year curve when the basis itself was refused."""
    import numpy as np

    from risk import assumptions

    if assumption_set is None:
        return np.full(100, 0.03)
    return assumptions.basis_for_run(assumption_set).pricing_spot_curve


# --------------------------------------------------------------------------- chunks and reduce


def _with(parameters: dict, scenarios: str) -> dict:
    return {**parameters, "scenarios": scenarios}


def solvency_chunk(parameters: dict, spec: dict) -> dict:
    return valuation_jobs.run_chunk(_with(parameters, regime_of(parameters)), spec)


def stress_chunk(parameters: dict, spec: dict) -> dict:
    """The 16 C-ROSS scenarios, and the 15 capital shocks on each of the six stressed bases
    ("S|C"; "S|base" is stress S itself, so it also gives each stress's liability); with
    user-defined scenarios, the same on each of them."""
    out = {
        "cross": valuation_jobs.run_chunk(_with(parameters, "cross"), spec),
        "under_stress": valuation_jobs.run_chunk(_with(parameters, "cross_under_stress"), spec),
    }
    if parameters.get("user_scenarios"):
        # The user's scenarios the same way: "U|base" is U itself, "U|C" the capital shocks on it.
        out["user_under_stress"] = valuation_jobs.run_chunk(_with(parameters, "user_under_stress"), spec)
    return out


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


def solvency2_position(parameters: dict, totals: dict, adverse_by_policy: dict | None = None) -> dict:
    """Solvency II: the life underwriting SCR by sub-module with CorrLife (diversification
    shown), the interest-rate SCR, then with the capital given the BSCR by module (Annex IV
    correlations), the SCR and the SCR ratio. The MCR is not computed: the project's
    specification gives no MCR formula (see docs/actuarial.md, "Solvency II basis")."""

    from risk.engine.shocks import load_shock_table
    from risk.engine.solvency import solvency2_interest_rate_risk, solvency2_life_risk, solvency2_scr

    table = load_shock_table(SOLVENCY2, dt.date.fromisoformat(parameters["valuation_date"]))
    # Mortality, longevity and catastrophe apply only to the policies whose technical provisions
    # they raise (Delegated Regulation 2015/35 Art. 137(2), 138(2), 143(2)): their BEL is the base
    # plus the sum of the per-policy increases the chunks report, as for C-ROSS Rule 5.
    bel = valuation_jobs.rule5_bel({"totals": totals, "adverse_by_policy": adverse_by_policy or {}})
    life = solvency2_life_risk(bel, table) if bel else None
    interest = solvency2_interest_rate_risk(bel) if bel else 0.0
    market_given = _number(parameters, "scr_market")
    modules = {
        "market": market_given + interest,
        "default": _number(parameters, "scr_default"),
        "life": life.total if life else 0.0,
        "health": _number(parameters, "scr_health"),
        "non_life": _number(parameters, "scr_non_life"),
    }
    try:
        p = solvency2_scr(
            modules,
            table=table,
            own_funds=_number(parameters, "own_funds"),
            operational=_number(parameters, "scr_operational"),
            adjustment=_number(parameters, "scr_adjustment"),
            intangible=_number(parameters, "scr_intangible"),
        )
    except ValueError as exc:
        if "no SCR ratio" in str(exc):
            raise ValueError(
                "The SCR is zero or less (no valued business and no other module's SCR, or an adjustment as "
                "large as the BSCR): no SCR ratio can be formed."
            ) from None
        raise
    return {
        "shock_table": p.table_version,
        "life": {
            "sub_modules": life.sub_modules if life else {},
            "lapse_components": life.lapse_components if life else {},
            "lapse_driver": life.lapse_driver if life else "",
            "sum": float(sum(life.sub_modules.values())) if life else 0.0,
            "diversification": life.diversification if life else 0.0,
            "total": life.total if life else 0.0,
        },
        "interest_rate_risk": interest,
        "market_given": market_given,
        "modules": p.modules,
        "modules_sum": float(sum(p.modules.values())),
        "aggregated": p.aggregated,
        "diversification": p.diversification,
        "intangible": p.intangible,
        "bscr": p.bscr,
        "operational": p.operational,
        "adjustment": p.adjustment,
        "scr": p.scr,
        "own_funds": p.own_funds,
        "ratio": p.ratio,
        "ratio_minimum": p.ratio_minimum,
        "passed": p.passed,
        "failures": [] if p.passed else [f"SCR ratio {p.ratio:.1%} below {p.ratio_minimum:.0%}"],
        "mcr": None,
        "mcr_note": "not computed: the project's specification gives no MCR formula",
    }


def solvency_reduce(parameters: dict, results: list[dict]) -> dict:
    regime = regime_of(parameters)
    summary = valuation_jobs.reduce(_with(parameters, regime), results)
    summary["kind"] = SOLVENCY_KIND
    summary["regime"] = regime
    if regime == SOLVENCY2:
        summary["solvency2"] = solvency2_position(parameters, summary["totals"], summary.get("adverse_by_policy"))
    else:
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


def stressed_capital(parameters: dict, under_stress: dict, name: str, adverse: dict | None = None) -> dict | None:
    """The minimum capital after stress ``name``: Rule 5 life-insurance and interest-rate risk
    from the capital shocks projected on the stressed basis (totals named "S|C"), the other
    modules and the capital parameters as given (the platform holds no stressed balance
    sheet: the market, credit and non-life modules are the run's figures). None when the
    run has no such projection (runs from before this was built)."""
    import numpy as np

    from risk.engine.shocks import UNDER_STRESS_SEPARATOR, load_shock_table
    from risk.engine.solvency import cross_interest_rate_risk, cross_life_insurance_risk

    prefix = f"{name}{UNDER_STRESS_SEPARATOR}"
    bel = {k[len(prefix) :]: np.array([v["bel"]]) for k, v in under_stress.items() if k.startswith(prefix)}
    if "base" not in bel:
        return None
    # By-policy shocks (mortality, longevity, catastrophe) as in the base run: the stressed base
    # plus the per-policy increases on the stressed basis (risk.jobs.adverse_by_policy).
    for shock, increase in (adverse or {}).items():
        if shock.startswith(prefix) and shock[len(prefix) :] in bel:
            bel[shock[len(prefix) :]] = bel["base"] + increase
    table = load_shock_table("cross", dt.date.fromisoformat(parameters["valuation_date"]))
    life = cross_life_insurance_risk(bel, table)
    capital = {"life_insurance_risk": life.total, "interest_rate_risk": cross_interest_rate_risk(bel)}
    return {**capital, "sub_risks": life.sub_risks, "position": solvency_position(parameters, capital)}


def stress_results(
    parameters: dict,
    totals: dict,
    position: dict,
    under_stress: dict | None = None,
    adverse: dict | None = None,
    *,
    names: tuple[str, ...] = STRESS_SCENARIOS,
    asset_shocks: dict | None = None,
    sources: dict | None = None,
) -> list[dict]:
    """Each stress scenario against capital: liability change + asset loss off both capitals;
    the minimum capital recomputed after the stress (``under_stress``: the capital shocks on
    each stressed basis) and the ratios on it, beside the ratios on the base minimum capital;
    pass when the ratios on the stressed minimum capital stay at or above 50% and 100%."""
    import numpy as np

    from risk.engine.shocks import cross_stress_tests, load_shock_table

    if asset_shocks is None:
        table = load_shock_table("cross", dt.date.fromisoformat(parameters["valuation_date"]))
        # The asset-side shocks do not depend on the curve: any valid curve gives them.
        asset_shocks = cross_stress_tests(table, np.full(100, 0.03)).asset_shocks
    equity = _number(parameters, "equity_holdings")
    fixed_income = _number(parameters, "fixed_income_holdings")
    maturing = _number(parameters, "maturing_fixed_income")
    base_bel = float(totals.get("base", {}).get("bel", 0.0))
    mc = position["minimum_capital"]
    rows = []
    for name in names:
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
        stressed = stressed_capital(parameters, under_stress or {}, name, adverse)
        mc_after = stressed["position"]["minimum_capital"] if stressed else mc
        ratio_core, ratio_comprehensive = core_after / mc_after, actual_after / mc_after
        rows.append(
            {
                "scenario": name,
                "bel": bel,
                "bel_change": bel - base_bel,
                "asset_loss": asset_loss,
                "loss": loss,
                "core_capital_after": core_after,
                "actual_capital_after": actual_after,
                "minimum_capital_base": mc,
                "minimum_capital_recomputed": stressed is not None,
                "minimum_capital_after": mc_after,
                "minimum_capital_change": mc_after - mc,
                "life_insurance_risk_after": stressed["life_insurance_risk"] if stressed else None,
                "interest_rate_risk_after": stressed["interest_rate_risk"] if stressed else None,
                "life_sub_risks_after": stressed["sub_risks"] if stressed else None,
                "ratio_core_after": ratio_core,
                "ratio_comprehensive_after": ratio_comprehensive,
                "ratio_core_after_on_base_mc": core_after / mc,
                "ratio_comprehensive_after_on_base_mc": actual_after / mc,
                "passed": ratio_core >= position["core_minimum"]
                and ratio_comprehensive >= position["comprehensive_minimum"],
            }
        )
        if sources is not None:
            rows[-1].update({"user_defined": True, "source": sources.get(name, "")})
    return rows


def user_stress(parameters: dict, results: list[dict], position: dict) -> dict:
    """The user-defined scenarios against capital exactly as the regulator's stresses: each
    one's liability from "U|base", the minimum capital after it from the capital shocks on it
    ("U|C"), the asset loss from its equity_change / fixed_income_default_loss /
    maturing_fixed_income_loss on the holdings given."""
    from risk import runs
    from risk.engine.shocks import UNDER_STRESS_SEPARATOR

    shocked = runs.user_scenario_set(parameters["user_scenarios"], _base_curve(parameters.get("assumption_set")))
    names = tuple(shocked.names[1:])
    under = valuation_jobs.reduce(_with(parameters, "user_under_stress"), results)
    base_suffix = f"{UNDER_STRESS_SEPARATOR}base"
    totals = {"base": position["base_totals"]}
    totals.update({k[: -len(base_suffix)]: v for k, v in under["totals"].items() if k.endswith(base_suffix)})
    rows = stress_results(
        parameters, totals, position["solvency"], under["totals"], under.get("adverse_by_policy"),
        names=names, asset_shocks=dict(shocked.asset_shocks), sources=dict(shocked.scenarios.sources),
    )  # fmt: skip
    return {"totals": {n: totals[n] for n in ("base", *names) if n in totals}, "rows": rows}


def stress_reduce(parameters: dict, results: list[dict]) -> dict:
    summary = solvency_reduce(parameters, [r["cross"] for r in results])
    summary["kind"] = STRESS_KIND
    from risk.engine.shocks import UNDER_STRESS_SEPARATOR

    under = valuation_jobs.reduce(_with(parameters, "cross_under_stress"), [r["under_stress"] for r in results])
    under_stress = under["totals"]
    base_suffix = f"{UNDER_STRESS_SEPARATOR}base"
    stress_totals = {"base": summary["totals"].get("base", {})}
    stress_totals.update({k[: -len(base_suffix)]: v for k, v in under_stress.items() if k.endswith(base_suffix)})
    summary["stress_totals"] = stress_totals
    summary["stress"] = stress_results(
        parameters, stress_totals, summary["solvency"], under_stress, under.get("adverse_by_policy")
    )
    if parameters.get("user_scenarios"):
        position = {"base_totals": summary["totals"].get("base", {}), "solvency": summary["solvency"]}
        user = user_stress(parameters, [r["user_under_stress"] for r in results], position)
        summary["user_stress_totals"], summary["user_stress"] = user["totals"], user["rows"]
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
            verbose_name=_("Solvency of the book (C-ROSS or Solvency II)"),
            description=_(
                "C-ROSS: the 16 standard scenarios on every in-force policy the engine values, Rule 5 life-"
                "insurance and interest-rate risk capital, then with the capital given, the minimum capital by "
                "module with the diversification effect, the control-risk factor Q(S), the core and comprehensive"
                " ratios and the pass test. Solvency II: the standard formula's life and interest scenarios, the "
                "life SCR by sub-module, the interest-rate SCR, and with the capital given the BSCR, SCR and SCR "
                "ratio."
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
                "policy the engine values, with the solvency position: capital, the minimum capital recomputed "
                "after each stress (the C-ROSS capital shocks on the stressed basis) and both ratios after each stress."
            ),
            form=StressForm,
            run_chunk=stress_chunk,
            reduce=stress_reduce,
            **common,
        )
    )

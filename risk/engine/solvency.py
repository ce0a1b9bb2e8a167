"""Solvency capital: C-ROSS phase II aggregation and the Solvency II life and interest modules.

Inputs are present values of net liability cash flows (benefits + expenses − premiums, the
projection's PV) per scenario name, as arrays (per model point or per product group) or
numbers; the capital for a shock is max(Σ PV_adverse − Σ PV_base, 0): the rise in the
liability the shock causes, summed over the portfolio before the floor at 0.

C-ROSS life insurance risk is aggregated in two levels (Rule 5):
  1. loss occurrence = √(v·M_lo·vᵀ) over mortality, catastrophe, longevity, morbidity, medical
     and other loss (0.25 between them, mortality–longevity −0.25, longevity–others 0);
  2. life insurance = √(v·M_life·vᵀ) over (loss occurrence, expense, lapse) with
     loss–expense 0.4, loss–lapse 0, expense–lapse 0.5.
Lapse risk is the largest of lapse up, lapse down and mass lapse. Type I and type II products
take different lapse shocks (±30%, ±40%): given ``lapse_type2`` (a mask over the PV arrays),
"lapse up" is the type I up scenario for type I elements and the type II up scenario for
type II elements, so one portfolio-wide up and one down capital result.

Module aggregation: MC* = √(v·M·vᵀ) − LA over (life, non-life, market, credit), then the size
factor [verify], control risk MC_control = Q(S)·MC*, and MC = MC* + MC_control + add-ons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .shocks import CorrelationMatrix, ShockTable

CROSS_LOSS_OCCURRENCE = ("mortality", "catastrophe", "longevity", "morbidity", "medical", "other_loss")
CROSS_MODULES = ("life", "non_life", "market", "credit")
SOLVENCY2_LIFE = ("mortality", "longevity", "disability", "lapse", "expense", "revision", "catastrophe")

PVInput = Mapping[str, float | np.ndarray]


def shock_capital(pv_base: float | np.ndarray, pv_adverse: float | np.ndarray) -> float:
    """max(Σ PV_adverse − Σ PV_base, 0)."""
    base, adverse = np.asarray(pv_base, dtype=float), np.asarray(pv_adverse, dtype=float)
    if base.shape != adverse.shape:
        raise ValueError(f"PV arrays differ in shape: base {base.shape}, adverse {adverse.shape}")
    return max(float(adverse.sum() - base.sum()), 0.0)


def _pv(pv: PVInput, name: str) -> np.ndarray:
    if name not in pv:
        raise ValueError(f"no PV for scenario '{name}' (given: {', '.join(pv)})")
    arr = np.asarray(pv[name], dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"PV for scenario '{name}' holds a gap (NaN or infinite value)")
    return arr


def combine_correlated(a: float, b: float, rho: float) -> float:
    """√(a² + 2ρab + b²): two capitals with correlation ρ (e.g. morbidity level and trend, ρ = 0.25)."""
    return float(np.sqrt(max(a * a + 2 * rho * a * b + b * b, 0.0)))


# --------------------------------------------------------------------------- C-ROSS life insurance risk


@dataclass(frozen=True)
class LifeInsuranceRisk:
    sub_risks: dict[str, float]  # capital per shock, before any aggregation
    loss_occurrence: float
    expense: float
    lapse: float
    lapse_driver: str  # which of up / down / mass set the lapse capital
    total: float
    diversification: float  # Σ sub-risk capitals (with lapse at its max) − total


def cross_life_insurance_risk(
    pv: PVInput,
    table: ShockTable,
    *,
    lapse_type2: np.ndarray | None = None,
    extra_capital: Mapping[str, float] | None = None,
) -> LifeInsuranceRisk:
    """C-ROSS Rule 5 life insurance risk from PVs named as in ``CROSS_STANDARD_SCENARIOS``.

    ``extra_capital`` supplies loss-occurrence capitals computed outside the mortality-only
    projection (e.g. ``{"morbidity": combine_correlated(level, trend, 0.25)}``); a sub-risk with
    neither a PV nor an extra capital counts as 0."""
    base = _pv(pv, "base")
    extra = dict(extra_capital or {})
    unknown = set(extra) - set(CROSS_LOSS_OCCURRENCE)
    if unknown:
        raise ValueError(f"extra_capital: '{sorted(unknown)[0]}' is not a loss-occurrence sub-risk")
    loss = {}
    for name in CROSS_LOSS_OCCURRENCE:
        capital = shock_capital(base, _pv(pv, name)) if name in pv else 0.0
        loss[name] = capital + extra.get(name, 0.0)
    expense = shock_capital(base, _pv(pv, "expense"))
    lapse_caps = {
        "up": shock_capital(base, _by_lapse_type(pv, "up", base, lapse_type2)),
        "down": shock_capital(base, _by_lapse_type(pv, "down", base, lapse_type2)),
        "mass": shock_capital(base, _pv(pv, "mass_lapse")),
    }
    driver = max(lapse_caps, key=lapse_caps.get)
    lapse = lapse_caps[driver]
    loss_occurrence = table.correlation("loss_occurrence_correlation").aggregate(loss)
    total = table.correlation("life_risk_correlation").aggregate(
        {"loss_occurrence": loss_occurrence, "expense": expense, "lapse": lapse}
    )
    sub = {**loss, "expense": expense, **{f"lapse_{k}": v for k, v in lapse_caps.items()}}
    undiversified = sum(loss.values()) + expense + lapse
    return LifeInsuranceRisk(sub, loss_occurrence, expense, lapse, driver, total, undiversified - total)


def _by_lapse_type(pv: PVInput, direction: str, base: np.ndarray, lapse_type2: np.ndarray | None) -> np.ndarray:
    type1 = _pv(pv, f"lapse_type1_{direction}")
    if lapse_type2 is None:
        return type1
    mask = np.asarray(lapse_type2, dtype=bool)
    if mask.shape != base.shape:
        raise ValueError(f"lapse_type2 has shape {mask.shape}, the PV arrays {base.shape}")
    return np.where(mask, _pv(pv, f"lapse_type2_{direction}"), type1)


def cross_interest_rate_risk(pv: PVInput, up: str = "rate_up", down: str = "rate_down") -> float:
    """Interest-rate risk of life liabilities: the larger loss of the rate up and rate down curves."""
    base = _pv(pv, "base")
    return max(shock_capital(base, _pv(pv, up)), shock_capital(base, _pv(pv, down)))


# --------------------------------------------------------------------------- C-ROSS aggregation


def control_risk_factor(sarmra_score: float, table: ShockTable) -> float:
    """Q(S), piecewise linear in the SARMRA score: Q(80) = 0, Q(100) = −0.15."""
    if not 0 <= sarmra_score <= 100:
        raise ValueError(f"sarmra_score must be between 0 and 100, got {sarmra_score}")
    for band in table.value("control_risk_q")["bands"]:
        if band["upper"] is None or sarmra_score <= band["upper"]:
            return float(band["intercept"] + band["slope"] * sarmra_score)
    raise ValueError("control_risk_q: the last band must be open (upper: null)")


def loss_absorbency(
    minimum_capital_before_absorbency: float, absorbency_cap: float, k: float, table: ShockTable
) -> tuple[float, float]:
    """(LA, β): LA = min(MC_acct·β, LA_cap), β = (1+K)·min(0.5, 0.22·LA_cap/MC_acct + 0.02)."""
    if minimum_capital_before_absorbency < 0 or absorbency_cap < 0:
        raise ValueError("loss absorbency: MC_acct and LA_cap must not be negative")
    if minimum_capital_before_absorbency == 0 or absorbency_cap == 0:
        return 0.0, 0.0
    p = table.value("loss_absorbency_beta")
    beta = (1 + k) * min(p["cap"], p["slope"] * absorbency_cap / minimum_capital_before_absorbency + p["intercept"])
    return min(minimum_capital_before_absorbency * beta, absorbency_cap), beta


def size_factor(total_assets_cny: float | None, table: ShockTable) -> float:
    """Share of MC* held by asset size [verify: 2023 notice]; None means no reduction."""
    if total_assets_cny is None:
        return 1.0
    if total_assets_cny < 0:
        raise ValueError(f"total_assets_cny must not be negative, got {total_assets_cny}")
    for band in table.value("size_factor")["bands"]:
        upper = None if band["upper"] is None else float(band["upper"])
        if upper is None or total_assets_cny < upper or (band.get("upper_inclusive") and total_assets_cny == upper):
            return float(band["factor"])
    raise ValueError("size_factor: the last band must be open (upper: null)")


def irr_category(rating: str, table: ShockTable) -> str:
    """Integrated risk rating class: AAA/AA/A → A, BBB/BB/B → B, C, D."""
    mapping = table.value("irr_categories")
    key = str(rating).strip().upper()
    if key not in mapping:
        raise ValueError(f"irr_rating must be one of {', '.join(mapping)}, got {rating!r}")
    return mapping[key]


def solvency_ratio_core(core_capital: float, minimum_capital: float) -> float:
    if minimum_capital <= 0:
        raise ValueError(f"minimum_capital must be positive to form a ratio, got {minimum_capital}")
    return core_capital / minimum_capital


def solvency_ratio_comprehensive(actual_capital: float, minimum_capital: float) -> float:
    if minimum_capital <= 0:
        raise ValueError(f"minimum_capital must be positive to form a ratio, got {minimum_capital}")
    return actual_capital / minimum_capital


@dataclass(frozen=True)
class CrossSolvencyResult:
    modules: dict[str, float]
    aggregated: float  # √(v·M·vᵀ)
    diversification: float  # Σ modules − aggregated
    loss_absorbency: float
    loss_absorbency_beta: float
    minimum_capital_before_size: float  # √(v·M·vᵀ) − LA
    size_factor: float
    quantifiable_minimum_capital: float  # MC*
    control_risk_q: float
    control_risk_capital: float
    add_ons: float
    minimum_capital: float
    core_capital: float
    actual_capital: float
    solvency_ratio_core: float
    solvency_ratio_comprehensive: float
    irr_rating: str
    irr_category: str
    passed: bool
    failures: tuple[str, ...] = field(default_factory=tuple)
    table_version: str = ""


def cross_solvency(
    modules: Mapping[str, float],
    *,
    table: ShockTable,
    core_capital: float,
    actual_capital: float,
    irr_rating: str,
    sarmra_score: float,
    absorbency_base: float = 0.0,
    absorbency_cap: float = 0.0,
    absorbency_k: float = 0.0,
    total_assets_cny: float | None = None,
    add_ons: float = 0.0,
) -> CrossSolvencyResult:
    """Minimum capital, both ratios, the IRR class and the pass test for a life insurer.

    ``modules`` holds the capital of life, non_life, market and credit risk (missing = 0);
    ``absorbency_base`` is MC_acct, ``absorbency_cap`` LA_cap and ``absorbency_k`` K."""
    for name, value in modules.items():
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"modules: capital for '{name}' must be a finite number >= 0, got {value}")
    corr: CorrelationMatrix = table.correlation("module_correlation_life_insurer")
    aggregated = corr.aggregate(modules)
    diversification = float(sum(modules.values())) - aggregated
    la, beta = loss_absorbency(absorbency_base, absorbency_cap, absorbency_k, table)
    before_size = aggregated - la
    factor = size_factor(total_assets_cny, table)
    mc_star = before_size * factor
    q = control_risk_factor(sarmra_score, table)
    control = q * mc_star
    if add_ons < 0:
        raise ValueError(f"add_ons must not be negative, got {add_ons}")
    mc = mc_star + control + add_ons
    core = solvency_ratio_core(core_capital, mc)
    comprehensive = solvency_ratio_comprehensive(actual_capital, mc)
    category = irr_category(irr_rating, table)
    failures = []
    if core < table.number("core_ratio_minimum"):
        failures.append(f"core solvency ratio {core:.1%} below {table.number('core_ratio_minimum'):.0%}")
    if comprehensive < table.number("comprehensive_ratio_minimum"):
        failures.append(
            f"comprehensive solvency ratio {comprehensive:.1%} below {table.number('comprehensive_ratio_minimum'):.0%}"
        )
    if category not in table.value("irr_passing_categories"):
        failures.append(f"integrated risk rating {irr_rating} (class {category}) below B")
    return CrossSolvencyResult(
        modules={n: float(modules.get(n, 0.0)) for n in corr.names},
        aggregated=aggregated,
        diversification=diversification,
        loss_absorbency=la,
        loss_absorbency_beta=beta,
        minimum_capital_before_size=before_size,
        size_factor=factor,
        quantifiable_minimum_capital=mc_star,
        control_risk_q=q,
        control_risk_capital=control,
        add_ons=add_ons,
        minimum_capital=mc,
        core_capital=core_capital,
        actual_capital=actual_capital,
        solvency_ratio_core=core,
        solvency_ratio_comprehensive=comprehensive,
        irr_rating=str(irr_rating).strip().upper(),
        irr_category=category,
        passed=not failures,
        failures=tuple(failures),
        table_version=table.version,
    )


# --------------------------------------------------------------------------- Solvency II


@dataclass(frozen=True)
class Solvency2LifeRisk:
    sub_modules: dict[str, float]
    lapse_components: dict[str, float]
    lapse_driver: str
    total: float
    diversification: float


def solvency2_life_risk(
    pv: PVInput, table: ShockTable, *, extra_capital: Mapping[str, float] | None = None
) -> Solvency2LifeRisk:
    """SCR_life = √(Σ Corr·SCR_i·SCR_j) over Art. 136's sub-modules; lapse = max(up, down, mass).

    PVs are named as in ``solvency2_life_scenarios``; ``extra_capital`` adds sub-module
    capitals computed outside the mortality-only projection (disability, revision)."""
    base = _pv(pv, "base")
    extra = dict(extra_capital or {})
    unknown = set(extra) - set(SOLVENCY2_LIFE)
    if unknown:
        raise ValueError(f"extra_capital: '{sorted(unknown)[0]}' is not a Solvency II life sub-module")
    lapse_parts = {d: shock_capital(base, _pv(pv, f"lapse_{d}")) for d in ("up", "down")}
    lapse_parts["mass"] = shock_capital(base, _pv(pv, "mass_lapse"))
    driver = max(lapse_parts, key=lapse_parts.get)
    subs = {}
    for name in SOLVENCY2_LIFE:
        if name == "lapse":
            subs[name] = lapse_parts[driver]
        else:
            subs[name] = (shock_capital(base, _pv(pv, name)) if name in pv else 0.0) + extra.get(name, 0.0)
    total = table.correlation("life_correlation").aggregate(subs)
    return Solvency2LifeRisk(subs, lapse_parts, driver, total, sum(subs.values()) - total)


def solvency2_interest_rate_risk(pv: PVInput) -> float:
    """Interest-rate risk: the larger loss of the up and down scenarios (each floored at 0).

    Give PVs of liabilities net of the assets' value where assets are modelled, so that the
    loss is the fall in basic own funds."""
    return cross_interest_rate_risk(pv)


SOLVENCY2_MODULES = ("market", "default", "life", "health", "non_life")


@dataclass(frozen=True)
class Solvency2Result:
    modules: dict[str, float]
    aggregated: float  # √(Σ Corr·SCR_i·SCR_j) over the modules
    diversification: float  # Σ modules − aggregated
    intangible: float
    bscr: float  # aggregated + intangible
    operational: float
    adjustment: float  # loss-absorbing capacity of technical provisions and deferred taxes (a reduction)
    scr: float  # BSCR + Op − Adj
    own_funds: float
    ratio: float
    ratio_minimum: float
    passed: bool
    table_version: str = ""


def solvency2_scr(
    modules: Mapping[str, float],
    *,
    table: ShockTable,
    own_funds: float,
    operational: float = 0.0,
    adjustment: float = 0.0,
    intangible: float = 0.0,
) -> Solvency2Result:
    """Standard-formula SCR = BSCR + SCR_op − Adj and the SCR ratio (eligible own funds / SCR).

    BSCR = √(Σ Corr_ij·SCR_i·SCR_j) over (market, default, life, health, non-life) with the
    table's ``module_correlation`` (Directive Annex IV), plus the intangible-asset module.
    ``adjustment`` is the loss-absorbing capacity of technical provisions and deferred taxes as
    a positive amount taken off (Art. 103(c) of the Directive adds it as a negative number)."""
    for name, value in {**modules, "operational": operational, "adjustment": adjustment,
                        "intangible": intangible, "own_funds": own_funds}.items():  # fmt: skip
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"{name}: must be a finite number >= 0, got {value}")
    corr = table.correlation("module_correlation")
    aggregated = corr.aggregate(modules)
    bscr = aggregated + intangible
    scr = bscr + operational - adjustment
    if scr <= 0:
        raise ValueError(f"the SCR is {scr:.2f} (BSCR + operational − adjustment): no SCR ratio can be formed")
    ratio = own_funds / scr
    minimum = table.number("scr_ratio_minimum")
    return Solvency2Result(
        modules={n: float(modules.get(n, 0.0)) for n in corr.names},
        aggregated=aggregated,
        diversification=float(sum(modules.values())) - aggregated,
        intangible=intangible,
        bscr=bscr,
        operational=operational,
        adjustment=adjustment,
        scr=scr,
        own_funds=own_funds,
        ratio=ratio,
        ratio_minimum=minimum,
        passed=ratio >= minimum,
        table_version=table.version,
    )

"""Stochastic valuation: every model point projected under every Hull-White (or Vasicek) path.

What differs from a deterministic run is only the scenario set the kernel reads:

* discounting: scenario ``s`` discounts month ``t`` with the path's own factor
  ``D_s(t) = exp(-∫₀ᵗ r_s)`` (esg.py) instead of a factor built from an annual spot curve;
* policyholder behaviour, optionally (:class:`DynamicLapse`): lapse rates of projection year
  ``y`` are multiplied by ``clip(1 + sensitivity · (r̄_s,y − f̄_y), floor, cap)``, where ``r̄_s,y``
  is the path's average short rate over the year and ``f̄_y`` the initial curve's average
  forward rate over the same year. When rates rise above what the curve expected, more
  policyholders lapse (they can buy cheaper cover or need the money elsewhere). With zero
  volatility the paths are the forwards, the multiplier is 1 and the run is the deterministic one.

Everything else (mortality, expenses, premiums, commissions) follows the basis exactly as in
``projection.project``: the fused kernel is reused unchanged, with the path discount factors
put in place of the curve's (``PreparedRun.discount`` is already per scenario and month), so a
stochastic run and a deterministic one share every line of the projection.

Points are projected in blocks of ``block_points`` so that the (points × values × scenarios)
present values never take more than a few tens of megabytes; only their sums over points and
each point's mean over scenarios are kept. A run is deterministic for a given seed, and the
same seed gives the same paths in every process, which is what lets a job split the points
across workers (risk/stochastic_jobs.py) and add the chunks up.

The Monte Carlo error of the mean BEL is reported with the result (standard error over
scenarios); with ``antithetic=True`` (the default) the paths come in ± pairs and the standard
error is computed over pair means, which is the honest figure for antithetic sampling.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from risk.engine.assumptions import Basis
from risk.engine.curves import checked_spot_curve
from risk.engine.esg import HullWhite, InitialCurve, MartingaleCheck, RatePaths, Vasicek, martingale_check
from risk.engine.modelpoints import ModelPoints, check_against_basis
from risk.engine.projection import (
    PreparedRun,
    _run_kernel,
    prepare,
    price_premiums,
    projection_months,
    unit_flows,
)
from risk.engine.projection_kernel import PRESENT_VALUES
from risk.engine.scenario_set import ScenarioSet

NET = PRESENT_VALUES.index("pv_net_cf")
BLOCK_POINTS = 2_000
METHODS = ("auto", "linear", "kernel")
PERCENTILES = (0.5, 5.0, 50.0, 95.0, 99.5)


@dataclass(frozen=True)
class DynamicLapse:
    """Lapse multiplier ``clip(1 + sensitivity · (r̄ − f̄), floor, cap)`` by scenario and projection year."""

    sensitivity: float  # per unit of rate: 10.0 means +1 point of rate lapses 10% more
    floor: float = 0.5
    cap: float = 2.0

    def __post_init__(self) -> None:
        if not np.isfinite(self.sensitivity):
            raise ValueError("dynamic lapse: sensitivity must be a finite number")
        if not 0.0 <= self.floor <= 1.0 <= self.cap:
            raise ValueError(f"dynamic lapse: need 0 <= floor <= 1 <= cap, got floor {self.floor}, cap {self.cap}")

    def multipliers(self, short_rate: np.ndarray, expected_rate: np.ndarray, years: int) -> np.ndarray:
        """(scenarios, years) from (scenarios, months) paths and the (months,) expected rate."""
        n_scen, months = short_rate.shape
        pad = years * 12 - months
        if pad > 0:  # the last year may be short: hold the last month, as the scenario set holds its last year
            short_rate = np.concatenate([short_rate, np.repeat(short_rate[:, -1:], pad, axis=1)], axis=1)
            expected_rate = np.concatenate([expected_rate, np.repeat(expected_rate[-1:], pad)])
        gap = short_rate[:, : years * 12].reshape(n_scen, years, 12).mean(axis=2)
        gap -= expected_rate[: years * 12].reshape(years, 12).mean(axis=1)
        return np.clip(1.0 + self.sensitivity * gap, self.floor, self.cap)


@dataclass(frozen=True)
class StochasticResult:
    scenario_pv: dict[str, np.ndarray]  # name -> (S,) present value summed over points, per scenario
    point_id: np.ndarray
    point_mean_bel: np.ndarray  # (P,) each point's BEL averaged over the scenarios
    martingale: MartingaleCheck
    antithetic: bool

    @property
    def scenario_bel(self) -> np.ndarray:
        return -self.scenario_pv["pv_net_cf"]

    @property
    def scenarios(self) -> int:
        return self.scenario_bel.size

    @property
    def mean_bel(self) -> float:
        return float(self.scenario_bel.mean())

    @property
    def standard_error(self) -> float:
        return standard_error(self.scenario_bel, self.antithetic)

    def percentiles(self) -> dict[str, float]:
        return {
            f"p{q:g}": float(v) for q, v in zip(PERCENTILES, np.percentile(self.scenario_bel, PERCENTILES), strict=True)
        }

    def summary(self) -> dict:
        return {
            "scenarios": self.scenarios,
            "points": int(self.point_id.size),
            "mean_bel": self.mean_bel,
            "standard_error": self.standard_error,
            "percentiles": self.percentiles(),
            "mean_pv": {name: float(v.mean()) for name, v in self.scenario_pv.items()},
            "martingale_passed": self.martingale.passed,
            "martingale_worst_month": self.martingale.worst_month,
            "martingale_worst_z": float(self.martingale.z_scores[self.martingale.worst_month]),
        }


def percentiles(values: np.ndarray) -> dict[str, float]:
    """The BEL distribution's reported percentiles, keyed p0.5 … p99.5."""
    return {f"p{q:g}": float(v) for q, v in zip(PERCENTILES, np.percentile(values, PERCENTILES), strict=True)}


def standard_error(values: np.ndarray, antithetic: bool) -> float:
    """Standard error of the mean over scenarios; over ± pair means when sampled antithetically
    (the pairs are negatively correlated, so treating them as independent would overstate it)."""
    values = np.asarray(values, dtype=float)
    if antithetic:
        half = values.size // 2
        values = 0.5 * (values[:half] + values[half : 2 * half])
    if values.size < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(values.size))


def economic_scenarios(
    model: HullWhite | Vasicek,
    spot_by_year: np.ndarray,
    months: int,
    n_scenarios: int,
    seed: int,
    *,
    antithetic: bool = True,
    dynamic_lapse: DynamicLapse | None = None,
) -> tuple[ScenarioSet, RatePaths]:
    """The scenario set the kernel reads (only lapse multipliers differ from the base; the
    discount factors are the paths' and replace the curve's in :func:`stochastic_valuation`)
    and the simulated paths, fitted to ``spot_by_year`` in the projection's convention."""
    if n_scenarios < 2:
        raise ValueError(f"a stochastic valuation needs at least 2 scenarios, got {n_scenarios}")
    curve = InitialCurve.from_annual_spots(np.asarray(spot_by_year, dtype=float), months)
    if isinstance(model, Vasicek):
        paths = model.simulate(months, n_scenarios, seed, antithetic=antithetic)
    else:
        paths = model.simulate(curve, n_scenarios, seed, months=months, antithetic=antithetic)
    years = (months - 1) // 12 + 1
    spot = checked_spot_curve(spot_by_year)
    spot = spot[np.minimum(np.arange(years), spot.size - 1)]  # the last rate holds, as in curves.py
    ones = np.ones((n_scenarios, years))
    lapse_mult = ones.copy()
    if dynamic_lapse is not None:
        lapse_mult = dynamic_lapse.multipliers(paths.short_rate, curve.forward()[:months], years)
    scenarios = ScenarioSet(
        names=tuple(f"path_{s + 1:05d}" for s in range(n_scenarios)),
        spot_rates=np.tile(spot, (n_scenarios, 1)),  # not used for discounting: the paths' factors are
        mortality_mult=ones,
        mortality_add=np.zeros_like(ones),
        lapse_mult=lapse_mult,
        lapse_floor=np.zeros_like(ones),
        expense_mult=np.ones(n_scenarios),
        inflation_add=np.zeros(n_scenarios),
        new_business_mult=np.ones(n_scenarios),
        sources={"model": type(model).__name__, "seed": str(seed)},
    )
    return scenarios, paths


PER_POINT = ("table_index", "age_offset", "term_mth", "duration_mth", "policy_count", "sum_assured", "premium_pp",
             "new_business_mult", "premium_end_mth", "maturity_benefit", "annuity_payment", "annuity_start_mth",
             "annuity_step_mth")  # fmt: skip


def _points_of(run: PreparedRun, block: slice) -> PreparedRun:
    """The prepared run restricted to a block of points (the rate tables are shared, not copied)."""
    return dataclasses.replace(run, **{name: np.ascontiguousarray(getattr(run, name)[block]) for name in PER_POINT})


def _linear_block(part: PreparedRun, d_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact when the paths change nothing but discounting: every path has the same cash
    flows, so a present value per path is (cash flows summed over points) x (its discount
    factors), and a point's mean over paths is its cash flows x the mean discount factors.
    Cost: points x months + paths x months, instead of points x paths x months."""
    pols, deaths, expenses, commission_units, paying, matured, annuity_pols = unit_flows(part)
    pp, sa = part.premium_pp[:, None], part.sum_assured[:, None]
    maturity, annuity = part.maturity_benefit[:, None] * matured, part.annuity_payment[:, None] * annuity_pols
    # (7, P, months) in PRESENT_VALUES order, pv_net_cf left out: premiums, claims, expenses,
    # commissions, pols_if, maturities, annuities
    money = np.stack([pp * paying, sa * deaths, expenses, pp * commission_units, pols, maturity, annuity])
    by_path = money.sum(axis=1) @ d_t  # (7, S)
    net_by_path = by_path[0] - by_path[1] - by_path[2] - by_path[3] - by_path[5] - by_path[6]
    totals = np.vstack([by_path[:5], net_by_path, by_path[5:]])
    net = money[0] - money[1] - money[2] - money[3] - money[5] - money[6]
    return totals, -(net @ d_t.mean(axis=1))


def stochastic_valuation(
    points: ModelPoints,
    basis: Basis,
    model: HullWhite | Vasicek,
    n_scenarios: int,
    seed: int,
    *,
    spot_by_year: np.ndarray | None = None,
    months: int | None = None,
    antithetic: bool = True,
    dynamic_lapse: DynamicLapse | None = None,
    engine: str = "numba",
    method: str = "auto",
    block_points: int = BLOCK_POINTS,
) -> StochasticResult:
    """Present values of every point under ``n_scenarios`` seeded paths of ``model``.

    ``spot_by_year`` defaults to the basis's pricing curve. ``months`` defaults to the longest
    projection of ``points``; a job passes the longest of the whole book so that every chunk
    draws the very same paths.

    ``method``: "kernel" runs the fused kernel on every path; "linear" computes each point's
    undiscounted unit flows once and multiplies them by the paths' discount factors, which is
    exact (not an approximation) when the paths change nothing but discounting, and refused
    otherwise; "auto" (the default) takes "linear" without dynamic lapse, else "kernel"."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if method == "linear" and dynamic_lapse is not None:
        raise ValueError("method 'linear' needs decrements that do not depend on the path (no dynamic lapse)")
    check_against_basis(points, basis)
    spot = basis.pricing_spot_curve if spot_by_year is None else np.asarray(spot_by_year, dtype=float)
    months = projection_months(points) if months is None else int(months)
    if months < projection_months(points):
        raise ValueError(f"months ({months}) is shorter than the longest projection ({projection_months(points)})")
    premium = price_premiums(points, basis, engine)
    scenarios, paths = economic_scenarios(
        model, spot, months, n_scenarios, seed, antithetic=antithetic, dynamic_lapse=dynamic_lapse
    )
    discount = paths.discount  # (S, months)
    linear = method == "linear" or (method == "auto" and dynamic_lapse is None)
    if linear:
        run = prepare(points, basis, ScenarioSet.base(spot), premium, checked=True)
    else:
        run = prepare(points, basis, scenarios, premium, checked=True)
        run = dataclasses.replace(run, discount=np.ascontiguousarray(discount[:, : run.months].T))
    d_t = np.ascontiguousarray(discount[:, : run.months].T)  # (months, S)
    totals = np.zeros((len(PRESENT_VALUES), n_scenarios))
    point_mean = np.empty(len(points))
    for first in range(0, len(points), block_points):
        block = slice(first, min(first + block_points, len(points)))
        part = _points_of(run, block)
        if linear:
            block_totals, point_mean[block] = _linear_block(part, d_t)
            totals += block_totals
            continue
        pv, _ = _run_kernel(part, engine, with_cashflows=False)  # (points, values, scenarios)
        totals += pv.sum(axis=0)
        point_mean[block] = -pv[:, NET, :].mean(axis=1)
    return StochasticResult(
        scenario_pv={name: totals[k] for k, name in enumerate(PRESENT_VALUES)},
        point_id=points.point_id,
        point_mean_bel=point_mean,
        martingale=martingale_check(paths.discount, paths.model_discount),
        antithetic=antithetic,
    )

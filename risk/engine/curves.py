"""Annual spot curves turned into the monthly discount factors the projection uses.

Convention (lifelib basiclife, kept exactly so the published totals reproduce): the annual
spot rate of projection year ``y`` applies to months ``12y .. 12y+11`` and discounts from the
valuation date, so

    v_t = (1 + r_{t // 12}) ** (-t / 12)

The monthly forward rates are the ones consistent with those factors,
``f_t = v_t / v_{t+1} - 1``, so ``v_t = prod_{k<t} 1 / (1 + f_k)``. Inside a year the forward
equals the monthly equivalent of that year's spot; at a year boundary it carries the change
of spot over the whole elapsed term. A curve shorter than the projection holds its last rate
(the ScenarioSet rule); a curve with a gap is refused, naming the year.
"""

from __future__ import annotations

import numpy as np


def checked_spot_curve(spot_by_year, name: str = "spot curve") -> np.ndarray:
    """The curve as a float array, or ValueError naming the first year with a gap or a rate <= -100%."""
    spot = np.asarray(spot_by_year, dtype=float)
    if spot.ndim != 1 or spot.size == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D array of annual spot rates by year, got shape {spot.shape}")
    gaps = np.flatnonzero(~np.isfinite(spot))
    if gaps.size:
        raise ValueError(f"{name}: no rate for year {int(gaps[0])} (gap in the curve)")
    low = np.flatnonzero(spot <= -1.0)
    if low.size:
        raise ValueError(f"{name}: rate for year {int(low[0])} is {spot[low[0]]} (must be above -100%)")
    return spot


def spot_by_month(spot_by_year, months: int) -> np.ndarray:
    """The annual spot rate that applies to each month 0..months-1 (last rate held)."""
    spot = checked_spot_curve(spot_by_year)
    years = np.minimum(np.arange(months) // 12, spot.size - 1)
    return spot[years]


def monthly_discount_factors(spot_by_year, months: int) -> np.ndarray:
    """v_t for t = 0..months-1, discounting month t's cash flow to the valuation date."""
    t = np.arange(months)
    return (1.0 + spot_by_month(spot_by_year, months)) ** (-t / 12.0)


def monthly_forward_rates(spot_by_year, months: int) -> np.ndarray:
    """f_t for t = 0..months-1: the one-month rate from t to t+1 implied by the factors."""
    v = monthly_discount_factors(spot_by_year, months + 1)
    return v[:-1] / v[1:] - 1.0


def discount_factors_by_scenario(spot_rates, months: int) -> np.ndarray:
    """(scenarios, months) factors from a (scenarios, years) array of annual spot curves."""
    spot_rates = np.asarray(spot_rates, dtype=float)
    return np.vstack([monthly_discount_factors(row, months) for row in spot_rates])


def smith_wilson_spots(
    spot_by_year,
    *,
    ultimate_forward_rate: float,
    alpha: float | None = None,
    last_liquid_point: int | None = None,
    years: int = 100,
) -> np.ndarray:
    """The annual spot curve by projection year (index y = maturity y + 1, the convention above)
    fitted by Smith-Wilson to the given spots up to ``last_liquid_point`` years and extrapolated
    to ``years`` towards the ultimate forward rate. Without ``alpha`` it is calibrated as EIOPA
    does (``calibrate_alpha``: the smallest alpha bringing the forward within 1 bp of the UFR
    at the convergence point). The fitted curve reprices every input: its spots at the input
    maturities are the inputs."""
    from risk.engine.smith_wilson import calibrate_alpha, smith_wilson

    spot = checked_spot_curve(spot_by_year, "Smith-Wilson input curve")
    liquid = spot[: last_liquid_point or spot.size]
    maturities = np.arange(1, liquid.size + 1, dtype=float)
    prices = (1.0 + liquid) ** -maturities
    if alpha is None:
        alpha = calibrate_alpha(maturities, prices, ultimate_forward_rate=ultimate_forward_rate)
    fitted = smith_wilson(maturities, prices, alpha=alpha, ultimate_forward_rate=ultimate_forward_rate)
    return fitted.annual_spots(max(years, liquid.size))

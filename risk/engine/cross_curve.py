"""Discount curves for the regulatory bases: the C-ROSS base and adverse curves, and the
Solvency II interest-rate up/down curves.

Every curve here is an array of annual spot rates (annual compounding) indexed by projection
year ``y`` = 0, 1, ..., Y-1, the convention of ``ScenarioSet.spot_rates``. Index ``y`` carries
the spot rate for maturity ``t = y + 1`` years, so "the curve reaches 4.5% at 40 years" means
``curve[39] == 0.045`` and a shock table given by maturity is read at ``t = y + 1``.

C-ROSS base curve (spec section 3), for maturity t:

    r(t) = g(t) + spread(t)
    g(t) = government spot (60-day average)                      t <= 20
         = cubic Hermite from (20, g(20), g'(20)) to (40, UR, 0)   20 < t < 40
         = UR = 4.5%                                              t >= 40
    spread(t) = 45 bp for t <= 20, linear to 0 at 40, 0 beyond

Why cubic Hermite: the curve stays continuous with a continuous slope at both ends of the
blend (no kink in the forwards at 20 or 40 years), it is the interpolation the Chinese reserve
valuation curve uses between its 20-year and 40-year points [verify against the rule text],
and, unlike a fitted spline, it depends only on the two end points, so a change in the short
end cannot move the blend. g'(20) is the backward difference g(20) - g(19) of the annual
points; the slope at 40 is 0 because the curve is flat at the ultimate rate after it.
A rising government curve at 20 years makes the Hermite blend overshoot the ultimate rate
slightly before 40 (a few bp) before settling on it; that is the price of a smooth join.
``blend="linear"`` is kept for comparison with simpler implementations.

Why a linear spread run-off: the rule says the spread "grades to 0 over 20-40 years" without a
shape; linear is the plain reading and keeps the spread monotone. It is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

GOVERNMENT_CURVE_YEARS = 20


@dataclass(frozen=True)
class RateStressTable:
    """Relative rate shocks by maturity (years): adverse rate = r * (1 + stress(t)).

    ``stress(t)`` is linear between the listed maturities and flat outside them (the C-ROSS
    table holds its 40-year value beyond 40; Solvency II holds its 1-year value below 1 year
    and its 90-year value beyond 90)."""

    maturities: np.ndarray
    up: np.ndarray
    down: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        m = np.asarray(self.maturities, dtype=float)
        for name in ("up", "down"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != m.shape:
                raise ValueError(f"rate stress table: '{name}' has {arr.size} values for {m.size} maturities")
        if m.ndim != 1 or m.size == 0 or np.any(np.diff(m) <= 0):
            raise ValueError("rate stress table: 'maturities' must be increasing")
        object.__setattr__(self, "maturities", m)
        object.__setattr__(self, "up", np.asarray(self.up, dtype=float))
        object.__setattr__(self, "down", np.asarray(self.down, dtype=float))

    def stress(self, direction: str, maturities: np.ndarray) -> np.ndarray:
        if direction not in ("up", "down"):
            raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
        return np.interp(maturities, self.maturities, getattr(self, direction))


def maturities_for(years: int) -> np.ndarray:
    """Maturity in years carried by each index of a curve of ``years`` points (t = y + 1)."""
    return np.arange(1, years + 1, dtype=float)


def government_curve_points(government_spot: Mapping[int, float] | Sequence[float] | np.ndarray) -> np.ndarray:
    """The 20 annual government spot rates, maturity 1..20, refusing a curve with gaps.

    A mapping is keyed by maturity in whole years; a sequence holds maturities 1, 2, ... in
    order. Points beyond 20 years are ignored because the rule replaces them with the blend."""
    if isinstance(government_spot, Mapping):
        points = np.full(GOVERNMENT_CURVE_YEARS, np.nan)
        for key, rate in government_spot.items():
            try:
                year = float(key)
            except (TypeError, ValueError):
                raise ValueError(f"government curve: maturity {key!r} is not a number of years") from None
            if year != int(year) or year < 1:
                raise ValueError(f"government curve: maturity {key!r} is not a whole number of years >= 1")
            if year <= GOVERNMENT_CURVE_YEARS:
                points[int(year) - 1] = float(rate) if rate is not None else np.nan
    else:
        given = np.asarray(government_spot, dtype=float).ravel()
        points = np.full(GOVERNMENT_CURVE_YEARS, np.nan)
        points[: min(given.size, GOVERNMENT_CURVE_YEARS)] = given[:GOVERNMENT_CURVE_YEARS]
    missing = np.flatnonzero(~np.isfinite(points)) + 1
    if missing.size:
        years = ", ".join(str(y) for y in missing)
        raise ValueError(f"government curve has a gap: no rate for year {years} (annual points 1-20 are required)")
    if np.any(points <= -1):
        bad = int(np.flatnonzero(points <= -1)[0]) + 1
        raise ValueError(f"government curve: rate for year {bad} is not above -100%")
    return points


def cross_base_curve(
    government_spot: Mapping[int, float] | Sequence[float] | np.ndarray,
    years: int = 100,
    *,
    ultimate_rate: float = 0.045,
    blend_start: int = 20,
    blend_end: int = 40,
    spread: float = 0.0045,
    blend: str = "hermite",
) -> np.ndarray:
    """C-ROSS base spot curve by projection year (length ``years``); see the module docstring."""
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}")
    # the Hermite slope needs two government points before the blend, and the government
    # curve has no points beyond 20 years
    if not (2 <= blend_start <= GOVERNMENT_CURVE_YEARS and blend_start < blend_end):
        raise ValueError(f"blend_start must be in 2..20 and below blend_end, got {blend_start}, {blend_end}")
    gov = government_curve_points(government_spot)
    t = maturities_for(years)
    g = np.full(years, float(ultimate_rate))
    inside = t <= blend_start
    g[inside] = gov[t[inside].astype(int) - 1]
    mid = (t > blend_start) & (t < blend_end)
    width = float(blend_end - blend_start)
    u = (t[mid] - blend_start) / width
    start = gov[blend_start - 1]
    if blend == "hermite":
        slope = gov[blend_start - 1] - gov[blend_start - 2]  # per year, backward difference
        h00 = 2 * u**3 - 3 * u**2 + 1
        h10 = u**3 - 2 * u**2 + u
        h01 = -2 * u**3 + 3 * u**2
        g[mid] = h00 * start + h10 * width * slope + h01 * ultimate_rate
    elif blend == "linear":
        g[mid] = (1 - u) * start + u * ultimate_rate
    else:
        raise ValueError(f"blend must be 'hermite' or 'linear', got {blend!r}")
    spread_by_year = spread * np.clip((blend_end - t) / width, 0.0, 1.0)
    return g + spread_by_year


def cross_adverse_curve(
    base_spot: np.ndarray, stress: RateStressTable, direction: str, *, multiplier: float = 1.0
) -> np.ndarray:
    """C-ROSS adverse curve r * (1 + multiplier * stress(t)); stress scenario 3 uses multiplier 1.3."""
    base = _curve(base_spot, "base_spot")
    return base * (1.0 + multiplier * stress.stress(direction, maturities_for(base.size)))


def solvency2_rate_curve(
    base_spot: np.ndarray,
    stress: RateStressTable,
    direction: str,
    *,
    min_increase: float = 0.01,
    negative_rates_unchanged: bool = True,
) -> np.ndarray:
    """Solvency II interest-rate shock (Delegated Regulation 2015/35 Art. 166-167).

    up = max(r * (1 + s_up), r + 1 pp); down = r * (1 + s_down) with s_down < 0, and no
    downward shock where the unshocked rate is negative (multiplying a negative rate by a
    factor below 1 would raise it)."""
    base = _curve(base_spot, "base_spot")
    s = stress.stress(direction, maturities_for(base.size))
    if direction == "up":
        return np.maximum(base * (1.0 + s), base + min_increase)
    shocked = base * (1.0 + s)
    if negative_rates_unchanged:
        shocked = np.where(base < 0, base, shocked)
    return shocked


def parallel_shift(base_spot: np.ndarray, shift: float) -> np.ndarray:
    """The curve moved by ``shift`` (absolute, e.g. +0.005 for +50 bp)."""
    return _curve(base_spot, "base_spot") + shift


def discount_factors(spot: np.ndarray) -> np.ndarray:
    """Zero-coupon prices P(0, t) at t = 1..Y from annual-compounding spots."""
    rates = _curve(spot, "spot")
    return (1.0 + rates) ** -maturities_for(rates.size)


def _curve(spot: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(spot, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a one-dimensional array of annual spot rates")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} has a gap at year {int(bad[0]) + 1}")
    return arr

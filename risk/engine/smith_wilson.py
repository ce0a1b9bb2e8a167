"""Smith-Wilson extrapolation of a risk-free curve from zero-coupon prices (the EIOPA method).

    P(t) = e^{−ωt} + Σ_j ζ_j W(t, u_j),   ω = ln(1 + UFR)
    W(t, u) = e^{−ω(t+u)} · (α·min(t,u) − ½·e^{−α·max(t,u)}·(e^{α·min(t,u)} − e^{−α·min(t,u)}))

ζ solves W(u, u)·ζ = m − e^{−ωu}, so the curve reprices every input price exactly; beyond the
last input the forward intensity tends to ω at a speed set by α. ``calibrate_alpha`` finds the
smallest α (not below 0.05) whose forward at the convergence point is within a tolerance of ω,
which is how EIOPA sets α.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def wilson_function(t: np.ndarray, u: np.ndarray, alpha: float, omega: float) -> np.ndarray:
    """W(t_i, u_j) as a (len(t), len(u)) matrix."""
    t = np.asarray(t, dtype=float)[:, None]
    u = np.asarray(u, dtype=float)[None, :]
    low, high = np.minimum(t, u), np.maximum(t, u)
    return np.exp(-omega * (t + u)) * (
        alpha * low - 0.5 * np.exp(-alpha * high) * (np.exp(alpha * low) - np.exp(-alpha * low))
    )


@dataclass(frozen=True)
class SmithWilsonCurve:
    maturities: np.ndarray
    prices: np.ndarray
    alpha: float
    ultimate_forward_rate: float  # annual compounding, e.g. 0.036
    zeta: np.ndarray

    @property
    def omega(self) -> float:
        return float(np.log1p(self.ultimate_forward_rate))

    def discount(self, t: float | np.ndarray) -> np.ndarray:
        """Zero-coupon price P(t) (t in years, t = 0 gives 1)."""
        times = np.atleast_1d(np.asarray(t, dtype=float))
        w = wilson_function(times, self.maturities, self.alpha, self.omega)
        return np.exp(-self.omega * times) + w @ self.zeta

    def spot(self, t: float | np.ndarray) -> np.ndarray:
        """Annual-compounding spot rate for maturity t > 0."""
        times = np.atleast_1d(np.asarray(t, dtype=float))
        if np.any(times <= 0):
            raise ValueError("spot rates need maturities above 0")
        return self.discount(times) ** (-1.0 / times) - 1.0

    def forward_intensity(self, t: float | np.ndarray, h: float = 1e-4) -> np.ndarray:
        """Instantaneous forward −d ln P/dt (central difference; W is smooth away from the inputs)."""
        times = np.atleast_1d(np.asarray(t, dtype=float))
        return -(np.log(self.discount(times + h)) - np.log(self.discount(np.maximum(times - h, 0.0)))) / (
            times + h - np.maximum(times - h, 0.0)
        )

    def annual_forward(self, t: float | np.ndarray) -> np.ndarray:
        """One-year forward rate from t to t+1, annual compounding (tends to the UFR)."""
        times = np.atleast_1d(np.asarray(t, dtype=float))
        return self.discount(times) / self.discount(times + 1.0) - 1.0

    def annual_spots(self, years: int) -> np.ndarray:
        """Spot rates by projection year, index y carrying maturity y + 1 (as cross_curve)."""
        return self.spot(np.arange(1, years + 1, dtype=float))


def smith_wilson(
    maturities: np.ndarray, prices: np.ndarray, *, alpha: float, ultimate_forward_rate: float
) -> SmithWilsonCurve:
    """Fit the curve to zero-coupon ``prices`` at ``maturities`` (years)."""
    u = np.asarray(maturities, dtype=float).ravel()
    m = np.asarray(prices, dtype=float).ravel()
    if u.size == 0 or u.shape != m.shape:
        raise ValueError(f"maturities ({u.size}) and prices ({m.size}) must be non-empty and of equal length")
    if np.any(~np.isfinite(u)) or np.any(u <= 0) or np.any(np.diff(u) <= 0):
        raise ValueError("maturities must be positive, finite and increasing")
    bad = np.flatnonzero(~np.isfinite(m) | (m <= 0))
    if bad.size:
        raise ValueError(f"prices: the price at maturity {u[bad[0]]:g} must be a positive number")
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    if not ultimate_forward_rate > -1:
        raise ValueError(f"ultimate_forward_rate must be above -100%, got {ultimate_forward_rate}")
    omega = np.log1p(ultimate_forward_rate)
    zeta = np.linalg.solve(wilson_function(u, u, alpha, omega), m - np.exp(-omega * u))
    return SmithWilsonCurve(u, m, float(alpha), float(ultimate_forward_rate), zeta)


def calibrate_alpha(
    maturities: np.ndarray,
    prices: np.ndarray,
    *,
    ultimate_forward_rate: float,
    convergence_maturity: float | None = None,
    tolerance: float = 1e-4,
    alpha_min: float = 0.05,
    alpha_max: float = 2.0,
) -> float:
    """Smallest α ≥ alpha_min with |f(CP) − ω| ≤ tolerance (1 bp) at the convergence point CP,
    by default max(last maturity + 40, 60) years as EIOPA uses. Bisection, since the gap falls
    as α rises."""
    u = np.asarray(maturities, dtype=float)
    cp = convergence_maturity if convergence_maturity is not None else max(float(u[-1]) + 40.0, 60.0)
    omega = np.log1p(ultimate_forward_rate)

    def gap(alpha: float) -> float:
        curve = smith_wilson(u, prices, alpha=alpha, ultimate_forward_rate=ultimate_forward_rate)
        return abs(float(curve.forward_intensity(cp)[0]) - omega)

    if gap(alpha_min) <= tolerance:
        return alpha_min
    if gap(alpha_max) > tolerance:
        raise ValueError(f"no alpha up to {alpha_max} brings the forward within {tolerance} of the UFR at {cp:g} years")
    low, high = alpha_min, alpha_max
    for _ in range(60):
        mid = 0.5 * (low + high)
        low, high = (low, mid) if gap(mid) <= tolerance else (mid, high)
        if high - low < 1e-6:
            break
    return high

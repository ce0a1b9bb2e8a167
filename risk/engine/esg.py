"""Economic scenario generator: Hull-White one-factor and Vasicek short-rate models, monthly.

Both models are simulated exactly (no Euler error) through the same Ornstein-Uhlenbeck factor
x, dx = −a·x dt + σ dW, x(0) = 0, and its time integral I(t) = ∫₀ᵗ x ds, which are jointly
Gaussian over one step Δ given x at the start of the step:

    x' = x·e^{−aΔ} + ε₁,           I' = I + x·(1 − e^{−aΔ})/a + ε₂
    Var ε₁ = σ²(1 − e^{−2aΔ})/(2a),  Cov = σ²(1 − e^{−aΔ})²/(2a²)
    Var ε₂ = σ²/a²·(Δ − 2(1 − e^{−aΔ})/a + (1 − e^{−2aΔ})/(2a))

Hull-White, dr = (θ(t) − a·r) dt + σ dW with θ fitted to the initial curve
(θ(t) = f'(0,t) + a·f(0,t) + σ²(1 − e^{−2at})/(2a), see ``hull_white_theta``), is
r(t) = x(t) + φ(t), φ(t) = f(0,t) + σ²(1 − e^{−at})²/(2a²), so the discount factor is

    D(t) = exp(−∫r) = P(0,t) · exp(−I(t) − ½V(t)),   V(t) = Var I(t)

and E[D(t)] = P(0,t) exactly: the model reprices the initial curve, and ``martingale_check``
measures how far a finite sample strays (it should be within a few Monte Carlo standard errors).

Vasicek, dr = a(b − r) dt + σ dW, cannot fit a whole curve; ``Vasicek.fit`` chooses r(0) and b
by least squares on −ln P(0,t) (linear in both for a given a and σ) and the martingale check
compares against the model's own closed-form P(0,t).

Paths are generated as (scenarios, months) arrays, one vectorised step per month, so that
10,000 scenarios × 600 months is a loop of 600 numpy operations on 10,000-vectors. Index ``t``
follows the projection: column t is month t, time t/12 years, discount[:, 0] = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .curves import monthly_discount_factors

MONTH = 1.0 / 12.0


@dataclass(frozen=True)
class InitialCurve:
    """P(0, t) on the monthly grid t = 0, 1/12, ..., months/12 (months + 1 points)."""

    discount: np.ndarray

    def __post_init__(self) -> None:
        p = np.asarray(self.discount, dtype=float)
        if p.ndim != 1 or p.size < 2:
            raise ValueError("initial curve: 'discount' needs at least two monthly points")
        bad = np.flatnonzero(~np.isfinite(p) | (p <= 0))
        if bad.size:
            raise ValueError(f"initial curve: discount factor for month {int(bad[0])} must be positive")
        if not np.isclose(p[0], 1.0):
            raise ValueError(f"initial curve: P(0,0) must be 1, got {p[0]}")
        object.__setattr__(self, "discount", p)

    @property
    def months(self) -> int:
        return self.discount.size - 1

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.discount.size) * MONTH

    def forward(self) -> np.ndarray:
        """Instantaneous forward by month (constant within each month: log-linear P)."""
        return -np.diff(np.log(self.discount)) / MONTH

    @classmethod
    def from_annual_spots(cls, spot_by_year: np.ndarray, months: int) -> InitialCurve:
        """The projection's convention (``curves.py``): month t discounted at (1 + r_{t//12})^(−t/12),
        so the stochastic discount factors average to the deterministic ones."""
        spot = np.asarray(spot_by_year, dtype=float)
        if spot.ndim != 1 or spot.size == 0 or not np.all(np.isfinite(spot)):
            raise ValueError("spot_by_year must be a 1-D array of finite annual spot rates")
        return cls(monthly_discount_factors(spot, months + 1))

    @classmethod
    def from_zero_prices(cls, maturities: np.ndarray, prices: np.ndarray, months: int) -> InitialCurve:
        """Log-linear interpolation of zero-coupon prices (flat forward beyond the last point)."""
        u = np.concatenate([[0.0], np.asarray(maturities, dtype=float)])
        log_p = np.concatenate([[0.0], np.log(np.asarray(prices, dtype=float))])
        if np.any(np.diff(u) <= 0):
            raise ValueError("maturities must be positive and increasing")
        t = np.arange(months + 1) * MONTH
        inside = np.interp(t, u, log_p)
        last_forward = (log_p[-1] - log_p[-2]) / (u[-1] - u[-2])
        beyond = log_p[-1] + last_forward * (t - u[-1])
        return cls(np.exp(np.where(t > u[-1], beyond, inside)))


@dataclass(frozen=True)
class RatePaths:
    """Simulated paths, column t = month t (time t/12)."""

    short_rate: np.ndarray  # (scenarios, months) continuously compounded r(t)
    discount: np.ndarray  # (scenarios, months) D(t) = exp(−∫₀ᵗ r), column 0 = 1
    model_discount: np.ndarray  # (months,) E[D(t)] under the model (= P(0,t) for Hull-White)

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.discount.shape[1]) * MONTH


@dataclass(frozen=True)
class MartingaleCheck:
    mean_discount: np.ndarray
    expected: np.ndarray
    standard_error: np.ndarray
    z_scores: np.ndarray
    worst_month: int
    k: float
    passed: bool


def martingale_check(discount: np.ndarray, expected: np.ndarray, k: float = 3.0) -> MartingaleCheck:
    """Mean simulated discount factor against P(0,t), month by month, within k standard errors.

    Month 0 (D = 1 exactly, zero error) is skipped."""
    d = np.asarray(discount, dtype=float)
    p = np.asarray(expected, dtype=float)
    if d.ndim != 2 or d.shape[1] != p.size:
        raise ValueError(f"discount must be (scenarios, {p.size}), got {d.shape}")
    if d.shape[0] < 2:
        raise ValueError("the martingale check needs at least two scenarios")
    mean = d.mean(axis=0)
    se = d.std(axis=0, ddof=1) / np.sqrt(d.shape[0])
    z = np.zeros_like(mean)
    ok = se > 0
    z[ok] = (mean[ok] - p[ok]) / se[ok]
    worst = int(np.argmax(np.abs(z)))
    return MartingaleCheck(mean, p, se, z, worst, k, bool(np.all(np.abs(z[1:]) <= k)))


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_parameters(mean_reversion: float, volatility: float) -> None:
    # a → 0 makes the closed forms 0/0; a random walk needs its own formulas
    if not mean_reversion > 1e-6:
        raise ValueError(f"mean_reversion must be positive, got {mean_reversion}")
    if not volatility >= 0:
        raise ValueError(f"volatility must not be negative, got {volatility}")


def integrated_factor_variance(a: float, sigma: float, t: np.ndarray) -> np.ndarray:
    """V(t) = Var ∫₀ᵗ x ds for the OU factor started at 0."""
    t = np.asarray(t, dtype=float)
    return sigma**2 / a**2 * (t - 2 * (1 - np.exp(-a * t)) / a + (1 - np.exp(-2 * a * t)) / (2 * a))


def _factor_paths(
    a: float,
    sigma: float,
    months: int,
    scenarios: int,
    rng: np.random.Generator,
    antithetic: bool,
    dtype: type,
) -> tuple[np.ndarray, np.ndarray]:
    """x(t) and I(t) at t = 0..months-1 months, as (scenarios, months) arrays, exact in law."""
    if scenarios < 1 or months < 1:
        raise ValueError(f"scenarios and months must be at least 1, got {scenarios}, {months}")
    if antithetic and scenarios % 2:
        raise ValueError(f"antithetic sampling needs an even number of scenarios, got {scenarios}")
    decay = np.exp(-a * MONTH)
    var_x = sigma**2 * (1 - decay**2) / (2 * a)
    var_i = float(integrated_factor_variance(a, sigma, MONTH))
    cov = sigma**2 * (1 - decay) ** 2 / (2 * a**2)
    s1 = np.sqrt(var_x)
    load = cov / s1 if s1 > 0 else 0.0
    s2 = np.sqrt(max(var_i - load**2, 0.0))
    x = np.zeros((scenarios, months), dtype=dtype)
    integral = np.zeros((scenarios, months), dtype=dtype)
    drawn = scenarios // 2 if antithetic else scenarios
    for t in range(1, months):
        z = rng.standard_normal((2, drawn))
        if antithetic:
            z = np.concatenate([z, -z], axis=1)
        prev = x[:, t - 1]
        x[:, t] = prev * decay + s1 * z[0]
        integral[:, t] = integral[:, t - 1] + prev * ((1 - decay) / a) + load * z[0] + s2 * z[1]
    return x, integral


@dataclass(frozen=True)
class HullWhite:
    mean_reversion: float  # a
    volatility: float  # σ

    def __post_init__(self) -> None:
        _check_parameters(self.mean_reversion, self.volatility)

    def simulate(
        self,
        curve: InitialCurve,
        scenarios: int,
        seed: int | np.random.Generator,
        *,
        months: int | None = None,
        antithetic: bool = False,
        dtype: type = np.float64,
    ) -> RatePaths:
        """Paths over ``months`` (default: the curve's length), fitted to ``curve`` exactly in mean."""
        months = curve.months if months is None else months
        if months > curve.months:
            raise ValueError(f"months ({months}) is longer than the initial curve ({curve.months} months)")
        a, sigma = self.mean_reversion, self.volatility
        x, integral = _factor_paths(a, sigma, months, scenarios, _rng(seed), antithetic, dtype)
        t = np.arange(months) * MONTH
        p = curve.discount[:months]
        discount = p * np.exp(-integral - 0.5 * integrated_factor_variance(a, sigma, t))
        phi = curve.forward()[:months] + sigma**2 / (2 * a**2) * (1 - np.exp(-a * t)) ** 2
        return RatePaths(short_rate=x + phi, discount=discount.astype(dtype, copy=False), model_discount=p.copy())


def hull_white_theta(curve: InitialCurve, mean_reversion: float, volatility: float) -> np.ndarray:
    """θ(t) on the monthly grid, θ = f'(0,t) + a·f(0,t) + σ²(1 − e^{−2at})/(2a) (forward slope by
    finite difference). Returned for inspection and for Euler schemes; ``simulate`` uses the
    equivalent exact decomposition r = x + φ."""
    _check_parameters(mean_reversion, volatility)
    f = curve.forward()
    t = np.arange(f.size) * MONTH
    slope = np.gradient(f, MONTH) if f.size > 1 else np.zeros_like(f)
    return slope + mean_reversion * f + volatility**2 * (1 - np.exp(-2 * mean_reversion * t)) / (2 * mean_reversion)


@dataclass(frozen=True)
class Vasicek:
    mean_reversion: float  # a
    volatility: float  # σ
    long_term_rate: float  # b
    initial_rate: float  # r(0)
    fit_rms_error: float = 0.0  # root-mean-square error in continuously compounded yield, if fitted

    def __post_init__(self) -> None:
        _check_parameters(self.mean_reversion, self.volatility)

    def _loading(self, t: np.ndarray) -> np.ndarray:
        return (1 - np.exp(-self.mean_reversion * t)) / self.mean_reversion

    def discount(self, t: np.ndarray) -> np.ndarray:
        """Closed-form P(0,t) = E[exp(−∫r)]."""
        t = np.asarray(t, dtype=float)
        b_t = self._loading(t)
        v = integrated_factor_variance(self.mean_reversion, self.volatility, t)
        return np.exp(-self.long_term_rate * t - (self.initial_rate - self.long_term_rate) * b_t + 0.5 * v)

    @classmethod
    def fit(cls, curve: InitialCurve, mean_reversion: float, volatility: float) -> Vasicek:
        """r(0) and b by least squares on −ln P(0,t) over the curve's months, given a and σ:
        −ln P = r0·B(t) + b·(t − B(t)) − ½V(t) is linear in (r0, b)."""
        _check_parameters(mean_reversion, volatility)
        t = curve.times[1:]
        b_t = (1 - np.exp(-mean_reversion * t)) / mean_reversion
        target = -np.log(curve.discount[1:]) + 0.5 * integrated_factor_variance(mean_reversion, volatility, t)
        design = np.column_stack([b_t, t - b_t])
        (r0, b), *_ = np.linalg.lstsq(design, target, rcond=None)
        model = cls(mean_reversion, volatility, float(b), float(r0))
        rms = float(np.sqrt(np.mean((np.log(model.discount(t)) - np.log(curve.discount[1:])) ** 2 / t**2)))
        return cls(mean_reversion, volatility, float(b), float(r0), rms)

    def simulate(
        self,
        months: int,
        scenarios: int,
        seed: int | np.random.Generator,
        *,
        antithetic: bool = False,
        dtype: type = np.float64,
    ) -> RatePaths:
        a, sigma = self.mean_reversion, self.volatility
        x, integral = _factor_paths(a, sigma, months, scenarios, _rng(seed), antithetic, dtype)
        t = np.arange(months) * MONTH
        mean_rate = self.long_term_rate + (self.initial_rate - self.long_term_rate) * np.exp(-a * t)
        mean_integral = self.long_term_rate * t + (self.initial_rate - self.long_term_rate) * self._loading(t)
        discount = np.exp(-mean_integral - integral)
        return RatePaths(
            short_rate=x + mean_rate, discount=discount.astype(dtype, copy=False), model_discount=self.discount(t)
        )

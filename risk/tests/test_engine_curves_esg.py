"""Regulatory curves, Smith-Wilson and the Hull-White / Vasicek scenario generator."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from risk.engine.cross_curve import (
    cross_adverse_curve,
    cross_base_curve,
    discount_factors,
    solvency2_rate_curve,
)
from risk.engine.esg import HullWhite, InitialCurve, Vasicek, hull_white_theta, martingale_check
from risk.engine.shocks import load_shock_table
from risk.engine.smith_wilson import calibrate_alpha, smith_wilson

GOV = {year: 0.017 + 0.0006 * year for year in range(1, 21)}  # 1.76% at 1 year … 2.90% at 20
CROSS_STRESS = load_shock_table("cross", date(2025, 6, 30)).rate_stress()
SII = load_shock_table("solvency2", date(2025, 6, 30))


# --------------------------------------------------------------------------- C-ROSS base curve


def test_cross_base_curve_matches_government_to_20_years_plus_spread_and_reaches_4_5_at_40():
    curve = cross_base_curve(GOV, 100)
    gov = np.array([GOV[y] for y in range(1, 21)])
    assert np.allclose(curve[:20], gov + 0.0045)  # index y = maturity y + 1
    assert curve[39] == pytest.approx(0.045)
    assert np.all(curve[39:] == 0.045)
    # blend is continuous at both ends: neighbours differ by about one year of slope
    assert abs(curve[20] - curve[19]) < 0.001 and abs(curve[38] - curve[39]) < 0.001


def test_linear_blend_is_available_and_hits_the_midpoint():
    curve = cross_base_curve(GOV, 50, blend="linear")
    # maturity 30: halfway between g(20) = 2.9% and 4.5%, spread halfway from 45 bp to 0
    assert curve[29] == pytest.approx(0.5 * (0.029 + 0.045) + 0.00225)


def test_a_curve_with_a_gap_is_refused_naming_the_year():
    gapped = dict(GOV)
    del gapped[7]
    with pytest.raises(ValueError, match="year 7"):
        cross_base_curve(gapped)
    as_array = np.array([GOV[y] for y in range(1, 21)])
    as_array[4] = np.nan
    with pytest.raises(ValueError, match="year 5"):
        cross_base_curve(as_array)
    with pytest.raises(ValueError, match="year 16, 17, 18, 19, 20"):
        cross_base_curve([0.02] * 15)


def test_cross_adverse_curves_interpolate_the_stress_table():
    base = cross_base_curve(GOV, 60)
    up = cross_adverse_curve(base, CROSS_STRESS, "up")
    down = cross_adverse_curve(base, CROSS_STRESS, "down")
    assert up[0] == pytest.approx(base[0] * 1.97)  # maturity 1
    assert up[2] == pytest.approx(base[2] * (1 + 0.97 + (0.66 - 0.97) * 2 / 4))  # maturity 3
    assert down[29] == pytest.approx(base[29] * (1 - 0.23 + (0.23 - 0.11) * 10 / 20))  # maturity 30
    assert up[59] == pytest.approx(base[59] * 1.17)  # beyond 40 the 40-year value holds
    stress3 = cross_adverse_curve(base, CROSS_STRESS, "down", multiplier=1.3)
    assert stress3[9] == pytest.approx(base[9] * (1 - 1.3 * 0.34))


def test_solvency2_up_shock_has_a_one_point_floor_and_down_spares_negative_rates():
    stress = SII.rate_stress()
    base = np.full(30, 0.03)
    base[:3] = [-0.002, 0.005, 0.01]
    up = solvency2_rate_curve(base, stress, "up")
    down = solvency2_rate_curve(base, stress, "down")
    assert up[1] == pytest.approx(0.015)  # 0.5%·1.7 = 0.85% < 0.5% + 1 pp
    assert up[9] == pytest.approx(0.03 * 1.42)  # maturity 10: s_up 42% gives +1.26 pp > 1 pp
    assert up[19] == pytest.approx(0.04)  # maturity 20: 3%·1.26 = 3.78% < 4%
    assert down[0] == -0.002  # negative rate: no downward shock
    assert down[1] == pytest.approx(0.005 * 0.35)  # maturity 2: s_down −65%
    assert discount_factors(base)[0] == pytest.approx(1 / 0.998)


# --------------------------------------------------------------------------- Smith-Wilson


def test_smith_wilson_reprices_inputs_and_converges_to_the_ufr():
    maturities = np.array([1, 2, 3, 5, 7, 10, 15, 20.0])
    spots = np.array([0.021, 0.023, 0.025, 0.027, 0.028, 0.03, 0.031, 0.0315])
    prices = (1 + spots) ** -maturities
    curve = smith_wilson(maturities, prices, alpha=0.12, ultimate_forward_rate=0.036)
    assert np.allclose(curve.discount(maturities), prices, rtol=0, atol=1e-12)
    assert np.allclose(curve.spot(maturities), spots, atol=1e-12)
    assert curve.annual_forward(200)[0] == pytest.approx(0.036, abs=1e-6)
    assert curve.forward_intensity(200)[0] == pytest.approx(np.log(1.036), abs=1e-6)
    assert curve.discount(0)[0] == pytest.approx(1.0)
    assert curve.annual_spots(100).shape == (100,)


def test_smith_wilson_alpha_calibration_meets_the_convergence_gap():
    maturities = np.array([1, 5, 10, 20.0])
    prices = 1.025**-maturities
    alpha = calibrate_alpha(maturities, prices, ultimate_forward_rate=0.036)
    # convergence point max(20 + 40, 60) = 60 years; the forward there within 1 bp of ω = ln 1.036
    forward_at_60 = smith_wilson(maturities, prices, alpha=alpha, ultimate_forward_rate=0.036).forward_intensity(60)[0]
    assert abs(forward_at_60 - np.log(1.036)) <= 1e-4
    if alpha > 0.05:  # a smaller alpha would miss the 1 bp gap
        looser = smith_wilson(maturities, prices, alpha=alpha * 0.9, ultimate_forward_rate=0.036)
        assert abs(looser.forward_intensity(60)[0] - np.log(1.036)) > 1e-4


def test_smith_wilson_refuses_bad_prices_naming_the_maturity():
    with pytest.raises(ValueError, match="maturity 5"):
        smith_wilson(np.array([1, 5.0]), np.array([0.98, -1.0]), alpha=0.1, ultimate_forward_rate=0.036)


# --------------------------------------------------------------------------- ESG


CURVE = InitialCurve.from_annual_spots(cross_base_curve(GOV, 40), 360)


def test_hull_white_is_a_martingale_within_monte_carlo_error():
    paths = HullWhite(mean_reversion=0.08, volatility=0.012).simulate(CURVE, 2000, seed=20260101)
    assert paths.discount.shape == (2000, 360) and paths.short_rate.shape == (2000, 360)
    assert np.all(paths.discount[:, 0] == 1)
    # the expected value is the initial curve itself, in the projection's convention
    assert np.allclose(paths.model_discount, CURVE.discount[:360])
    check = martingale_check(paths.discount, paths.model_discount, k=3)
    assert check.passed, (check.worst_month, check.z_scores[check.worst_month])
    assert check.standard_error[-1] > 0


def test_vasicek_is_a_martingale_against_its_own_curve():
    model = Vasicek.fit(CURVE, mean_reversion=0.15, volatility=0.01)
    paths = model.simulate(360, 2000, seed=7, antithetic=True)
    check = martingale_check(paths.discount, paths.model_discount, k=3)
    assert check.passed, (check.worst_month, check.z_scores[check.worst_month])


def test_vasicek_fit_recovers_its_parameters_from_its_own_curve():
    truth = Vasicek(mean_reversion=0.2, volatility=0.015, long_term_rate=0.04, initial_rate=0.02)
    curve = InitialCurve(np.concatenate([[1.0], truth.discount(np.arange(1, 241) / 12)]))
    fitted = Vasicek.fit(curve, 0.2, 0.015)
    assert fitted.initial_rate == pytest.approx(0.02, abs=1e-10)
    assert fitted.long_term_rate == pytest.approx(0.04, abs=1e-10)
    assert fitted.fit_rms_error < 1e-10


def test_the_martingale_check_catches_a_biased_generator():
    paths = HullWhite(0.08, 0.012).simulate(CURVE, 2000, seed=1)
    biased = paths.discount * np.exp(-0.002 * np.arange(360) / 12)  # 20 bp too much discounting
    assert not martingale_check(biased, paths.model_discount, k=3).passed


def test_seeded_paths_repeat_and_theta_matches_a_flat_curve():
    a, sigma = 0.1, 0.01
    one = HullWhite(a, sigma).simulate(CURVE, 50, seed=3, months=24)
    two = HullWhite(a, sigma).simulate(CURVE, 50, seed=np.random.default_rng(3), months=24)
    assert np.array_equal(one.discount, two.discount)
    flat = InitialCurve(np.exp(-0.03 * np.arange(121) / 12))
    t = np.arange(120) / 12
    assert np.allclose(hull_white_theta(flat, a, sigma), a * 0.03 + sigma**2 * (1 - np.exp(-2 * a * t)) / (2 * a))
    with pytest.raises(ValueError, match="mean_reversion"):
        HullWhite(0.0, 0.01)
    with pytest.raises(ValueError, match="even number"):
        HullWhite(a, sigma).simulate(CURVE, 3, seed=1, antithetic=True)

"""Stochastic valuation over Hull-White and Vasicek paths (risk/engine/stochastic.py).

Checks against the deterministic engine (zero volatility reproduces it), between the two
methods (the matrix product equals the path-by-path kernel), against Monte Carlo theory (the
mean BEL stays within a few standard errors of the deterministic one, because the model
reprices the curve), chunking (the halves add up to the whole) and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from risk.engine.bases import load_basis
from risk.engine.esg import HullWhite, InitialCurve, Vasicek
from risk.engine.modelpoints import model_points_from_frame
from risk.engine.projection import project, projection_months
from risk.engine.stochastic import DynamicLapse, economic_scenarios, standard_error, stochastic_valuation

BASIS = load_basis("cross_default")


def _points(n: int = 60, seed: int = 11):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "point_id": np.arange(1, n + 1),
            "age_at_entry": rng.integers(20, 55, n),
            "sex": rng.choice(["M", "F"], n),
            "policy_term": rng.choice([10, 20, 30], n),
            "policy_count": rng.integers(1, 20, n).astype(float),
            "sum_assured": rng.integers(10, 100, n) * 10_000.0,
            "duration_mth": rng.integers(-6, 60, n),  # in force and future new business
        }
    )
    return model_points_from_frame(frame)


POINTS = _points()
HW = HullWhite(mean_reversion=0.1, volatility=0.01)


@pytest.mark.parametrize("method", ["linear", "kernel"])
def test_zero_volatility_reproduces_the_deterministic_valuation(method):
    deterministic = project(POINTS, BASIS, cashflows=False)
    result = stochastic_valuation(POINTS, BASIS, HullWhite(0.1, 0.0), 4, seed=1, method=method)
    expected = deterministic.totals().iloc[0]
    for name, values in result.scenario_pv.items():
        assert np.allclose(values, expected[name], rtol=1e-12), name
    assert np.allclose(result.point_mean_bel, deterministic.bel[0], rtol=1e-11, atol=1e-6)


def test_the_matrix_product_equals_the_path_by_path_kernel():
    kernel = stochastic_valuation(POINTS, BASIS, HW, 40, seed=5, method="kernel")
    linear = stochastic_valuation(POINTS, BASIS, HW, 40, seed=5, method="linear")
    for name in kernel.scenario_pv:
        assert np.allclose(linear.scenario_pv[name], kernel.scenario_pv[name], rtol=1e-11), name
    assert np.allclose(linear.point_mean_bel, kernel.point_mean_bel, rtol=1e-10, atol=1e-6)
    assert np.std(kernel.scenario_bel) > 0  # the paths really differ


def test_mean_bel_is_the_deterministic_bel_within_monte_carlo_error():
    deterministic = float(project(POINTS, BASIS, cashflows=False).bel[0].sum())
    result = stochastic_valuation(POINTS, BASIS, HW, 2_000, seed=2026)
    assert result.martingale.passed
    assert abs(result.mean_bel - deterministic) <= 4 * result.standard_error
    assert result.standard_error > 0
    low, median, high = (result.percentiles()[k] for k in ("p0.5", "p50", "p99.5"))
    assert low < median < high


def test_the_same_seed_gives_the_same_paths_so_chunks_add_up_to_the_whole():
    months = projection_months(POINTS)
    whole = stochastic_valuation(POINTS, BASIS, HW, 30, seed=9, dynamic_lapse=DynamicLapse(8.0))
    first = stochastic_valuation(POINTS.subset(slice(0, 25)), BASIS, HW, 30, seed=9, months=months,
                                 dynamic_lapse=DynamicLapse(8.0))  # fmt: skip
    second = stochastic_valuation(POINTS.subset(slice(25, None)), BASIS, HW, 30, seed=9, months=months,
                                  dynamic_lapse=DynamicLapse(8.0))  # fmt: skip
    assert np.allclose(first.scenario_bel + second.scenario_bel, whole.scenario_bel, rtol=1e-12)


def test_dynamic_lapse_without_sensitivity_changes_nothing_and_with_it_rising_rates_lapse_more():
    plain = stochastic_valuation(POINTS, BASIS, HW, 20, seed=4, method="kernel")
    flat = stochastic_valuation(POINTS, BASIS, HW, 20, seed=4, dynamic_lapse=DynamicLapse(0.0))
    assert np.allclose(flat.scenario_bel, plain.scenario_bel, rtol=1e-13)

    rule = DynamicLapse(sensitivity=10.0, floor=0.5, cap=2.0)
    expected = np.full(24, 0.03)
    paths = np.vstack([np.full(24, 0.04), np.full(24, 0.03), np.full(24, 0.0), np.full(24, 0.30)])
    mult = rule.multipliers(paths, expected, years=2)
    assert mult[:, 0].tolist() == pytest.approx([1.1, 1.0, 0.7, 2.0])  # +1 point → +10%; capped at 2

    scenarios, _ = economic_scenarios(HW, BASIS.pricing_spot_curve, 120, 10, 3, dynamic_lapse=rule)
    assert scenarios.lapse_mult.shape == (10, 10) and np.ptp(scenarios.lapse_mult) > 0
    assert np.all(scenarios.mortality_mult == 1) and np.all(scenarios.expense_mult == 1)


def test_vasicek_paths_value_the_book_and_pass_their_own_martingale_check():
    curve = InitialCurve.from_annual_spots(BASIS.pricing_spot_curve, projection_months(POINTS))
    model = Vasicek.fit(curve, mean_reversion=0.15, volatility=0.008)
    result = stochastic_valuation(POINTS, BASIS, model, 500, seed=8)
    assert result.martingale.passed
    assert np.isfinite(result.mean_bel) and result.standard_error > 0


def test_antithetic_standard_error_is_taken_over_pair_means():
    values = np.array([1.0, 3.0, 2.0, -1.0, 1.0, 5.0])  # pairs (1, -1), (3, 1), (2, 5)
    assert standard_error(values, antithetic=True) == pytest.approx(np.std([0.0, 2.0, 3.5], ddof=1) / np.sqrt(3))
    assert standard_error(values, antithetic=False) == pytest.approx(np.std(values, ddof=1) / np.sqrt(6))


def test_bad_requests_are_refused_naming_the_problem():
    with pytest.raises(ValueError, match="at least 2 scenarios"):
        stochastic_valuation(POINTS, BASIS, HW, 1, seed=1)
    with pytest.raises(ValueError, match="no dynamic lapse"):
        stochastic_valuation(POINTS, BASIS, HW, 10, seed=1, method="linear", dynamic_lapse=DynamicLapse(5.0))
    with pytest.raises(ValueError, match="unknown method"):
        stochastic_valuation(POINTS, BASIS, HW, 10, seed=1, method="fast")
    with pytest.raises(ValueError, match="shorter than the longest projection"):
        stochastic_valuation(POINTS, BASIS, HW, 10, seed=1, months=12)
    with pytest.raises(ValueError, match="floor"):
        DynamicLapse(5.0, floor=1.5)
    with pytest.raises(ValueError, match="even number"):
        stochastic_valuation(POINTS, BASIS, HW, 11, seed=1)

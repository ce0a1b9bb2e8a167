"""The published anchor: lifelib basiclife BasicTerm_M, reproduced from the copied inputs and
checked against lifelib itself run in the same session; and the numba kernel against the
numpy reference (regulation-actuarial.md, section 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.engine import projection_kernel
from risk.engine.bases import basis_file, load_basis
from risk.engine.modelpoints import model_points_from_frame, read_model_points_csv
from risk.engine.projection import project
from risk.engine.scenario_set import ScenarioSet

PUBLISHED_TOTAL = 14_489_630.5346  # sum of pv_net_cf, BasicTerm_M, lifelib documentation


def lifelib_model_path() -> Path:
    lifelib = pytest.importorskip("lifelib", reason="lifelib is a test extra (requirements-dev.txt)")
    return Path(lifelib.__file__).parent / "libraries" / "basiclife" / "BasicTerm_M"


@pytest.fixture(scope="module")
def lifelib_run():
    """lifelib's own BasicTerm_M, once per session: its totals, per point, and premiums."""
    mx = pytest.importorskip("modelx")
    model = mx.read_model(str(lifelib_model_path()))  # needs openpyxl for the model's Excel data
    try:
        projection = model.Projection
        yield {
            "pv_net_cf": np.asarray(projection.pv_net_cf(), dtype=float),
            "premium_pp": np.asarray(projection.premium_pp(), dtype=float),
            "point_id": np.asarray(projection.model_point_table.index),
            "mort_table": projection.mort_table.copy(),
            "disc_rate_ann": projection.disc_rate_ann.copy(),
            "model_point_table": projection.model_point_table.copy(),
        }
    finally:
        model.close()


@pytest.fixture(scope="module")
def basiclife_result():
    points = read_model_points_csv(basis_file("basiclife", "model_points.csv"))
    return project(points, load_basis("basiclife"))


def test_engine_reproduces_the_published_total(basiclife_result):
    total = basiclife_result.pv["pv_net_cf"].sum()
    assert total == pytest.approx(PUBLISHED_TOTAL, rel=1e-9)
    assert basiclife_result.pv["pv_net_cf"].shape == (1, 10_000)


def test_lifelib_itself_gives_the_same_total(lifelib_run, basiclife_result):
    assert lifelib_run["pv_net_cf"].sum() == pytest.approx(PUBLISHED_TOTAL, rel=1e-9)
    np.testing.assert_array_equal(basiclife_result.point_id, lifelib_run["point_id"])
    # Point by point, not only in total: premiums to the cent, present values to rounding.
    np.testing.assert_array_equal(basiclife_result.premium_pp, lifelib_run["premium_pp"])
    np.testing.assert_allclose(basiclife_result.pv["pv_net_cf"][0], lifelib_run["pv_net_cf"], rtol=1e-9, atol=1e-6)


def test_copied_inputs_equal_lifelib_data(lifelib_run):
    """The CSV copies under bases/basiclife are lifelib's inputs, value for value."""
    mort = pd.read_csv(basis_file("basiclife", "mortality.csv"), index_col="age")
    np.testing.assert_array_equal(mort.to_numpy(), lifelib_run["mort_table"].to_numpy())
    rates = pd.read_csv(basis_file("basiclife", "discount_rates.csv"), index_col="year")["spot_rate"]
    np.testing.assert_array_equal(rates.to_numpy(), lifelib_run["disc_rate_ann"].to_numpy())
    points = pd.read_csv(basis_file("basiclife", "model_points.csv"), index_col="point_id")
    pd.testing.assert_frame_equal(points, lifelib_run["model_point_table"], check_dtype=False)


def mixed_book(n: int, seed: int) -> pd.DataFrame:
    """In force, written at the valuation date, and future business; some premiums given."""
    rng = np.random.default_rng(seed)
    term = rng.integers(5, 31, n)
    duration = np.where(rng.random(n) < 0.7, (rng.random(n) * 12 * term).astype(int) + 1, -rng.integers(0, 24, n))
    return pd.DataFrame(
        {
            "point_id": np.arange(1, n + 1),
            "age_at_entry": rng.integers(18, 66, n),
            "sex": rng.choice(["M", "F"], n),
            "policy_term": term,
            "policy_count": rng.integers(1, 100, n).astype(float),
            "sum_assured": rng.integers(1, 200, n) * 5_000.0,
            "duration_mth": np.minimum(duration, 12 * term - 1),
            "premium_pp": np.where(rng.random(n) < 0.5, np.nan, rng.integers(5, 500, n).astype(float)),
        }
    )


def shocked_scenarios(years: int = 31) -> ScenarioSet:
    base = ScenarioSet.base(np.linspace(0.02, 0.035, years))
    return ScenarioSet.stack(
        [
            base,
            ScenarioSet(
                names=("mortality_up", "lapse_down", "rates_down", "cat_and_nb"),
                spot_rates=np.vstack([base.spot_rates[0]] * 3 + [base.spot_rates[0] - 0.01]),
                mortality_mult=np.vstack([np.full(years, 1.15), np.ones(years), np.ones(years), np.ones(years)]),
                mortality_add=np.vstack([np.zeros(years)] * 3 + [np.r_[0.0018, np.zeros(years - 1)]]),
                lapse_mult=np.vstack([np.ones(years), np.full(years, 0.6), np.ones(years), np.ones(years)]),
                lapse_floor=np.vstack([np.zeros(years)] * 3 + [np.full(years, 0.08)]),
                expense_mult=np.array([1.0, 1.0, 1.1, 1.0]),
                inflation_add=np.array([0.0, 0.0, 0.01, 0.0]),
                new_business_mult=np.array([1.0, 1.0, 1.0, 0.5]),
            ),
        ]
    )


@pytest.mark.parametrize("threads", ["serial", "parallel"])
@pytest.mark.parametrize("cashflows", [True, False])
def test_numba_kernel_equals_numpy_reference(cashflows, threads, monkeypatch):
    # Small runs take the one-thread kernel; a threshold of 0 sends this one through prange too.
    monkeypatch.setattr(projection_kernel, "SERIAL_BELOW_POLICY_MONTHS", 0 if threads == "parallel" else 10**12)
    points = model_points_from_frame(mixed_book(400, seed=11))
    basis, scenarios = load_basis("cross_default"), shocked_scenarios()
    fused = project(points, basis, scenarios, engine="numba", cashflows=cashflows)
    reference = project(points, basis, scenarios, engine="numpy", cashflows=cashflows)
    np.testing.assert_array_equal(fused.premium_pp, reference.premium_pp)
    for name, values in reference.pv.items():
        np.testing.assert_allclose(fused.pv[name], values, rtol=1e-12, atol=1e-9, err_msg=name)
    if cashflows:
        for name, values in reference.cashflows.items():
            np.testing.assert_allclose(fused.cashflows[name], values, rtol=1e-12, atol=1e-9, err_msg=name)
    # The shocks moved something, so the comparison is not between two copies of the base.
    totals = fused.totals()["bel"]
    assert totals.nunique() == len(totals)


def test_numba_equals_numpy_on_basiclife(basiclife_result):
    points = read_model_points_csv(basis_file("basiclife", "model_points.csv"))
    reference = project(points, load_basis("basiclife"), engine="numpy")
    for name, values in reference.pv.items():
        np.testing.assert_allclose(basiclife_result.pv[name], values, rtol=1e-12, err_msg=name)


@pytest.fixture(scope="module")
def lifelib_in_force_run():
    """lifelib's BasicTerm_ME: the same assumptions on a book with policies in force
    (duration_mth > 0), written at the valuation date (0) and future new business (< 0)."""
    mx = pytest.importorskip("modelx")
    model = mx.read_model(str(lifelib_model_path().parent / "BasicTerm_ME"))
    try:
        projection = model.Projection
        yield {
            "model_points": projection.model_point_table.copy(),
            "premium_pp": np.asarray(projection.premium_pp(), dtype=float),  # from its premium table
            "pv_net_cf": np.asarray(projection.pv_net_cf(), dtype=float),
        }
    finally:
        model.close()


def test_in_force_and_future_business_match_lifelib_basicterm_me(lifelib_in_force_run):
    frame = lifelib_in_force_run["model_points"].reset_index().rename(columns={"policy_id": "point_id"})
    frame["premium_pp"] = lifelib_in_force_run["premium_pp"]  # ME reads premiums from a table
    points = model_points_from_frame(frame)
    assert (points.duration_mth < 0).any() and (points.duration_mth > 0).any() and (points.duration_mth == 0).any()
    result = project(points, load_basis("basiclife"))
    expected = lifelib_in_force_run["pv_net_cf"]
    assert result.pv["pv_net_cf"].sum() == pytest.approx(expected.sum(), rel=1e-9)
    np.testing.assert_allclose(result.pv["pv_net_cf"][0], expected, rtol=1e-9, atol=1e-5)

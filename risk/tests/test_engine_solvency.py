"""C-ROSS aggregation and the Solvency II life module, against hand calculations."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from risk.engine.shocks import CorrelationMatrix, check_correlation_matrix, load_shock_table
from risk.engine.solvency import (
    combine_correlated,
    control_risk_factor,
    cross_interest_rate_risk,
    cross_life_insurance_risk,
    cross_solvency,
    irr_category,
    loss_absorbency,
    shock_capital,
    size_factor,
    solvency2_life_risk,
)

CROSS = load_shock_table("cross", date(2025, 12, 31))
SII = load_shock_table("solvency2", date(2025, 12, 31))


# --------------------------------------------------------------------------- control risk Q(S)


def test_control_risk_factor_hits_the_published_points():
    assert control_risk_factor(80, CROSS) == pytest.approx(0.0, abs=1e-12)
    assert control_risk_factor(100, CROSS) == pytest.approx(-0.15)
    assert control_risk_factor(0, CROSS) == pytest.approx(0.75)


@pytest.mark.parametrize(("breakpoint", "value"), [(70, 0.05), (90, -0.05)])
def test_control_risk_factor_is_continuous_at_the_breakpoints(breakpoint, value):
    # 0.75 − 0.01·70 = 0.05 = 0.4 − 0.005·70; 0.4 − 0.005·90 = −0.05 = 0.85 − 0.01·90
    assert control_risk_factor(breakpoint, CROSS) == pytest.approx(value)
    assert control_risk_factor(breakpoint + 1e-9, CROSS) == pytest.approx(value, abs=1e-9)
    assert control_risk_factor(breakpoint - 1e-9, CROSS) == pytest.approx(value, abs=1e-9)


def test_control_risk_factor_refuses_a_score_outside_0_100():
    with pytest.raises(ValueError, match="sarmra_score"):
        control_risk_factor(101, CROSS)


# --------------------------------------------------------------------------- correlation matrices


@pytest.mark.parametrize(
    ("table", "name"),
    [
        (CROSS, "loss_occurrence_correlation"),
        (CROSS, "life_risk_correlation"),
        (CROSS, "module_correlation_life_insurer"),
        (SII, "life_correlation"),
        (load_shock_table("solvency2", date(2027, 1, 30)), "life_correlation"),
    ],
)
def test_correlation_matrices_are_symmetric_unit_diagonal_and_positive_definite(table, name):
    corr = table.correlation(name)
    assert np.allclose(corr.matrix, corr.matrix.T)
    assert np.allclose(np.diag(corr.matrix), 1.0)
    assert np.linalg.eigvalsh(corr.matrix).min() > 0


def test_module_matrix_holds_the_life_insurer_correlations():
    corr = CROSS.correlation("module_correlation_life_insurer")
    i = {n: k for k, n in enumerate(corr.names)}
    expected = {
        ("life", "non_life"): 0.20,
        ("life", "market"): 0.30,
        ("life", "credit"): 0.15,
        ("non_life", "market"): 0.10,
        ("non_life", "credit"): 0.10,
        ("market", "credit"): 0.35,
    }
    for (a, b), rho in expected.items():
        assert corr.matrix[i[a], i[b]] == rho


def test_a_matrix_that_is_not_positive_definite_is_refused():
    # three risks pairwise −0.9 cannot all be anti-correlated: eigenvalue 1 − 1.8 < 0
    bad = np.full((3, 3), -0.9) + np.eye(3) * 1.9
    with pytest.raises(ValueError, match="positive definite"):
        check_correlation_matrix(bad)
    with pytest.raises(ValueError, match=r"not symmetric at \(a, b\)"):
        CorrelationMatrix(("a", "b"), np.array([[1.0, 0.2], [0.3, 1.0]]))


# --------------------------------------------------------------------------- C-ROSS module aggregation


def test_hand_computed_minimum_capital_loss_absorbency_and_ratios():
    modules = {"life": 100.0, "non_life": 20.0, "market": 80.0, "credit": 40.0}
    result = cross_solvency(
        modules,
        table=CROSS,
        core_capital=120.0,
        actual_capital=200.0,
        irr_rating="BBB",
        sarmra_score=85,
        absorbency_base=50.0,
        absorbency_cap=30.0,
        absorbency_k=0.1,
        total_assets_cny=100e9,
        add_ons=5.0,
    )
    # v·M·vᵀ = Σ v² + 2 Σ ρ v_i v_j
    #   Σ v² = 100² + 20² + 80² + 40² = 10000 + 400 + 6400 + 1600 = 18400
    #   cross = 0.2·100·20 + 0.3·100·80 + 0.15·100·40 + 0.1·20·80 + 0.1·20·40 + 0.35·80·40
    #         = 400 + 2400 + 600 + 160 + 80 + 1120 = 4760, doubled 9520
    #   √27920 = 167.0928; diversification = 240 − 167.0928 = 72.9072
    assert result.aggregated == pytest.approx(math.sqrt(27920))
    assert result.diversification == pytest.approx(240 - math.sqrt(27920))
    # β = (1 + 0.1)·min(0.5, 0.22·30/50 + 0.02) = 1.1·0.152 = 0.1672; LA = min(50·0.1672, 30) = 8.36
    assert result.loss_absorbency_beta == pytest.approx(0.1672)
    assert result.loss_absorbency == pytest.approx(8.36)
    # MC* = (167.0928 − 8.36)·0.95 (assets CNY 100 bn) = 158.7328·0.95 = 150.7961
    assert result.minimum_capital_before_size == pytest.approx(math.sqrt(27920) - 8.36)
    assert result.size_factor == 0.95
    mc_star = (math.sqrt(27920) - 8.36) * 0.95
    assert result.quantifiable_minimum_capital == pytest.approx(mc_star)
    # Q(85) = 0.4 − 0.005·85 = −0.025; MC = 150.7961·(1 − 0.025) + 5 = 152.0262
    assert result.control_risk_q == pytest.approx(-0.025)
    assert result.control_risk_capital == pytest.approx(-0.025 * mc_star)
    assert result.minimum_capital == pytest.approx(mc_star * 0.975 + 5)
    assert result.minimum_capital == pytest.approx(152.0262, abs=1e-4)
    # core 120 / 152.0262 = 78.93% ≥ 50%; comprehensive 200 / 152.0262 = 131.56% ≥ 100%; BBB → B
    assert result.solvency_ratio_core == pytest.approx(0.7893, abs=1e-4)
    assert result.solvency_ratio_comprehensive == pytest.approx(1.3156, abs=1e-4)
    assert result.irr_category == "B"
    assert result.passed and result.failures == ()


def test_the_pass_test_needs_all_three_conditions():
    common = {"table": CROSS, "sarmra_score": 80, "irr_rating": "A"}
    # MC = √(100²) = 100 with only life risk and Q(80) = 0
    assert cross_solvency({"life": 100.0}, core_capital=50, actual_capital=100, **common).passed
    core_short = cross_solvency({"life": 100.0}, core_capital=49, actual_capital=100, **common)
    assert not core_short.passed and "core" in core_short.failures[0]
    total_short = cross_solvency({"life": 100.0}, core_capital=60, actual_capital=99, **common)
    assert not total_short.passed and "comprehensive" in total_short.failures[0]
    rated_c = cross_solvency(
        {"life": 100.0}, core_capital=60, actual_capital=150, table=CROSS, sarmra_score=80, irr_rating="C"
    )
    assert not rated_c.passed and "rating" in rated_c.failures[0]


def test_loss_absorbency_is_capped():
    # β = min(0.5, 0.22·2/100 + 0.02) = 0.0244; 100·0.0244 = 2.44 > LA_cap 2 → LA = 2
    la, beta = loss_absorbency(100.0, 2.0, 0.0, CROSS)
    assert beta == pytest.approx(0.0244)
    assert la == 2.0


def test_size_factor_bands_and_irr_mapping():
    assert size_factor(10e9, CROSS) == 0.90
    assert size_factor(50e9, CROSS) == 0.95
    assert size_factor(600e9, CROSS) == 1.0
    assert size_factor(None, CROSS) == 1.0
    assert CROSS.figure("size_factor").verify
    assert [irr_category(r, CROSS) for r in ("AAA", "AA", "a", "BBB", "BB", "B", "C", "D")] == list("AAABBBCD")
    with pytest.raises(ValueError, match="irr_rating"):
        irr_category("E", CROSS)


def test_negative_module_capital_is_refused_naming_the_module():
    with pytest.raises(ValueError, match="'market'"):
        cross_solvency(
            {"life": 1.0, "market": -1.0},
            table=CROSS,
            core_capital=1,
            actual_capital=1,
            irr_rating="A",
            sarmra_score=80,
        )


# --------------------------------------------------------------------------- C-ROSS life insurance risk


def _cross_pvs():
    # two policies: the first type I, the second type II for lapse
    return {
        "base": np.array([600.0, 400.0]),
        "mortality": np.array([620.0, 410.0]),  # +30
        "catastrophe": np.array([603.0, 402.0]),  # +5
        "longevity": np.array([595.0, 395.0]),  # −10 → 0
        "expense": np.array([606.0, 404.0]),  # +10
        "lapse_type1_up": np.array([606.0, 404.0]),
        "lapse_type2_up": np.array([610.0, 410.0]),
        "lapse_type1_down": np.array([598.0, 401.0]),
        "lapse_type2_down": np.array([590.0, 405.0]),
        "mass_lapse": np.array([605.0, 405.0]),  # +10
        "rate_up": np.array([590.0, 395.0]),  # −15
        "rate_down": np.array([640.0, 420.0]),  # +60
    }


def test_life_insurance_risk_two_level_aggregation_by_hand():
    result = cross_life_insurance_risk(_cross_pvs(), CROSS, lapse_type2=np.array([False, True]))
    assert result.sub_risks["mortality"] == 30
    assert result.sub_risks["longevity"] == 0  # a gain is floored at 0
    # lapse up = 606 (type I up) + 410 (type II up) − 1000 = 16; down = 598 + 405 − 1000 = 3; mass = 10
    assert result.sub_risks["lapse_up"] == 16 and result.sub_risks["lapse_down"] == 3
    assert result.lapse == 16 and result.lapse_driver == "up"
    # loss occurrence: 30² + 5² + 2·0.25·30·5 = 900 + 25 + 75 = 1000 → √1000
    assert result.loss_occurrence == pytest.approx(math.sqrt(1000))
    # life: LO² + 10² + 16² + 2·0.4·LO·10 + 2·0·LO·16 + 2·0.5·10·16 = 1000 + 100 + 256 + 8·√1000 + 160
    expected = math.sqrt(1516 + 8 * math.sqrt(1000))
    assert result.total == pytest.approx(expected)
    assert result.diversification == pytest.approx(30 + 5 + 10 + 16 - expected)
    assert cross_interest_rate_risk(_cross_pvs()) == 60


def test_mortality_and_longevity_offset_with_minus_a_quarter():
    pvs = {k: v for k, v in _cross_pvs().items() if not k.startswith(("catastrophe",))}
    pvs["longevity"] = pvs["base"] + np.array([20.0, 0.0])
    result = cross_life_insurance_risk(pvs, CROSS)
    # 30² + 20² − 2·0.25·30·20 = 900 + 400 − 300 = 1000
    assert result.loss_occurrence == pytest.approx(math.sqrt(1000))


def test_morbidity_level_and_trend_combine_and_enter_as_extra_capital():
    # √(40² + 2·0.25·40·30 + 30²) = √(1600 + 600 + 900) = √3100
    morbidity = combine_correlated(40.0, 30.0, CROSS.number("morbidity_level_trend_correlation"))
    assert morbidity == pytest.approx(math.sqrt(3100))
    result = cross_life_insurance_risk(_cross_pvs(), CROSS, extra_capital={"morbidity": morbidity})
    assert result.sub_risks["morbidity"] == pytest.approx(math.sqrt(3100))
    with pytest.raises(ValueError, match="'lapse'"):
        cross_life_insurance_risk(_cross_pvs(), CROSS, extra_capital={"lapse": 1.0})


def test_missing_scenario_pv_is_named():
    pvs = _cross_pvs()
    del pvs["expense"]
    with pytest.raises(ValueError, match="'expense'"):
        cross_life_insurance_risk(pvs, CROSS)
    with pytest.raises(ValueError, match="shape"):
        shock_capital(np.ones(2), np.ones(3))


# --------------------------------------------------------------------------- Solvency II life module


def test_solvency2_life_risk_aggregates_with_corrlife():
    base = np.array([1000.0])
    pvs = {
        "base": base,
        "mortality": base + 40,
        "longevity": base - 5,
        "lapse_up": base + 10,
        "lapse_down": base + 25,
        "mass_lapse": base + 20,
        "expense": base + 30,
        "catastrophe": base + 10,
    }
    result = solvency2_life_risk(pvs, SII)
    assert result.lapse_driver == "down" and result.sub_modules["lapse"] == 25
    # mortality 40, lapse 25, expense 30, CAT 10 with CorrLife: mort–lapse 0, mort–exp 0.25,
    # mort–CAT 0.25, lapse–exp 0.5, lapse–CAT 0.25, exp–CAT 0.25
    squares = 40**2 + 25**2 + 30**2 + 10**2
    cross = 0 * 40 * 25 + 0.25 * 40 * 30 + 0.25 * 40 * 10 + 0.5 * 25 * 30 + 0.25 * 25 * 10 + 0.25 * 30 * 10
    assert result.total == pytest.approx(math.sqrt(squares + 2 * cross))
    assert result.diversification == pytest.approx(105 - result.total)


# --------------------------------------------------------------------------- end to end


def test_the_standard_set_runs_through_the_projection_into_life_risk_capital():
    """The contract with the projection: the 16 C-ROSS scenarios project, and the capitals are
    max(Σ BEL_adverse − Σ BEL_base, 0) of its results (lifelib basiclife term policies)."""
    import pandas as pd

    from risk.engine.bases import basis_file, load_basis
    from risk.engine.cross_curve import cross_base_curve
    from risk.engine.modelpoints import model_points_from_frame
    from risk.engine.projection import project
    from risk.engine.shocks import cross_standard_scenarios

    basis = load_basis("basiclife")
    frame = pd.read_csv(basis_file("basiclife", "model_points.csv"), dtype=str, keep_default_na=False)
    points = model_points_from_frame(frame.head(300))
    curve = cross_base_curve({y: 0.02 + 0.0005 * y for y in range(1, 21)}, len(basis.pricing_spot_curve))
    shocked = cross_standard_scenarios(CROSS, curve)
    result = project(points, basis, shocked.scenarios, engine="numpy", cashflows=False)
    assert result.scenario_names == shocked.names
    pv = {name: result.bel[i] for i, name in enumerate(result.scenario_names)}
    totals = {name: float(v.sum()) for name, v in pv.items()}
    risk = cross_life_insurance_risk(pv, CROSS)
    # term assurance: more deaths cost money, fewer deaths do not
    assert risk.sub_risks["mortality"] == pytest.approx(totals["mortality"] - totals["base"])
    assert risk.sub_risks["mortality"] > 0 and risk.sub_risks["catastrophe"] > 0
    assert risk.sub_risks["longevity"] == 0
    # the projection models mortality only: morbidity, medical and other shocks change nothing
    for name in ("morbidity", "medical", "other_loss"):
        assert totals[name] == pytest.approx(totals["base"])
    lapse = max(totals[n] - totals["base"] for n in ("lapse_type1_up", "lapse_type1_down", "mass_lapse"))
    assert risk.lapse == pytest.approx(max(lapse, 0.0))
    assert 0 < risk.total < sum(risk.sub_risks[n] for n in ("mortality", "catastrophe", "expense")) + risk.lapse

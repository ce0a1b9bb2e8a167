"""Shock tables (versions, sources) and the scenario sets built from them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from risk.engine.cross_curve import cross_base_curve
from risk.engine.scenario_set import ScenarioSet
from risk.engine.shocks import (
    CROSS_STANDARD_SCENARIOS,
    SHOCK_CURVE_YEARS,
    SHOCK_DATA_DIR,
    cross_longevity_factors,
    cross_morbidity_trend_factors,
    cross_standard_scenarios,
    cross_standard_under_stress,
    cross_stress_tests,
    full_curve,
    load_shock_table,
    parse_shock_table,
    shock_table_versions,
    solvency2_life_scenarios,
    user_scenarios,
)

YEARS = 60
GOV = {year: 0.018 + 0.0007 * year for year in range(1, 21)}
BASE = cross_base_curve(GOV, YEARS)
CROSS = load_shock_table("cross", date(2025, 6, 30))


def _row(scenarios: ScenarioSet, name: str) -> int:
    return scenarios.names.index(name)


# --------------------------------------------------------------------------- tables


def test_solvency2_version_switches_on_30_january_2027():
    assert load_shock_table("solvency2", date(2027, 1, 29)).version == "solvency2-2015-35"
    revised = load_shock_table("solvency2", date(2027, 1, 30))
    assert revised.version == "solvency2-2027-01-30"
    assert revised.effective_from == date(2027, 1, 30)
    # the revision's figures are not known here: every one is copied and flagged
    assert set(revised.figures_to_verify) == set(revised.figures)


def test_no_table_before_the_first_version():
    with pytest.raises(ValueError, match="no solvency2 shock table is in force on 2015-12-31"):
        load_shock_table("solvency2", date(2015, 12, 31))
    with pytest.raises(ValueError, match="basis"):
        load_shock_table("rbc", date(2025, 1, 1))


def test_every_figure_carries_a_source_and_spec_verify_marks_survive():
    for basis in ("cross", "solvency2"):
        for table in shock_table_versions(basis, SHOCK_DATA_DIR):
            assert table.source
            assert all(fig.source for fig in table.figures.values()), table.version
    assert "size_factor" in CROSS.figures_to_verify


def test_a_figure_without_source_is_refused_naming_it():
    data = {
        "basis": "cross",
        "version": "x",
        "effective_from": "2030-01-01",
        "source": "test",
        "figures": {"mortality_shock": {"value": 0.2}},
    }
    with pytest.raises(ValueError, match="figure 'mortality_shock' has no source"):
        parse_shock_table(data)
    del data["effective_from"]
    with pytest.raises(ValueError, match="'effective_from'"):
        parse_shock_table(data)


# --------------------------------------------------------------------------- C-ROSS Rule 5


def test_longevity_factors_at_10_20_30_years():
    sf = cross_longevity_factors(CROSS, 40) - 1  # index y is year t = y + 1
    assert round(sf[9], 3) == -0.263  # 0.97^10 − 1 = −26.26%
    # 0.97^10·0.98^10 − 1 = −39.747%: the published −39.8% rounds the four-digit product
    # 0.7374·0.8171 = 0.6025 (−39.75%) half up, so allow the published rounding
    assert sf[19] == pytest.approx(-0.398, abs=6e-4)
    assert round(sf[29], 3) == -0.455  # ×0.99^10 → −45.51%
    assert sf[30] == sf[29] and sf[39] == sf[29]  # flat after 30 years
    assert sf[0] == pytest.approx(-0.03)


def test_standard_cross_set_has_the_sixteen_named_scenarios():
    shocked = cross_standard_scenarios(CROSS, BASE)
    s = shocked.scenarios
    assert s.names == CROSS_STANDARD_SCENARIOS and s.count == 16
    assert s.spot_rates.shape == (16, SHOCK_CURVE_YEARS)  # the 60-year curve held to 100 years
    assert all(name in s.sources for name in s.names if name != "base")
    base = _row(s, "base")
    assert np.all(s.mortality_mult[base] == 1) and np.all(s.mortality_add[base] == 0)
    assert np.all(s.mortality_mult[_row(s, "mortality")] == 1.15)
    cat = s.mortality_add[_row(s, "catastrophe")]
    assert cat[0] == 0.0018 and np.all(cat[1:] == 0)
    assert s.expense_mult[_row(s, "expense")] == pytest.approx(1.10)
    assert np.all(s.lapse_mult[_row(s, "lapse_type1_up")] == 1.3)
    assert np.all(s.lapse_mult[_row(s, "lapse_type1_down")] == pytest.approx(0.7))
    assert np.all(s.lapse_mult[_row(s, "lapse_type2_up")] == 1.4)
    assert np.all(s.lapse_mult[_row(s, "lapse_type2_down")] == pytest.approx(0.6))
    mass = _row(s, "mass_lapse")
    assert s.lapse_mult[mass, 0] == 2.5 and np.all(s.lapse_mult[mass, 1:] == 1)
    assert s.lapse_floor[mass, 0] == 0.25 and np.all(s.lapse_floor[mass, 1:] == 0)
    # insurance shocks keep the base curve; rate scenarios move it
    assert np.array_equal(s.spot_rates[mass], full_curve(BASE))
    assert s.spot_rates[_row(s, "rate_up"), 0] == pytest.approx(BASE[0] * 1.97)
    assert s.spot_rates[_row(s, "rate_down"), 0] == pytest.approx(BASE[0] * 0.29)
    assert s.spot_rates[_row(s, "stress3_rate_down"), 0] == pytest.approx(BASE[0] * (1 - 1.3 * 0.71))


def test_morbidity_medical_and_other_travel_as_product_factors():
    shocked = cross_standard_scenarios(CROSS, BASE)
    s = shocked.scenarios
    # no effect on the mortality-only projection
    for name in ("morbidity", "medical", "other_loss"):
        assert np.all(s.mortality_mult[_row(s, name)] == 1)
    assert np.all(shocked.product_factors["morbidity"]["morbidity_mult"] == 1.2)
    assert np.all(shocked.product_factors["medical"]["medical_loss_ratio_mult"] == 1.2)
    female = cross_morbidity_trend_factors(CROSS, YEARS, "female")
    assert female[0] == pytest.approx(1.03) and female[9] == pytest.approx(1.03**10) and female[20] == female[9]


def test_a_one_rate_curve_keeps_first_year_shocks_in_the_first_year_and_grades_rate_shocks():
    """A basis's flat pricing rate is a one-value curve; the contract holds a row's last value,
    so the builders hold the curve to 100 years before shocking it."""
    s = cross_standard_scenarios(CROSS, np.array([0.025])).scenarios
    assert s.years == SHOCK_CURVE_YEARS
    cat, mass = s.mortality_add[_row(s, "catastrophe")], _row(s, "mass_lapse")
    assert cat[0] == 0.0018 and np.all(cat[1:] == 0)
    assert s.lapse_floor[mass, 0] == 0.25 and np.all(s.lapse_floor[mass, 1:] == 0)
    up = s.spot_rates[_row(s, "rate_up")]
    assert up[0] == pytest.approx(0.025 * 1.97) and up[4] == pytest.approx(0.025 * 1.66)
    assert up[45] == pytest.approx(0.025 * 1.17)
    sii = solvency2_life_scenarios(load_shock_table("solvency2", date(2026, 6, 30)), np.array([0.025])).scenarios
    assert np.all(sii.lapse_floor[_row(sii, "mass_lapse"), 1:] == 0)
    assert sii.spot_rates[_row(sii, "rate_up"), 0] == pytest.approx(0.025 * 1.70)
    assert sii.spot_rates[_row(sii, "rate_up"), 19] == pytest.approx(0.035)  # 2.5%·1.26 < 2.5% + 1 pp


def test_the_capital_shocks_under_each_stress_compose_as_the_contract_applies_them():
    s = cross_standard_under_stress(CROSS, BASE).scenarios
    stresses = ("stress1_new_business_high", "stress1_new_business_low", "stress2_rate_up_50bp", "stress3_rate_down",
                "sensitivity_rate_down_50bp", "cash_flow_test")  # fmt: skip
    assert s.count == 6 * 15 and s.names[0] == "stress1_new_business_high|base"
    assert {n.split("|")[0] for n in s.names} == set(stresses) and "stress3_rate_down|stress3_rate_down" not in s.names
    hi = "stress1_new_business_high|"
    assert np.all(s.mortality_mult[_row(s, hi + "mortality")] == pytest.approx(1.1 * 1.15))
    assert s.mortality_add[_row(s, hi + "catastrophe"), 0] == 0.0018 and np.all(
        s.mortality_add[_row(s, hi + "catastrophe"), 1:] == 0
    )
    assert s.new_business_mult[_row(s, hi + "expense")] == 1.3
    assert s.expense_mult[_row(s, hi + "expense")] == pytest.approx(1.1 * 1.1)
    mass = _row(s, hi + "mass_lapse")
    assert s.lapse_mult[mass, 0] == pytest.approx(1.2 * 2.5) and s.lapse_mult[mass, 1] == pytest.approx(1.2)
    # cash-flow test (lapse ×2, floor 25%) under mass lapse (×2.5, floor 25% in year 1):
    # max(max(l·2, 0.25)·2.5, 0.25) = max(l·5, 0.625) in year 1, max(l·2, 0.25) after.
    cft = _row(s, "cash_flow_test|mass_lapse")
    assert (s.lapse_mult[cft, 0], s.lapse_floor[cft, 0]) == (pytest.approx(5.0), pytest.approx(0.625))
    assert (s.lapse_mult[cft, 1], s.lapse_floor[cft, 1]) == (2.0, 0.25)
    # rate shocks act on the stressed curve: (r + 50 bp)·(1 + 97%) at 1 year
    up = s.spot_rates[_row(s, "stress2_rate_up_50bp|rate_up")]
    assert up[0] == pytest.approx((BASE[0] + 0.005) * 1.97)
    assert np.allclose(s.spot_rates[_row(s, "stress2_rate_up_50bp|mortality")], full_curve(BASE) + 0.005)


# --------------------------------------------------------------------------- stress tests


def test_attachment_4_stress_scenarios_and_the_cash_flow_test():
    reserve = BASE - 0.001
    shocked = cross_stress_tests(CROSS, BASE, reserve_spot=reserve)
    s = shocked.scenarios
    hi, lo = _row(s, "stress1_new_business_high"), _row(s, "stress1_new_business_low")
    assert s.new_business_mult[hi] == 1.3 and s.new_business_mult[lo] == 0.7
    assert np.all(s.mortality_mult[hi] == 1.1) and np.all(s.lapse_mult[hi] == 1.2)
    assert s.expense_mult[hi] == pytest.approx(1.1)
    assert np.all(shocked.product_factors["stress1_new_business_low"]["morbidity_mult"] == 1.15)
    assert np.allclose(s.spot_rates[_row(s, "stress2_rate_up_50bp")], full_curve(BASE) + 0.005)
    assert np.allclose(s.spot_rates[_row(s, "sensitivity_rate_down_50bp")], full_curve(reserve) - 0.005)
    cft = _row(s, "cash_flow_test")
    assert s.new_business_mult[cft] == pytest.approx(0.2)
    assert np.all(s.lapse_mult[cft] == 2) and np.all(s.lapse_floor[cft] == 0.25)
    assets = shocked.asset_shocks
    assert assets["stress2_rate_up_50bp"].equity_change == -0.2
    assert assets["stress2_rate_up_50bp"].fixed_income_default_loss == 0.1
    assert assets["sensitivity_rate_down_50bp"].equity_change == -0.3
    assert assets["cash_flow_test"].maturing_fixed_income_loss == 0.1


# --------------------------------------------------------------------------- Solvency II


def test_solvency2_life_scenarios():
    table = load_shock_table("solvency2", date(2026, 6, 30))
    shocked = solvency2_life_scenarios(table, BASE)
    s = shocked.scenarios
    assert np.all(s.mortality_mult[_row(s, "longevity")] == pytest.approx(0.8))
    exp = _row(s, "expense")
    assert s.expense_mult[exp] == pytest.approx(1.1) and s.inflation_add[exp] == 0.01
    assert s.mortality_add[_row(s, "catastrophe"), 0] == 0.0015
    assert s.lapse_floor[_row(s, "mass_lapse"), 0] == 0.4
    assert shocked.product_factors["disability"]["disability_mult"][:2] == pytest.approx([1.35, 1.25])
    with pytest.raises(ValueError, match="needs a solvency2 shock table"):
        solvency2_life_scenarios(CROSS, BASE)


# --------------------------------------------------------------------------- user-defined


def test_user_scenarios_from_yaml():
    text = """
scenarios:
  - name: pandemic
    source: board risk appetite 2026
    mortality_add: [0.002, 0.001]
    lapse_mult: 1.1
    spot_shift: -0.01
    equity_change: -0.25
"""
    shocked = user_scenarios(text, BASE)
    s = shocked.scenarios
    assert s.names == ("base", "pandemic")
    assert s.mortality_add[1, :3] == pytest.approx([0.002, 0.001, 0.001])  # last value holds
    assert np.allclose(s.spot_rates[1], BASE - 0.01)
    assert shocked.asset_shocks["pandemic"].equity_change == -0.25
    assert s.sources["pandemic"] == "board risk appetite 2026"


@pytest.mark.parametrize(
    ("scenario", "field"),
    [
        ({"name": "x", "source": "s", "lapse_floor": 1.5}, "'lapse_floor'"),
        ({"name": "x", "source": "s", "mortality_multiplier": 1.1}, "'mortality_multiplier'"),
        ({"name": "x", "mortality_mult": 1.1}, "'source'"),
        ({"source": "s"}, "'name'"),
        ({"name": "x", "source": "s", "expense_mult": [1.1, 1.2]}, "'expense_mult'"),
        ({"name": "x", "source": "s", "mortality_mult": "high"}, "'mortality_mult'"),
        ({"name": "x", "source": "s", "spot_shift": 0.01, "spot_mult": 0.1}, "'spot_mult'"),
        ({"name": "base", "source": "s"}, "'name'"),
    ],
)
def test_bad_user_scenarios_are_refused_naming_the_field(scenario, field):
    with pytest.raises(ValueError, match=field):
        user_scenarios(scenario, BASE)

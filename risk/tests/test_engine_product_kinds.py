"""Product kinds beyond level-premium term (endowment, whole life, annuities, limited pay,
single premium) against commutation functions, and their properties.

Timing of the checks (docs/actuarial.md, "Product kinds valued"): the engine works by month,
discounts a month's flows at the month's start and pays claims in the month of death; so
death benefits are checked against the *monthly* columns as S (1 + j) A with j the monthly
rate, premiums and monthly annuities against the monthly ä, maturities against the monthly
pure endowment, and yearly annuity payments against the *annual* columns (survival to each
policy anniversary is the same product of (1 - q) either way).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from risk.engine.bases import load_basis
from risk.engine.commutation import annual_commutation, monthly_commutation
from risk.engine.modelpoints import ModelPointError, model_points_from_frame
from risk.engine.projection import _reference_kernel, prepare, price_premiums, project
from risk.engine.projection_kernel import numba_kernel
from risk.engine.scenario_set import ScenarioSet
from risk.engine.tables import load_table

CROSS = load_basis("cross_default")
PURE_MORTALITY = dataclasses.replace(
    CROSS,
    name="pure_mortality",
    lapse_by_policy_year=[0.0],
    acquisition_expense=0.0,
    maintenance_expense=0.0,
    inflation_rate=0.0,
    commission_by_policy_year=[0.0],
    premium_loading=0.0,
    premium_rounding=10,
    pricing_spot_curve=[0.03],
)
RATE = 0.03
CL1 = load_table("CL1")
LAST_AGE = CL1.max_age  # 105


def flat(rate: float = RATE, years: int = 110) -> ScenarioSet:
    return ScenarioSet.base(np.full(years, rate))


def points(**columns):
    base = {
        "point_id": [1],
        "age_at_entry": [40],
        "sex": ["M"],
        "policy_term": [10],
        "policy_count": [1.0],
        "sum_assured": [100_000.0],
        "duration_mth": [0],
    }
    base.update(columns)
    return model_points_from_frame(pd.DataFrame(base))


def pv(result, name: str) -> float:
    return float(result.pv[name][0, 0])


def test_endowment_assurance_equals_commutation_value():
    """Death or maturity, 100,000, age 40, 10 years: BEL = S ((1 + j) A^1 + nE) - P ä (monthly)."""
    premium = 700.0
    result = project(points(maturity_benefit=[100_000.0], premium_pp=[premium]), PURE_MORTALITY, flat())
    cols = monthly_commutation(CL1, RATE, 40)
    j = cols.period_rate
    death = 100_000 * (1 + j) * cols.term_assurance(0, 120)
    maturity = 100_000 * cols.pure_endowment(0, 120)
    assert pv(result, "pv_claims") == pytest.approx(death, rel=1e-9)
    assert pv(result, "pv_maturities") == pytest.approx(maturity, rel=1e-9)
    assert pv(result, "pv_premiums") == pytest.approx(premium * cols.annuity_due(0, 120), rel=1e-9)
    assert result.bel[0, 0] == pytest.approx(death + maturity - premium * cols.annuity_due(0, 120), rel=1e-9)
    # Priced with no loading: the net premium of the endowment assurance.
    priced = project(points(maturity_benefit=[100_000.0]), PURE_MORTALITY, flat())
    assert priced.premium_pp[0] == pytest.approx((death + maturity) / cols.annuity_due(0, 120), rel=1e-9)
    assert priced.bel[0, 0] == pytest.approx(0.0, abs=1e-6)


def test_whole_life_limited_pay_equals_commutation_value():
    """Whole life to the table's last age (CL1: q = 1 at 105), premiums for 10 years only:
    net monthly premium = S (1 + j) A_x / ä_{x:120 months}."""
    term = LAST_AGE + 1 - 40
    limited = points(policy_term=[term], premium_term=[10], maturity_benefit=[100_000.0])
    priced = project(limited, PURE_MORTALITY, flat())
    cols = monthly_commutation(CL1, RATE, 40)
    j = cols.period_rate
    whole_life = 100_000 * (1 + j) * cols.whole_life_assurance(0)
    assert pv(priced, "pv_claims") + pv(priced, "pv_maturities") == pytest.approx(whole_life, rel=1e-9)
    assert pv(priced, "pv_maturities") == 0.0  # nobody survives q = 1 at the last age
    assert priced.premium_pp[0] == pytest.approx(whole_life / cols.annuity_due(0, 120), rel=1e-9)
    cf = priced.cashflow_frame()
    assert (cf["premiums"].iloc[120:] == 0).all() and cf["premiums"].iloc[119] > 0


def test_single_premium_is_paid_once_at_issue():
    """premium_term = 0: priced as the net single premium, paid in month 0 only."""
    single = points(policy_term=[20], premium_term=[0], maturity_benefit=[50_000.0], sum_assured=[50_000.0])
    result = project(single, PURE_MORTALITY, flat())
    cols = monthly_commutation(CL1, RATE, 40)
    nsp = 50_000 * ((1 + cols.period_rate) * cols.term_assurance(0, 240) + cols.pure_endowment(0, 240))
    assert result.premium_pp[0] == pytest.approx(nsp, rel=1e-9)
    assert pv(result, "pv_premiums") == result.premium_pp[0]
    cf = result.cashflow_frame()
    assert cf["premiums"].iloc[0] == result.premium_pp[0] and (cf["premiums"].iloc[1:] == 0).all()
    # In force a year later: nothing more to pay, the whole benefit ahead is the liability.
    in_force = project(dataclasses.replace(single, duration_mth=np.array([12])), PURE_MORTALITY, flat())
    assert pv(in_force, "pv_premiums") == 0.0
    later = monthly_commutation(CL1, RATE, 40)
    expected = 50_000 * ((1 + later.period_rate) * later.term_assurance(12, 228) + later.pure_endowment(12, 228))
    assert in_force.bel[0, 0] == pytest.approx(expected, rel=1e-9)


def annuity(age=65, start=0, frequency=12, amount=12_000.0, sex="F", **extra):
    term = LAST_AGE + 1 - age
    columns = {
        "age_at_entry": [age], "sex": [sex], "policy_term": [term], "sum_assured": [0.0], "premium_term": [0],
        "premium_pp": [0.0], "annuity_pp": [amount], "annuity_start": [start], "annuity_frequency": [frequency],
    }  # fmt: skip
    columns.update(extra)
    return points(**columns)


def test_monthly_life_annuity_due_equals_monthly_columns():
    """12,000 a year paid monthly in advance for life from 65: 1,000 x ä^(12) in months."""
    result = project(annuity(), PURE_MORTALITY, flat())
    cols = monthly_commutation(load_table("CL2"), RATE, 65)
    assert pv(result, "pv_annuities") == pytest.approx(1_000 * cols.annuity_due(0), rel=1e-9)
    assert result.bel[0, 0] == pytest.approx(1_000 * cols.annuity_due(0), rel=1e-9)


@pytest.mark.parametrize(("start", "expected"), [(0, "due"), (1, "immediate"), (20, "deferred")])
def test_yearly_annuities_equal_annual_columns(start, expected):
    """Yearly payments of 10,000 from age 45: ä_x = N_x/D_x, a_x = N_{x+1}/D_x, 20-year deferred
    _20|ä_x = N_{x+20}/D_x (annual columns)."""
    result = project(annuity(age=45, start=start, frequency=1, amount=10_000.0), PURE_MORTALITY, flat())
    cols = annual_commutation(load_table("CL2"), RATE, 45)
    value = {
        "due": cols.annuity_due(0),
        "immediate": cols.annuity_due(0) - 1.0,
        "deferred": cols.annuity_due(20),
    }[expected]
    value = value if expected != "deferred" else cols.N[20] / cols.D[0]
    assert pv(result, "pv_annuities") == pytest.approx(10_000 * value, rel=1e-9)


def test_deferred_annuity_bought_by_limited_premiums():
    """Premiums for 10 years buy 10,000 a year from year 20: net monthly premium =
    10,000 N_{x+20} / D_x / ä^(12)_{x:120 months}; no lapse after premiums stop."""
    point = annuity(age=45, start=20, frequency=1, amount=10_000.0, premium_term=[10], premium_pp=[""])
    priced = project(point, PURE_MORTALITY, flat())
    annual = annual_commutation(load_table("CL2"), RATE, 45)
    monthly = monthly_commutation(load_table("CL2"), RATE, 45)
    assert priced.premium_pp[0] == pytest.approx(
        10_000 * annual.N[20] / annual.D[0] / monthly.annuity_due(0, 120), rel=1e-9
    )
    lapsing = dataclasses.replace(PURE_MORTALITY, lapse_by_policy_year=[0.05])
    with_lapse = project(annuity(age=45, start=20, frequency=1, amount=10_000.0), lapsing, flat())
    paid_up = project(annuity(age=45, start=20, frequency=1, amount=10_000.0), PURE_MORTALITY, flat())
    assert with_lapse.bel[0, 0] == paid_up.bel[0, 0]  # single premium: nothing to stop paying


def test_annuity_bel_rises_when_mortality_falls():
    point = annuity(age=60)
    base = ScenarioSet.base(np.full(110, RATE))
    longevity = dataclasses.replace(
        ScenarioSet.base(np.full(110, RATE), name="longevity"), mortality_mult=base.mortality_mult * 0.8
    )
    shocks = ScenarioSet.stack([base, longevity])
    result = project(point, CROSS, shocks)
    assert result.bel[1, 0] > result.bel[0, 0] * 1.02


@pytest.mark.parametrize("rate", [0.01, 0.03, 0.05])
def test_endowment_bel_falls_with_higher_rates(rate):
    point = points(policy_term=[20], maturity_benefit=[100_000.0], premium_pp=[350.0], duration_mth=[60])
    low, high = project(point, CROSS, flat(rate)), project(point, CROSS, flat(rate + 0.01))
    assert high.bel[0, 0] < low.bel[0, 0]


def mixed_book() -> pd.DataFrame:
    return pd.DataFrame({
        "point_id": [1, 2, 3, 4, 5, 6],
        "age_at_entry": [30, 40, 65, 45, 50, 35],
        "sex": ["M", "F", "F", "M", "M", "F"],
        "policy_term": [20, 66, 41, 61, 15, 30],
        "policy_count": [10.0, 3.0, 2.0, 5.0, 7.0, 4.0],
        "sum_assured": [200_000.0, 300_000.0, 0.0, 0.0, 80_000.0, 500_000.0],
        "duration_mth": [30, 7, 26, 0, -5, 100],
        "premium_pp": [60.0, 900.0, 0.0, 400.0, 30_000.0, 120.0],
        "premium_term": [20, 10, 0, 10, 0, 30],
        "maturity_benefit": [0.0, 300_000.0, 0.0, 0.0, 80_000.0, 0.0],
        "annuity_pp": [0.0, 0.0, 24_000.0, 10_000.0, 0.0, 0.0],
        "annuity_start": [0, 0, 0, 20, 0, 0],
        "annuity_frequency": [12, 12, 12, 1, 12, 12],
    })  # fmt: skip


def test_numba_kernel_equals_numpy_reference_on_every_kind():
    book = model_points_from_frame(mixed_book())
    run = prepare(book, CROSS, flat(0.025), price_premiums(book, CROSS))
    fast_pv, fast_cf = numba_kernel(run, with_cashflows=True)
    ref_pv, ref_cf = _reference_kernel(run, with_cashflows=True)
    np.testing.assert_allclose(fast_pv, ref_pv, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fast_cf, ref_cf, rtol=1e-12, atol=1e-9)


def test_cash_flows_discount_to_the_present_values():
    result = project(model_points_from_frame(mixed_book()), CROSS, flat(0.025))
    cf = result.cashflow_frame()
    v = 1.025 ** (-np.arange(len(cf)) / 12)
    for flow, value in [("premiums", "pv_premiums"), ("claims", "pv_claims"), ("maturities", "pv_maturities"),
                        ("annuities", "pv_annuities"), ("net_cf", "pv_net_cf")]:  # fmt: skip
        assert (cf[flow] * v).sum() == pytest.approx(result.pv[value][0].sum(), rel=1e-9)


def test_term_points_with_the_new_columns_at_their_defaults_are_unchanged():
    frame = mixed_book().iloc[[0, 5]].drop(columns=["premium_term", "maturity_benefit", "annuity_pp"])
    plain = project(model_points_from_frame(frame.drop(columns=["annuity_start", "annuity_frequency"])), CROSS)
    explicit = project(model_points_from_frame(mixed_book().iloc[[0, 5]]), CROSS)
    for name in plain.pv:
        np.testing.assert_array_equal(plain.pv[name], explicit.pv[name])


def test_bad_benefit_columns_are_refused_naming_point_and_field():
    frame = mixed_book()
    frame.loc[0, "premium_term"] = 25  # longer than the 20-year term
    frame.loc[3, "annuity_frequency"] = 4
    frame.loc[2, "annuity_start"] = 41  # at the term's end: no payment would ever be made
    frame.loc[1, "maturity_benefit"] = -5
    with pytest.raises(ModelPointError) as refused:
        model_points_from_frame(frame)
    problems = {(p, f) for p, f, _r in refused.value.problems}
    assert problems == {(1, "premium_term"), (4, "annuity_frequency"), (3, "annuity_start"), (2, "maturity_benefit")}


def test_stochastic_matrix_product_equals_the_path_by_path_kernel_on_every_kind():
    """stochastic.py's "linear" method multiplies unit flows by path discount factors; with
    premium ends, maturities and annuities it must still equal the kernel on every path."""
    from risk.engine.esg import HullWhite
    from risk.engine.stochastic import stochastic_valuation

    book = model_points_from_frame(mixed_book())
    kernel = stochastic_valuation(book, CROSS, HullWhite(0.1, 0.01), 20, seed=3, method="kernel")
    linear = stochastic_valuation(book, CROSS, HullWhite(0.1, 0.01), 20, seed=3, method="linear")
    for name in kernel.scenario_pv:
        np.testing.assert_allclose(linear.scenario_pv[name], kernel.scenario_pv[name], rtol=1e-11, err_msg=name)
    np.testing.assert_allclose(linear.point_mean_bel, kernel.point_mean_bel, rtol=1e-10, atol=1e-6)
    assert np.all(kernel.scenario_pv["pv_annuities"] > 0) and np.all(kernel.scenario_pv["pv_maturities"] > 0)


# --------------------------------------------------------------------------- annuitant tables, critical illness

WITH_DECREMENTS = dataclasses.replace(
    PURE_MORTALITY, annuity_mortality={"M": "CL5", "F": "CL6"}, critical_illness_incidence=2.5
)


def test_annuitants_are_valued_on_the_basis_annuity_tables():
    """decrement = annuitant: the monthly annuity-due on CL6 (female annuitants), not CL2; CL6's
    lighter mortality makes the annuity worth more."""
    point = annuity(decrement=["annuitant"])
    on_cl6 = project(point, WITH_DECREMENTS, flat())
    cols = monthly_commutation(load_table("CL6"), RATE, 65)
    assert pv(on_cl6, "pv_annuities") == pytest.approx(1_000 * cols.annuity_due(0), rel=1e-9)
    assert pv(on_cl6, "pv_annuities") > pv(project(annuity(), WITH_DECREMENTS, flat()), "pv_annuities")


def test_critical_illness_claims_follow_q_times_the_incidence():
    """decrement = critical_illness: S (1 + j) A^1 on a table whose q is 2.5 x CL1's (capped at 1)."""
    from risk.engine.tables import MortalityTable

    point = points(policy_term=[20], premium_pp=[200.0], decrement=["critical_illness"])
    result = project(point, WITH_DECREMENTS, flat())
    scaled = MortalityTable("CL1x2.5", CL1.min_age, np.minimum(CL1.qx * 2.5, 1.0))
    cols = monthly_commutation(scaled, RATE, 40)
    claims = 100_000 * (1 + cols.period_rate) * cols.term_assurance(0, 240)
    assert pv(result, "pv_claims") == pytest.approx(claims, rel=1e-9)
    assert pv(result, "pv_premiums") == pytest.approx(200 * cols.annuity_due(0, 240), rel=1e-9)
    death_only = project(points(policy_term=[20], premium_pp=[200.0]), WITH_DECREMENTS, flat())
    assert pv(result, "pv_claims") > 2 * pv(death_only, "pv_claims")


def test_a_decrement_the_basis_cannot_give_is_refused_naming_the_basis_field():
    frame = pd.DataFrame({
        "point_id": [1, 2, 3], "age_at_entry": [65, 40, 40], "sex": ["F", "M", "M"], "policy_term": [41, 20, 20],
        "policy_count": [1, 1, 1], "sum_assured": [0, 100_000, 100_000], "duration_mth": [0, 0, 0],
        "decrement": ["annuitant", "critical_illness", "disability"],
    })  # fmt: skip
    with pytest.raises(ModelPointError) as bad_value:
        model_points_from_frame(frame)
    assert [(p, f) for p, f, _r in bad_value.value.problems] == [(3, "decrement")]
    with pytest.raises(ModelPointError) as refused:
        project(model_points_from_frame(frame.iloc[:2]), PURE_MORTALITY, flat())
    reasons = {p: r for p, _f, r in refused.value.problems}
    assert "annuity_mortality" in reasons[1] and "critical_illness_incidence" in reasons[2]


def test_the_basis_fields_are_optional_validated_and_leave_existing_bases_unchanged():
    from risk.engine.basis_schema import (
        BasisParametersError,
        basis_from_parameters,
        diff_parameters,
        normalised,
        shipped_parameters,
    )

    shipped = shipped_parameters("cross_default")
    assert "annuity_mortality" not in shipped and "critical_illness_incidence" not in shipped  # same JSON, same hash
    added = {**shipped, "annuity_mortality": {"F": "CL6", "M": "CL5"}, "critical_illness_incidence": 2}
    basis = basis_from_parameters("with_kinds", added)
    assert basis.annuity_mortality == {"F": "CL6", "M": "CL5"} and basis.critical_illness_incidence == 2.0
    assert basis.table_names() == ["CL1", "CL2", "CL5", "CL6"]
    assert normalised(added)["critical_illness_incidence"] == 2.0
    assert {c.field for c in diff_parameters(shipped, added)} >= {"annuity_mortality.F", "critical_illness_incidence"}
    with pytest.raises(BasisParametersError) as refused:
        normalised({**shipped, "annuity_mortality": {"F": "CL9"}, "critical_illness_incidence": 0})
    assert {p.field for p in refused.value.problems} == {"annuity_mortality.F", "critical_illness_incidence"}

"""The projection against hand calculations, commutation functions and properties
(risk/engine/projection.py, modelpoints.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.engine.bases import load_basis
from risk.engine.commutation import monthly_commutation
from risk.engine.modelpoints import ModelPointError, model_points_from_frame, read_model_points_csv
from risk.engine.projection import project
from risk.engine.scenario_set import ScenarioSet
from risk.engine.tables import UnknownTable, load_table

CROSS = load_basis("cross_default")
# Only mortality: what commutation functions price.
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


def book(**columns) -> pd.DataFrame:
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
    return pd.DataFrame(base)


def points(**columns):
    return model_points_from_frame(book(**columns))


def flat(rate: float, years: int = 60) -> ScenarioSet:
    return ScenarioSet.base(np.full(years, rate))


def test_level_term_policy_equals_commutation_value():
    """No lapse, no expenses, flat 3%: PV premiums = P * ä, PV claims = S (1 + j) A^1 (monthly
    columns; the projection discounts a month's claims at its start, as lifelib does)."""
    premium = 25.0
    result = project(points(premium_pp=[premium]), PURE_MORTALITY, flat(0.03))
    cols = monthly_commutation(load_table("CL1"), 0.03, 40)
    j = cols.period_rate
    assert result.pv["pv_premiums"][0, 0] == pytest.approx(premium * cols.annuity_due(0, 120), rel=1e-12)
    assert result.pv["pv_claims"][0, 0] == pytest.approx(100_000 * (1 + j) * cols.term_assurance(0, 120), rel=1e-12)
    # Priced by the engine with no loading: the net premium of the commutation functions.
    priced = project(points(), PURE_MORTALITY, flat(0.03))
    net = 100_000 * (1 + j) * cols.term_assurance(0, 120) / cols.annuity_due(0, 120)
    assert priced.premium_pp[0] == pytest.approx(net, rel=1e-10)
    assert priced.pv["pv_net_cf"][0, 0] == pytest.approx(0.0, abs=1e-6)


def test_cash_flows_by_hand_for_the_first_month():
    basis = load_basis("basiclife")
    result = project(points(age_at_entry=[47], premium_pp=[94.84], sum_assured=[622_000.0]), basis)
    cf = result.cashflow_frame()
    q = 1 - (1 - load_table("basiclife").annual_q(47, 0)) ** (1 / 12)
    lapse = 1 - 0.9 ** (1 / 12)
    assert cf.loc[0, "pols_new_biz"] == 1.0 and cf.loc[0, "pols_if"] == 1.0
    assert cf.loc[0, "pols_death"] == pytest.approx(q, rel=1e-14)
    assert cf.loc[0, "pols_lapse"] == pytest.approx((1 - q) * lapse, rel=1e-14)
    assert cf.loc[0, "expenses"] == pytest.approx(300 + 60 / 12, rel=1e-14)
    assert cf.loc[0, "commissions"] == pytest.approx(94.84, rel=1e-14)  # 100% of the first year's premium
    assert cf.loc[12, "commissions"] == 0.0
    assert cf.loc[1, "pols_if"] == pytest.approx(1 - q - (1 - q) * lapse, rel=1e-14)
    # Everyone left at the end of the term matures in month 120, then nothing.
    survivors = cf.loc[119, "pols_if"] - cf.loc[119, "pols_death"] - cf.loc[119, "pols_lapse"]
    assert cf.loc[120, "pols_maturity"] == pytest.approx(survivors, rel=1e-14)
    assert cf.loc[120, "pols_if"] == 0.0
    assert result.bel[0, 0] == -result.pv["pv_net_cf"][0, 0]


def test_in_force_and_future_points_follow_lifelib_duration_semantics():
    """duration_mth > 0: in force at t=0, d months into the policy; <= 0: written in month -d."""
    basis = dataclasses.replace(CROSS, inflation_rate=0.0)
    new = project(points(premium_pp=[30.0]), basis, flat(0.03))
    in_force = project(points(premium_pp=[30.0], duration_mth=[12]), basis, flat(0.03))
    future = project(points(premium_pp=[30.0], duration_mth=[-6]), basis, flat(0.03))
    new_cf, if_cf, fut_cf = new.cashflow_frame(), in_force.cashflow_frame(), future.cashflow_frame()
    # In force 12 months: the same policy-year rates as months 12.. of a new policy, per policy.
    scale = 1.0 / new_cf.loc[12, "pols_if"]
    np.testing.assert_allclose(if_cf["pols_death"].to_numpy()[:108], new_cf["pols_death"].to_numpy()[12:120] * scale)
    assert if_cf.loc[0, "pols_new_biz"] == 0.0 and if_cf["commissions"].iloc[:12].sum() > 0  # year 2: 10%
    assert if_cf.loc[108, "pols_maturity"] > 0 and len(if_cf) == 109
    # Future business: nothing before month 6, then the new policy shifted by six months.
    assert fut_cf["pols_if"].iloc[:6].sum() == 0.0 and fut_cf.loc[6, "pols_new_biz"] == 1.0
    np.testing.assert_allclose(fut_cf["pols_death"].to_numpy()[6:126], new_cf["pols_death"].to_numpy()[:120])
    assert in_force.policies_at_valuation[0] == 1.0 and future.policies_at_valuation[0] == 0.0
    assert np.isnan(future.reserve_per_policy()[0])


def test_scenario_transforms_are_applied_as_the_contract_says():
    frame = book(point_id=[1, 2, 3], age_at_entry=[40, 40, 40], sex=["M", "M", "M"], policy_term=[10, 10, 10],
                 policy_count=[5.0, 5.0, 5.0], sum_assured=[1e5, 1e5, 1e5], duration_mth=[24, 0, -3])  # fmt: skip
    base = flat(0.03, 20)
    shocked = ScenarioSet(
        names=("cat",),
        spot_rates=base.spot_rates,
        mortality_mult=np.ones((1, 20)),
        mortality_add=np.r_[0.0018, np.zeros(19)].reshape(1, -1),
        lapse_mult=np.full((1, 20), 1.5),
        lapse_floor=np.zeros((1, 20)),
        expense_mult=np.array([1.1]),
        inflation_add=np.array([0.01]),
        new_business_mult=np.array([2.0]),
    )
    result = project(model_points_from_frame(frame), CROSS, ScenarioSet.stack([base, shocked]))
    base_cf, cat_cf = result.cashflow_frame(0), result.cashflow_frame(1)
    # New business written at the valuation date is not "future": only point 3 doubles.
    assert base_cf.loc[0, "pols_new_biz"] == 5.0 and cat_cf.loc[0, "pols_new_biz"] == 5.0
    assert base_cf.loc[3, "pols_new_biz"] == 5.0 and cat_cf.loc[3, "pols_new_biz"] == 10.0
    # Catastrophe: +0.0018 on the annual rate in projection year 0 only, for in-force point 1.
    point1 = project(model_points_from_frame(frame.iloc[[0]]), CROSS, ScenarioSet.stack([base, shocked]))
    q40_year2 = load_table("CL1").annual_q(42)
    expected = 1 - (1 - (q40_year2 + 0.0018)) ** (1 / 12)
    assert point1.cashflows["pols_death"][1, 0] == pytest.approx(5.0 * expected, rel=1e-13)
    assert point1.cashflows["pols_death"][1, 12] / point1.cashflows["pols_if"][1, 12] == pytest.approx(
        1 - (1 - load_table("CL1").annual_q(43)) ** (1 / 12), rel=1e-13
    )
    # Maintenance: 80 a year * 1.1, inflation 2% + 1%, from the valuation date.
    maint = point1.cashflows["expenses"][1, 13] / point1.cashflows["pols_if"][1, 13]
    assert maint == pytest.approx(80 * 1.1 / 12 * 1.03 ** (13 / 12), rel=1e-13)
    assert result.totals().index.tolist() == ["base", "cat"]


def test_bad_input_is_refused_whole_naming_point_and_field():
    frame = book(
        point_id=[1, 2, 3, 4, 5, 6, 7],
        age_at_entry=[40, -3, 40, 40, 90, 40, 40],
        sex=["M", "M", "M", "M", "M", "X", "F"],
        policy_term=[10, 10, 0, 10, 30, 10, 10],
        policy_count=[1.0, 1.0, 1.0, -2.0, 1.0, 1.0, 1.0],
        sum_assured=[1e5, 1e5, 1e5, 1e5, 1e5, 1e5, -1.0],
        duration_mth=[0, 0, 0, 0, 0, 0, 0],
    )
    with pytest.raises(ModelPointError) as refused:
        model_points_from_frame(frame)
    problems = {(p, f) for p, f, _ in refused.value.problems}
    assert {(2, "age_at_entry"), (3, "policy_term"), (4, "policy_count"), (6, "sex"), (7, "sum_assured")} <= problems
    assert "point 2: age_at_entry = -3 is impossible" in str(refused.value)
    # Beyond the table is a check against the basis: CL1 ends at 105, 90 + 30 does not fit.
    good = frame.iloc[[0, 4]]
    with pytest.raises(ModelPointError, match=r"point 5: policy_term = 30: age 90 \+ term runs past table CL1"):
        project(model_points_from_frame(good), CROSS)
    with pytest.raises(ModelPointError, match="point 1: duration_mth = 121 is past the term"):
        points(duration_mth=[121])
    maturing_now = project(points(duration_mth=[120], premium_pp=[10.0]), CROSS)
    assert maturing_now.cashflows["pols_maturity"][0, 0] == 1.0 and maturing_now.pv["pv_net_cf"][0, 0] == 0.0
    with pytest.raises(ModelPointError, match="point_id is used twice"):
        points(point_id=[1, 1], **{k: v * 2 for k, v in book().drop(columns="point_id").to_dict("list").items()})
    with pytest.raises(ModelPointError, match="age_at_entry = '4x' is not a whole number"):
        model_points_from_frame(book(age_at_entry=["4x"]))
    with pytest.raises(ModelPointError, match="sum_assured column is missing"):
        model_points_from_frame(book().drop(columns="sum_assured"))
    with pytest.raises(ModelPointError, match="below table basiclife's first age"):
        project(points(age_at_entry=[10]), load_basis("basiclife"))


def test_model_points_csv_round_trip_and_blank_premium(tmp_path):
    path = tmp_path / "model_points.csv"
    path.write_text(
        "point_id,age_at_entry,sex,policy_term,policy_count,sum_assured,duration_mth,premium_pp\n"
        "1,40,M,10,3,100000,5,\n"
        "2,35,F,20,2,50000,-2,12.5\n",
        encoding="utf-8",
    )
    mp = read_model_points_csv(path)
    assert np.isnan(mp.premium_pp[0]) and mp.premium_pp[1] == 12.5
    result = project(mp, CROSS)
    assert result.premium_pp[1] == 12.5 and result.premium_pp[0] > 0  # priced where blank
    path.write_text(path.read_text().replace("1,40,M,10,3,", "1,40,M,10,abc,"), encoding="utf-8")
    with pytest.raises(ModelPointError, match="point 1: policy_count = 'abc' is not a number"):
        read_model_points_csv(path)


def test_missing_table_refused_before_projection():
    # The basis is refused when built, so no projection can start on a table that is not there.
    with pytest.raises(UnknownTable, match="CL7"):
        dataclasses.replace(CROSS, mortality={"M": "CL7", "F": "CL2"})


def test_unknown_engine_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        project(points(), CROSS, engine="fortran")


in_force_book = st.lists(
    st.tuples(
        st.integers(20, 60),  # age at entry
        st.sampled_from(["M", "F"]),
        st.integers(5, 30),  # term
        st.floats(0.05, 0.95),  # fraction of the term already run
        st.integers(1, 20),  # policies
        st.integers(1, 100),  # sum assured in 10,000s
    ),
    min_size=1,
    max_size=20,
)


def frame_of(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "point_id": range(1, len(rows) + 1),
            "age_at_entry": [r[0] for r in rows],
            "sex": [r[1] for r in rows],
            "policy_term": [r[2] for r in rows],
            "policy_count": [float(r[4]) for r in rows],
            "sum_assured": [r[5] * 10_000.0 for r in rows],
            "duration_mth": [max(1, int(r[3] * 12 * r[2])) for r in rows],
        }
    )


NET_BASIS = dataclasses.replace(PURE_MORTALITY, lapse_by_policy_year=[0.05], premium_rounding=2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(in_force_book, st.floats(1.05, 2.0))
def test_term_reserves_rise_with_mortality(rows, factor):
    mp = model_points_from_frame(frame_of(rows))
    years = 30
    heavier = dataclasses.replace(flat(0.03, years), names=("heavier",), mortality_mult=np.full((1, years), factor))
    result = project(mp, CROSS, ScenarioSet.stack([flat(0.03, years), heavier]))
    assert np.all(result.bel[1] > result.bel[0])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(in_force_book, st.floats(0.0, 0.05), st.floats(0.002, 0.03))
def test_net_premium_term_reserves_fall_with_higher_rates(rows, rate, rise):
    """Net premiums priced at 3%: the reserve of an in-force term policy is the value of claims
    expected later than the premiums that pay for them, so discounting harder lowers it."""
    mp = model_points_from_frame(frame_of(rows))
    result = project(
        mp, NET_BASIS, ScenarioSet.stack([flat(rate, 30), dataclasses.replace(flat(rate + rise, 30), names=("up",))])
    )
    assert result.totals()["bel"].iloc[1] < result.totals()["bel"].iloc[0]

"""Mortality tables, curves, commutation functions and bases against published figures and hand
calculations (risk/engine/tables.py, curves.py, commutation.py, assumptions.py, bases/)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from risk.engine import tables
from risk.engine.assumptions import Basis
from risk.engine.bases import basis_file, basis_names, load_basis
from risk.engine.commutation import annual_commutation, monthly_commutation
from risk.engine.curves import (
    checked_spot_curve,
    discount_factors_by_scenario,
    monthly_discount_factors,
    monthly_forward_rates,
)

SOURCE_MD = tables.CHINA_CL_CSV.parent / "SOURCE.md"


def published_life_expectancies() -> dict[str, float]:
    """The 'life expectancy at birth' figures exactly as SOURCE.md states them."""
    text = SOURCE_MD.read_text(encoding="utf-8")
    line = text[text.index("life expectancy at birth") :].split("\n\n")[0]
    found = dict(re.findall(r"(CL\d) (\d+\.\d)", line))
    assert len(found) == 6, f"SOURCE.md should state six life expectancies, found {found}"
    return {name: float(value) for name, value in found.items()}


@pytest.mark.parametrize("name", [f"CL{i}" for i in range(1, 7)])
def test_cl_life_expectancy_matches_source_md(name):
    table = tables.load_table(name)
    stated = published_life_expectancies()[name]
    # SOURCE.md gives curtate-plus-half to one decimal.
    assert tables.life_expectancy(table, 0, complete=True) == pytest.approx(stated, abs=0.05)
    assert tables.life_expectancy(table, 0) == pytest.approx(stated - 0.5, abs=0.05)


def test_cl1_spot_values_from_source_md():
    cl1 = tables.load_table("CL1")
    assert cl1.annual_q(40) == 0.001651
    assert cl1.annual_q(60) == 0.009161
    assert (cl1.min_age, cl1.max_age, cl1.annual_q(105)) == (0, 105, 1.0)


def test_monthly_rate_keeps_the_annual_survival():
    q = np.array([0.0, 0.001651, 0.3, 1.0])
    monthly = tables.monthly_rate(q)
    np.testing.assert_allclose((1 - monthly) ** 12, 1 - q, rtol=0, atol=1e-15)
    assert monthly[3] == 1.0


def test_survival_is_the_product_of_one_year_survivals():
    path = np.array([0.1, 0.2, 0.5])
    np.testing.assert_allclose(tables.survival(path), [1.0, 0.9, 0.72, 0.36])


def test_select_then_ultimate_lookup_on_the_basiclife_table():
    table = tables.load_table("basiclife")
    raw = np.genfromtxt(basis_file("basiclife", "mortality.csv"), delimiter=",", names=True)
    row = raw[raw["age"] == 47][0]
    assert table.select_years == 5
    assert table.annual_q(47, 0) == row["select_0"]
    assert table.annual_q(47, 2) == row["select_2"]
    assert table.annual_q(47, 5) == row["ultimate"]
    assert table.annual_q(47, 30) == row["ultimate"]  # beyond the select period: ultimate
    assert table.annual_q(47) == row["ultimate"]
    # A life entering at 40 is at 42 in its third year, on the select_2 column.
    assert table.select_path(40)[2] == table.annual_q(42, 2)


def test_unknown_table_is_refused_by_name():
    with pytest.raises(tables.UnknownTable, match="CL9"):
        tables.load_table("CL9")
    with pytest.raises(tables.UnknownTable, match="does not exist"):
        tables.table_from_csv("/nonexistent/table.csv", "mine")


def test_table_given_as_an_array_and_its_checks():
    table = tables.table_from_array("flat", np.r_[np.full(10, 0.1), 1.0], min_age=20)
    assert (table.min_age, table.max_age, table.select_years) == (20, 30, 0)
    # e_20 = sum_{k=1..10} 0.9^k, the last age closes the table.
    assert tables.life_expectancy(table, 20) == pytest.approx(sum(0.9**k for k in range(1, 11)))
    with pytest.raises(ValueError, match="ages 20-30"):
        table.annual_q(31)
    with pytest.raises(ValueError, match="age 21"):
        tables.table_from_array("bad", [0.1, 1.5], min_age=20)
    with pytest.raises(ValueError, match="does not end with q = 1"):
        tables.life_expectancy(tables.table_from_array("open", [0.1, 0.2]), 0)


def test_registered_table_goes_through_the_same_loader():
    tables.register_table("TEST_FLAT", lambda name: tables.table_from_array(name, [0.5, 1.0]))
    try:
        assert tables.load_table("TEST_FLAT").annual_q(1) == 1.0
        assert "TEST_FLAT" in tables.table_names()
    finally:
        tables._LOADERS.pop("TEST_FLAT")
        tables.load_table.cache_clear()


def test_discount_factors_follow_lifelib_convention():
    spot = np.array([0.01, 0.02, 0.03])
    v = monthly_discount_factors(spot, 40)
    assert v[0] == 1.0
    assert v[11] == pytest.approx(1.01 ** (-11 / 12), rel=1e-15)
    assert v[12] == pytest.approx(1.02 ** (-1.0), rel=1e-15)
    assert v[39] == pytest.approx(1.03 ** (-39 / 12), rel=1e-15)  # past the curve: last rate held
    forwards = monthly_forward_rates(spot, 40)
    np.testing.assert_allclose(np.cumprod(np.r_[1.0, 1 / (1 + forwards)])[:40], v, rtol=1e-13)
    # Inside a year the forward is that year's spot, monthly.
    assert forwards[3] == pytest.approx(1.01 ** (1 / 12) - 1, rel=1e-12)
    np.testing.assert_array_equal(discount_factors_by_scenario(np.vstack([spot, spot]), 40)[1], v)


def test_curve_with_a_gap_is_refused_naming_the_year():
    with pytest.raises(ValueError, match="year 2"):
        checked_spot_curve([0.01, 0.02, np.nan, 0.03])
    with pytest.raises(ValueError, match="year 1"):
        monthly_discount_factors([0.01, -1.5], 24)


def test_commutation_identities_on_cl1():
    cl1 = tables.load_table("CL1")
    cols = annual_commutation(cl1, 0.03, 40)
    d = 0.03 / 1.03
    # Whole life: A_x + d * ä_x = 1 (the table closes at 105 with q = 1).
    assert cols.whole_life_assurance() + d * cols.annuity_due() == pytest.approx(1.0, rel=1e-12)
    # Hand calculation of a two-year term assurance and annuity.
    q40, q41 = cl1.annual_q(40), cl1.annual_q(41)
    v = 1 / 1.03
    assert cols.term_assurance(0, 2) == pytest.approx(v * q40 + v**2 * (1 - q40) * q41, rel=1e-13)
    assert cols.annuity_due(0, 2) == pytest.approx(1 + v * (1 - q40), rel=1e-13)
    assert cols.endowment_assurance(0, 2) == pytest.approx(
        cols.term_assurance(0, 2) + v**2 * (1 - q40) * (1 - q41), rel=1e-13
    )
    premium = cols.net_premium_term(0, 10, sum_assured=100_000)
    assert premium == pytest.approx(100_000 * cols.term_assurance(0, 10) / cols.annuity_due(0, 10))


def test_monthly_commutation_keeps_the_annual_survival():
    cl2 = tables.load_table("CL2")
    annual, monthly = annual_commutation(cl2, 0.025, 30), monthly_commutation(cl2, 0.025, 30)
    # After whole years the survivors and the discount agree, so D agrees.
    np.testing.assert_allclose(monthly.D[::12][:50], annual.D[:50], rtol=1e-12)
    with pytest.raises(ValueError, match="outside"):
        monthly.annuity_due(0, 10_000)


def test_bases_ship_as_data_with_sources():
    assert {"basiclife", "cross_default"} <= set(basis_names())
    basic = load_basis("basiclife")
    assert basic.acquisition_expense == 300 and basic.maintenance_expense == 60
    assert basic.inflation_rate == 0.01 and basic.premium_loading == 0.5
    # lifelib: lapse_rate(t) = max(0.1 - 0.02 * duration(t), 0.02)
    years = np.arange(12)
    np.testing.assert_allclose(basic.lapse_rate(years), np.maximum(0.1 - 0.02 * years, 0.02), atol=1e-15)
    assert basic.commission_rate(0) == 1.0 and basic.commission_rate(1) == 0.0
    assert "lifelib" in basic.sources["all"]
    cross = load_basis("cross_default")
    assert cross.mortality == {"M": "CL1", "F": "CL2"}
    assert "CL1" in cross.sources["mortality"] and "2010-2013" in cross.sources["mortality"]
    with pytest.raises(LookupError, match="nowhere"):
        load_basis("nowhere")


def test_a_basis_naming_a_missing_table_is_refused():
    with pytest.raises(tables.UnknownTable, match="CL9"):
        Basis(
            name="broken",
            mortality={"M": "CL9"},
            lapse_by_policy_year=[0.05],
            acquisition_expense=0,
            maintenance_expense=0,
            inflation_rate=0,
            commission_by_policy_year=[0],
            premium_loading=0,
            pricing_spot_curve=[0.03],
        )
